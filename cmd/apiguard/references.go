package main

import (
	"bytes"
	"context"
	"encoding/json"

	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	"github.com/apiguard/apiguard/pkg/evaluate"
	"github.com/apiguard/apiguard/pkg/manifest"
	"github.com/apiguard/apiguard/pkg/policy"
	"github.com/apiguard/apiguard/pkg/references"
)

// referenceIndex holds the ConfigMaps among the checked manifests, so a
// TykOasApiDefinition and its ConfigMap in one directory or one rendered chart are judged
// together (policies/README.md, "Resolved references").
func referenceIndex(docs []manifest.Document, defaultNamespace string) *references.Index {
	objects := func(yield func(map[string]any) bool) {
		for _, d := range docs {
			if !references.Indexes(d.Kind()) {
				continue
			}
			var obj map[string]any
			if err := json.NewDecoder(bytes.NewReader(d.Raw)).Decode(&obj); err != nil {
				continue
			}
			if !yield(obj) {
				return
			}
		}
	}
	return evaluate.ReferenceIndex(objects, defaultNamespace)
}

// checkObject builds the request for one manifest, resolves what it refers to among the
// input (source "input": a reference the files do not hold is warned, "judged at
// admission"), and evaluates it.
func checkObject(ctx context.Context, set *policy.PolicySet, raw []byte, ro policy.RequestOptions, ix *references.Index) (evaluate.Result, error) {
	req, err := policy.RequestFor(raw, ro)
	if err != nil {
		return evaluate.Result{Decision: policy.Decision{Revision: set.Revision()}}, err
	}
	refs, err := evaluate.OfflineReferences(ctx, req, ix, references.SourceInput)
	if err != nil {
		return evaluate.Result{Request: req, Patched: req.Object.Raw, Decision: policy.Decision{Revision: set.Revision()}}, err
	}
	return evaluate.RequestWithReferences(ctx, set, req, refs)
}

// auditReferences reads a Tyk OAS API's ConfigMap from the audited cluster (one GET per
// API), so apiguard audit judges the document and reports a missing ConfigMap.
func auditReferences(cfg *rest.Config) (references.Lookup, error) {
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return nil, err
	}
	return references.ClusterLookup(cs), nil
}
