// Package references resolves the objects an object's security lives in (a
// TykOasApiDefinition's ConfigMap) into input.references, the document policies read
// beside the request. The webhook resolves them from the cluster, apiguard check and
// the admission fixtures from the objects they were given; both produce the same shape:
//
//	{"configmaps": {"<namespace>/<name>": {
//	    "namespace": "...", "name": "...",
//	    "found": true|false,
//	    "source": "cluster"|"input",
//	    "data": {<key>: <string>}        // only when found
//	}}}
//
// found: false from the cluster means the ConfigMap does not exist (deny); from the input
// it only means the files at hand do not hold it (warn: judged at admission). A reference
// with no entry at all was not resolved, which policies never read as a pass.
package references

import (
	"context"
	"fmt"
	"iter"
)

// Where a reference was resolved.
const (
	// SourceCluster: read from the API server; a ConfigMap not found does not exist.
	SourceCluster = "cluster"
	// SourceInput: looked up among the manifests being checked; a ConfigMap not found
	// may still exist in the cluster.
	SourceInput = "input"
)

// ConfigMapRef names a ConfigMap key that holds an object's document.
type ConfigMapRef struct {
	Namespace, Name, Key string
}

// String is the key of the reference in input.references.configmaps.
func (r ConfigMapRef) String() string { return r.Namespace + "/" + r.Name }

// refFields are the spec fields of the Tyk Operator kinds that keep their OpenAPI
// document in a ConfigMap (Tyk Operator v1.4.2 CRDs: spec.tykOAS, spec.tykStreams,
// spec.tykMCP, each {configmapRef: {name, keyName, namespace}}).
func refFields() map[string]string {
	return map[string]string{
		"TykOasApiDefinition":     "tykOAS",
		"TykStreamsApiDefinition": "tykStreams",
		"TykMcpProxyDefinition":   "tykMCP",
	}
}

// ConfigMapRefs returns the ConfigMap obj refers to, if any. namespace is the namespace
// of obj's request, used when the reference names none (the CRD: "we assume that the
// ConfigMap is in the same namespace").
func ConfigMapRefs(obj map[string]any, namespace string) []ConfigMapRef {
	if apiVersion, _ := obj["apiVersion"].(string); !isTykGroup(apiVersion) {
		return nil
	}
	kind, _ := obj["kind"].(string)
	field, ok := refFields()[kind]
	if !ok {
		return nil
	}
	spec, _ := obj["spec"].(map[string]any)
	holder, _ := spec[field].(map[string]any)
	ref, _ := holder["configmapRef"].(map[string]any)
	name, _ := ref["name"].(string)
	if name == "" {
		return nil
	}
	key, _ := ref["keyName"].(string)
	ns, _ := ref["namespace"].(string)
	if ns == "" {
		ns = namespace
	}
	return []ConfigMapRef{{Namespace: ns, Name: name, Key: key}}
}

func isTykGroup(apiVersion string) bool {
	const group = "tyk.tyk.io/"
	return len(apiVersion) > len(group) && apiVersion[:len(group)] == group
}

// Lookup returns the data of the ConfigMap namespace/name; found is false, with a nil
// error, when there is none.
type Lookup func(ctx context.Context, namespace, name string) (data map[string]any, found bool, err error)

// Resolve returns input.references for obj (nil when obj refers to nothing), looking each
// reference up with lookup and marking the entries with source. An error of lookup (not
// a ConfigMap that is absent) fails the resolution: the request cannot be decided.
func Resolve(ctx context.Context, obj map[string]any, namespace, source string, lookup Lookup) (map[string]any, error) {
	refs := ConfigMapRefs(obj, namespace)
	if len(refs) == 0 {
		return nil, nil
	}
	cms := map[string]any{}
	for _, r := range refs {
		data, found, err := lookup(ctx, r.Namespace, r.Name)
		if err != nil {
			return nil, fmt.Errorf("resolve ConfigMap %s: %w", r, err)
		}
		entry := map[string]any{"namespace": r.Namespace, "name": r.Name, "found": found, "source": source}
		if found {
			if data == nil {
				data = map[string]any{}
			}
			entry["data"] = data
		}
		cms[r.String()] = entry
	}
	return map[string]any{"configmaps": cms}, nil
}

// Index holds the ConfigMaps among a set of manifests, for resolving offline.
type Index struct {
	configMaps map[string]map[string]any
}

// NewIndex indexes the ConfigMaps (core v1) among objects; one without a namespace is
// in defaultNamespace, where its request would put it. Only data is kept: Tyk Operator
// reads cm.Data[keyName] and never binaryData (TykTechnologies/tyk-operator
// controllers/tykoasapidefinition_controller.go).
func NewIndex(objects iter.Seq[map[string]any], defaultNamespace string) *Index {
	ix := &Index{configMaps: map[string]map[string]any{}}
	for obj := range objects {
		if apiVersion, _ := obj["apiVersion"].(string); apiVersion != "v1" {
			continue
		}
		if kind, _ := obj["kind"].(string); kind != "ConfigMap" {
			continue
		}
		meta, _ := obj["metadata"].(map[string]any)
		name, _ := meta["name"].(string)
		ns, _ := meta["namespace"].(string)
		if ns == "" {
			ns = defaultNamespace
		}
		data, _ := obj["data"].(map[string]any)
		if data == nil {
			data = map[string]any{}
		}
		ix.configMaps[ns+"/"+name] = data
	}
	return ix
}

// Indexes reports whether NewIndex keeps objects of kind, so a caller can skip decoding
// the others (apiguard check reads every manifest once).
func Indexes(kind string) bool { return kind == "ConfigMap" }

// Lookup is the Index's Lookup: found when the manifests hold the ConfigMap.
func (ix *Index) Lookup(_ context.Context, namespace, name string) (map[string]any, bool, error) {
	data, ok := ix.configMaps[namespace+"/"+name]
	return data, ok, nil
}

// Len is the number of ConfigMaps indexed.
func (ix *Index) Len() int { return len(ix.configMaps) }

// ConfigMapMatchCondition is the CEL expression of the webhook's matchCondition for
// ConfigMap writes: only a ConfigMap whose data may carry a Tyk OAS document reaches
// apiguard, so the API server never calls the webhook for any other ConfigMap (no added
// latency or failure risk for other controllers). A value matches when it holds
// x-tyk-api-gateway, or any JSON \u escape: Tyk decodes the document with Go's
// encoding/json, which reads "x\u002dtyk-api-gateway" as the extension, so a literal
// match alone would let an escaped key past the webhook. The chart renders this very
// expression (test/chart checks they agree); lib.tykoas applies the same test.
const ConfigMapMatchCondition = `has(object.data) && object.data.exists(k, object.data[k].contains('x-tyk-api-gateway') || object.data[k].contains('\\u'))`
