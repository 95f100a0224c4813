// Package batch is apiguard check's offline pipeline after reading: it validates the
// documents as the API server would (Validate), projects them into the inventory and
// the reference index policies read (Inventory, References), and judges them all on
// GOMAXPROCS workers, one request each, through pkg/evaluate (Evaluator), placing each
// finding in the input files for the formats that point at a line. Audit and conftest
// mode batch here too (Audit, Conftest). It is kept apart from pkg/evaluate so the
// webhook, which judges one request at a time, links no manifest reader or report.
package batch

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	admissionv1 "k8s.io/api/admission/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/apiguard/apiguard/pkg/evaluate"
	"github.com/apiguard/apiguard/pkg/manifest"
	"github.com/apiguard/apiguard/pkg/policy"
	"github.com/apiguard/apiguard/pkg/references"
	"github.com/apiguard/apiguard/pkg/report"
)

// Evaluator judges the manifests of an offline run (apiguard check) as a cluster would judge
// them one request at a time: each object becomes an AdmissionRequest (CREATE, or UPDATE
// when Old holds its previous version) that is mutated, then validated.
type Evaluator struct {
	Set *policy.PolicySet
	// Namespace is the namespace of objects that do not set one.
	Namespace string
	// User and Groups are the request's userInfo.
	User   string
	Groups []string
	// Old holds previous versions: an object with the same apiVersion, kind, namespace
	// and name as one of them is judged as its UPDATE.
	Old []manifest.Document
	// Timeout bounds the evaluation of one object; 0 means no limit. An object over it is
	// an error result, and the rest of the run goes on.
	Timeout time.Duration
	// References indexes the objects of the input that others refer to (see
	// References); a reference it does not hold is warned, "judged at admission".
	References *references.Index
}

// Run evaluates every entry on GOMAXPROCS workers sharing the compiled set's prepared
// queries, keeping results in input order so every output format is stable. An entry that
// could not be read, and an object the API server would reject (rejected, by entry, as
// Validate returns it), become error results in their place. Each result can
// place its findings in the input files (see locate).
func (b Evaluator) Run(ctx context.Context, entries []manifest.Entry, rejected []error) []report.Result {
	olds := make(map[string][]byte, len(b.Old))
	for _, d := range b.Old {
		olds[objectKey(d.APIVersion(), d.Kind(), d.Namespace(), d.Name())] = d.Raw
	}
	results := make([]report.Result, len(entries))
	forEach(len(entries), func(i int) {
		e := entries[i]
		switch {
		case e.Err != nil:
			results[i] = inputErrorResult(e.Err)
		case rejected[i] != nil:
			results[i] = documentResult(*e.Document)
			results[i].Err = rejected[i]
			withDefaultNamespace(&results[i], b.Namespace)
		default:
			results[i] = b.document(ctx, *e.Document, olds)
		}
	})
	b.locate(results, entries, rejected)
	return results
}

// document mutates then validates one object, the order the API server calls the
// webhooks in, so the verdict is the one the cluster would give.
func (b Evaluator) document(ctx context.Context, d manifest.Document, olds map[string][]byte) report.Result {
	res := documentResult(d)
	ro := policy.RequestOptions{Operation: admissionv1.Create, Namespace: b.Namespace, User: b.User, Groups: b.Groups}
	if old, ok := olds[objectKey(res.APIVersion, res.Kind, res.Namespace, res.Name)]; ok {
		ro.Operation, ro.Old = admissionv1.Update, old
	}
	var out evaluate.Result
	err := withTimeout(ctx, b.Timeout, func(ctx context.Context) error {
		var err error
		out, err = b.object(ctx, d.Raw, ro)
		return err
	})
	if out.Request != nil {
		res.Namespace = out.Request.Namespace
	}
	res.Patches, res.Decision, res.Err = out.Patches, out.Decision, err
	return res
}

// object builds the request for one manifest, resolves what it refers to among the
// input (source "input": a reference the files do not hold is warned, "judged at
// admission"), and evaluates it.
func (b Evaluator) object(ctx context.Context, raw []byte, ro policy.RequestOptions) (evaluate.Result, error) {
	req, err := policy.RequestFor(raw, ro)
	if err != nil {
		return evaluate.Result{Decision: policy.Decision{Revision: b.Set.Revision()}}, err
	}
	refs, err := evaluate.OfflineReferences(ctx, req, b.References, references.SourceInput)
	if err != nil {
		return evaluate.Result{Request: req, Patched: req.Object.Raw, Decision: policy.Decision{Revision: b.Set.Revision()}}, err
	}
	return evaluate.RequestWithReferences(ctx, b.Set, req, refs)
}

// objectKey identifies an object across the new and old inputs.
func objectKey(apiVersion, kind, namespace, name string) string {
	return strings.Join([]string{apiVersion, kind, namespace, name}, "\x00")
}

// withTimeout runs eval under the per-object deadline and words a deadline it hit.
func withTimeout(ctx context.Context, timeout time.Duration, eval func(context.Context) error) error {
	if timeout <= 0 {
		return eval(ctx)
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	err := eval(ctx)
	if err != nil && errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return fmt.Errorf("evaluation took longer than --timeout %s, so no policy has judged this object (at admission it would time out too)", timeout)
	}
	return err
}

func documentResult(d manifest.Document) report.Result {
	return report.Result{File: d.File, Index: d.Index, Item: d.Item, Line: d.Line, APIVersion: d.APIVersion(), Kind: d.Kind(), Namespace: d.Namespace(), Name: d.Name()}
}

// inputErrorResult is the report of a file or document that could not be read: no
// object, an error at its place.
func inputErrorResult(e *manifest.Error) report.Result {
	return report.Result{File: e.File, Index: e.Index, Item: e.Item, Line: e.Line, Err: e.Err}
}

// withDefaultNamespace names an object that was not evaluated in the namespace its
// request would have had, as evaluated ones are (policy.RequestFor).
func withDefaultNamespace(r *report.Result, namespace string) {
	gv, err := schema.ParseGroupVersion(r.APIVersion)
	if r.Namespace == "" && err == nil && !policy.IsClusterScoped(gv.Group, r.Kind) {
		r.Namespace = namespace
	}
}

// Inventory is InventoryOf the documents being checked, so two files claiming one
// host in different namespaces are caught before they reach a cluster, merged into base,
// the inventory --data supplies. Objects are decoded from Raw one at a time: the
// documents do not keep them.
func Inventory(base map[string]any, docs []manifest.Document, defaultNamespace string) map[string]any {
	// Numbers as the reader gave them (json.Number).
	return evaluate.InventoryOf(base, decoded(docs, nil, true), defaultNamespace)
}

// References indexes the objects among the documents that others refer to
// (references.Indexes), so a TykOasApiDefinition and its ConfigMap in one directory or
// one rendered chart are judged together (policies/README.md, "Resolved references").
func References(docs []manifest.Document, defaultNamespace string) *references.Index {
	return evaluate.ReferenceIndex(decoded(docs, references.Indexes, false), defaultNamespace)
}

// decoded yields the objects of the documents whose kind keep accepts (every one when
// keep is nil). Raw was encoded from a decoded object, so it always decodes; a document
// that does not is passed over.
func decoded(docs []manifest.Document, keep func(kind string) bool, useNumber bool) iter.Seq[map[string]any] {
	return func(yield func(map[string]any) bool) {
		for _, d := range docs {
			if keep != nil && !keep(d.Kind()) {
				continue
			}
			var obj map[string]any
			dec := json.NewDecoder(bytes.NewReader(d.Raw))
			if useNumber {
				dec.UseNumber()
			}
			if err := dec.Decode(&obj); err != nil {
				continue
			}
			if !yield(obj) {
				return
			}
		}
	}
}

// Audit audits objects (AuditWithReferences) on GOMAXPROCS workers, keeping results
// and errors in input order.
func Audit(ctx context.Context, set *policy.PolicySet, objects [][]byte, lookup references.Lookup) ([]evaluate.Result, []error) {
	results := make([]evaluate.Result, len(objects))
	errs := make([]error, len(objects))
	forEach(len(objects), func(i int) {
		results[i], errs[i] = evaluate.AuditWithReferences(ctx, set, objects[i], lookup)
	})
	return results, errs
}

// forEach calls f for every index below n, on GOMAXPROCS workers.
func forEach(n int, f func(i int)) {
	workers := min(runtime.GOMAXPROCS(0), n)
	next := atomic.Int64{}
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				f(i)
			}
		})
	}
	wg.Wait()
}
