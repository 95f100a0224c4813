package batch

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/apiguard/apiguard/internal/memfs"
	"github.com/apiguard/apiguard/pkg/manifest"
	"github.com/apiguard/apiguard/pkg/policy"
)

// batchPolicy fills in labels on CREATE and denies an UPDATE of the object named old,
// so a result shows whether it was mutated and whether it was judged as an UPDATE.
const batchPolicy = `package batchtest

deny contains "old object seen" if input.request.oldObject.metadata.name == "old"

patch contains {"op": "add", "path": "/metadata/labels", "value": {"owner": "platform"}} if {
	input.request.operation == "CREATE"
	not input.request.object.metadata.labels
}
`

func loadSet(t *testing.T) *policy.PolicySet {
	t.Helper()
	fsys := memfs.New()
	fsys.Add("batch.rego", []byte(batchPolicy))
	set, err := policy.Load(context.Background(), fsys, policy.LoadOptions{Revision: "rev1"})
	if err != nil {
		t.Fatal(err)
	}
	return set
}

func decodeDocs(t *testing.T, name, yaml string) []manifest.Document {
	t.Helper()
	docs, err := manifest.Decode(name, strings.NewReader(yaml))
	if err != nil {
		t.Fatal(err)
	}
	return docs
}

// Entries keep their place: a read error and an object the API server rejects are error
// results where they stood, an object with a previous version is its UPDATE, the rest are
// CREATEs mutated then validated.
func TestBatchRun(t *testing.T) {
	docs := decodeDocs(t, "in.yaml", `apiVersion: v1
kind: ConfigMap
metadata: {name: fresh}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: old, labels: {owner: a}}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: refused}
`)
	old := decodeDocs(t, "old.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: old}\n")
	readErr := &manifest.Error{File: "broken.yaml", Index: 0, Item: -1, Line: 1, Err: errors.New("bad yaml")}
	entries := []manifest.Entry{{Err: readErr}, {Document: &docs[0]}, {Document: &docs[1]}, {Document: &docs[2]}}
	rejected := []error{nil, nil, nil, errors.New("rejected by the API server")}

	results := Evaluator{Set: loadSet(t), Namespace: "team", Old: old}.Run(context.Background(), entries, rejected)
	if len(results) != 4 {
		t.Fatalf("%d results", len(results))
	}
	if r := results[0]; r.File != "broken.yaml" || r.Line != 1 || r.Kind != "" || r.Err == nil {
		t.Errorf("read error: %+v", r)
	}
	if r := results[1]; r.Err != nil || !r.Decision.Allowed() || len(r.Patches) != 1 || r.Namespace != "team" || r.Decision.Revision != "rev1" {
		t.Errorf("CREATE: %+v", r)
	}
	if r := results[2]; r.Err != nil || r.Decision.Allowed() || r.Decision.Violations[0].Message != "old object seen" {
		t.Errorf("UPDATE: %+v", r)
	}
	if r := results[3]; r.Err == nil || r.Name != "refused" || r.Namespace != "team" || r.Line != 9 {
		t.Errorf("rejected: %+v", r)
	}
}

// An evaluation over the per-object timeout is an error that names the limit; one
// within it, or without a limit, is its own result.
func TestWithTimeout(t *testing.T) {
	blocked := func(ctx context.Context) error { <-ctx.Done(); return ctx.Err() }
	err := withTimeout(context.Background(), time.Millisecond, blocked)
	if err == nil || !strings.Contains(err.Error(), "longer than --timeout 1ms") {
		t.Errorf("err = %v", err)
	}
	own := errors.New("policy error")
	if err := withTimeout(context.Background(), time.Hour, func(context.Context) error { return own }); err != own {
		t.Errorf("err = %v, want the evaluation's own", err)
	}
	if err := withTimeout(context.Background(), 0, func(ctx context.Context) error {
		if _, ok := ctx.Deadline(); ok {
			return errors.New("a deadline without a timeout")
		}
		return nil
	}); err != nil {
		t.Error(err)
	}
}

// Unknown fields cost what --validate says; a rejected object is left out of the valid
// documents, which the inventory is built from.
func TestValidateEntries(t *testing.T) {
	docs := decodeDocs(t, "in.yaml", `apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: good, namespace: a}
spec: {rules: [{host: a.example.com}]}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: typo, namespace: b}
spec: {rulez: [], rules: [{host: b.example.com}]}
`)
	entries := []manifest.Entry{{Document: &docs[0]}, {Err: &manifest.Error{File: "x", Index: -1, Item: -1, Err: errors.New("gone")}}, {Document: &docs[1]}}
	var warned []string
	warn := func(err error) { warned = append(warned, err.Error()) }

	rejected, valid, err := Validate(manifest.FieldStrict, nil, entries, warn)
	if err != nil {
		t.Fatal(err)
	}
	if rejected[0] != nil || rejected[1] != nil || rejected[2] == nil || len(valid) != 1 || valid[0].Name() != "good" || len(warned) != 0 {
		t.Errorf("strict: rejected %v, valid %d, warned %v", rejected, len(valid), warned)
	}
	inv := Inventory(nil, valid, "default")
	if hosts, _ := inv["hosts"].(map[string]any); hosts["a.example.com"] == nil || hosts["b.example.com"] != nil {
		t.Errorf("inventory of the valid documents: %v", inv["hosts"])
	}

	rejected, valid, err = Validate(manifest.FieldWarn, nil, entries, warn)
	if err != nil {
		t.Fatal(err)
	}
	if rejected[2] != nil || len(valid) != 2 || len(warned) != 1 || !strings.Contains(warned[0], "in.yaml: document 1 (line 6): Ingress typo:") {
		t.Errorf("warn: rejected %v, valid %d, warned %v", rejected, len(valid), warned)
	}
}
