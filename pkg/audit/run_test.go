package audit

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"k8s.io/apimachinery/pkg/types"

	"github.com/apiguard/apiguard/pkg/policy"
)

// testPolicies: tls.required denies a Service without the "tls" label on writes and
// audits; owner.label only warns; defaults.tier fills in a tier label on CREATE; a
// Service named "boom" makes a rule fail at runtime.
var testPolicies = fstest.MapFS{
	"tls.rego": {Data: []byte(`package tls.required

deny contains sprintf("%s has no tls label", [input.request.name]) if {
	input.request.operation in {"CREATE", "UPDATE", "AUDIT"}
	not input.request.object.metadata.labels.tls
}

deny contains x if {
	input.request.name == "boom"
	x := 1 / 0
}
`)},
	"owner.rego": {Data: []byte(`package owner.label

warn contains "no owner" if not input.request.object.metadata.labels.owner
`)},
	"tier.rego": {Data: []byte(`package defaults.tier

patch contains {"op": "add", "path": "/metadata/labels/tier", "value": "web"} if {
	input.request.operation == "CREATE"
	not input.request.object.metadata.labels.tier
}
`)},
}

func loadTestSet(t *testing.T, revision string) *policy.PolicySet {
	t.Helper()
	set, err := policy.Load(context.Background(), testPolicies, policy.LoadOptions{Revision: revision})
	if err != nil {
		t.Fatal(err)
	}
	return set
}

func service(namespace, name string, labels ...string) *Object {
	l := make([]string, 0, len(labels))
	for _, k := range labels {
		l = append(l, fmt.Sprintf("%q:%q", k, "x"))
	}
	raw := fmt.Sprintf(`{"apiVersion":"v1","kind":"Service","metadata":{"name":%q,"namespace":%q,"uid":"uid-%s","labels":{%s}},"spec":{}}`,
		name, namespace, name, strings.Join(l, ","))
	o := &Object{Raw: []byte(raw)}
	o.APIVersion, o.Kind, o.Name, o.Namespace, o.UID = "v1", "Service", name, namespace, types.UID("uid-"+name)
	return o
}

func TestRun(t *testing.T) {
	set := loadTestSet(t, "0123456789abcdef")
	objects := []*Object{
		service("b", "clean", "tls", "owner", "tier"),
		service("a", "no-tls", "owner", "tier"),
		service("a", "bare"),
		service("kube-system", "skipped"),
		service("a", "boom", "tls", "owner", "tier"),
	}
	rep := run(context.Background(), set, objects, runOptions{
		skip: func(ns string) bool { return ns == "kube-system" }, workers: 2, maxEntries: 100, evalTimeout: 5 * time.Second,
	})
	if rep == nil {
		t.Fatal("no report")
	}
	if rep.Objects != 4 || rep.Skipped != 1 || rep.Errors != 1 || rep.Revision != "0123456789abcdef" {
		t.Errorf("objects %d skipped %d errors %d revision %q", rep.Objects, rep.Skipped, rep.Errors, rep.Revision)
	}
	var got []string
	for _, e := range rep.Entries {
		got = append(got, fmt.Sprintf("%s/%s %s %s", e.Namespace, e.Name, e.Policy, e.Action))
		if e.Revision != "0123456789abcdef" || e.APIVersion != "v1" || e.Kind != "Service" || string(e.UID) != "uid-"+e.Name {
			t.Errorf("entry %+v", e)
		}
	}
	want := []string{
		"a/bare defaults.tier patch",
		"a/bare owner.label warn",
		"a/bare tls.required deny",
		"a/boom  error",
		"a/no-tls tls.required deny",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("entries:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if rep.Total != len(want) {
		t.Errorf("total %d", rep.Total)
	}
	if e := rep.Entries[0]; e.Path != "/metadata/labels/tier" || !strings.Contains(e.Message, `would add /metadata/labels/tier: "web"`) {
		t.Errorf("patch entry %+v", e)
	}
	wantCounts := []Count{
		{Policy: "defaults.tier", Kind: "Service", Namespace: "a", Action: "patch", N: 1},
		{Policy: "owner.label", Kind: "Service", Namespace: "a", Action: "warn", N: 1},
		{Policy: "tls.required", Kind: "Service", Namespace: "a", Action: "deny", N: 2},
	}
	if fmt.Sprint(rep.Counts) != fmt.Sprint(wantCounts) {
		t.Errorf("counts %v", rep.Counts)
	}
	if s := rep.Summary(); s["tls.required"]["deny"] != 2 || s["defaults.tier"]["patch"] != 1 || len(s) != 3 {
		t.Errorf("summary %v", s)
	}
}

// TestRunCapsEntriesNotCounts: beyond the cap the first entries in sort order are kept
// and the counts stay complete, across chunk boundaries.
func TestRunCapsEntriesNotCounts(t *testing.T) {
	set := loadTestSet(t, "r")
	var objects []*Object
	n := chunkSize*2 + 3
	for i := range n {
		objects = append(objects, service("ns", fmt.Sprintf("svc-%05d", i), "owner", "tier"))
	}
	rep := run(context.Background(), set, objects, runOptions{workers: 4, maxEntries: 10, evalTimeout: 5 * time.Second})
	if rep.Objects != n || rep.Total != n || len(rep.Entries) != 10 || rep.Entries[9].Name != "svc-00009" {
		t.Fatalf("objects %d total %d entries %d last %+v", rep.Objects, rep.Total, len(rep.Entries), rep.Entries[len(rep.Entries)-1])
	}
	if len(rep.Counts) != 1 || rep.Counts[0].N != n {
		t.Errorf("counts %v", rep.Counts)
	}
}

func TestRunStopsWithItsContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if rep := run(ctx, loadTestSet(t, "r"), []*Object{service("a", "x")}, runOptions{workers: 1, maxEntries: 1, evalTimeout: time.Second}); rep != nil {
		t.Errorf("a cancelled run published %+v", rep)
	}
}
