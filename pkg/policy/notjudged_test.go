package policy

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	admissionv1 "k8s.io/api/admission/v1"
	"k8s.io/apimachinery/pkg/runtime"
)

// TestBookkeepingAndSubresourcesAreNotJudged: an object that violates a deny policy can
// still lose its finalizers, gain an owner reference or have its status written, and
// none of those requests gets a patch; any change to what policies read is judged.
func TestBookkeepingAndSubresourcesAreNotJudged(t *testing.T) {
	set := load(t, map[string]string{"tls.rego": requireTLS, "patch.rego": sslRedirect})
	violating := func(edit func(obj, meta map[string]any)) map[string]any {
		obj := ingress("legacy", false)
		meta := obj["metadata"].(map[string]any)
		meta["finalizers"] = []any{"example.com/cleanup"}
		meta["resourceVersion"] = "41"
		if edit != nil {
			edit(obj, meta)
		}
		return obj
	}
	cases := map[string]struct {
		op          admissionv1.Operation
		subresource string
		object, old map[string]any
		oldRaw      string // overrides old
		wantReason  string // "" means judged (and denied: every object here violates)
		wantErr     bool
	}{
		"finalizers removed": {op: admissionv1.Update,
			object: violating(func(_, m map[string]any) { delete(m, "finalizers"); m["resourceVersion"] = "42" }), old: violating(nil),
			wantReason: NotJudgedBookkeeping},
		"deletion in progress, finalizers emptied": {op: admissionv1.Update,
			object: violating(func(_, m map[string]any) { m["finalizers"] = []any{}; m["deletionTimestamp"] = "2030-01-01T00:00:00Z" }),
			old:    violating(func(_, m map[string]any) { m["deletionTimestamp"] = "2030-01-01T00:00:00Z" }), wantReason: NotJudgedBookkeeping},
		"owner reference and managedFields": {op: admissionv1.Update,
			object: violating(func(_, m map[string]any) {
				m["ownerReferences"] = []any{map[string]any{"kind": "App", "name": "a"}}
				m["managedFields"] = []any{map[string]any{"manager": "kubectl"}}
				m["generation"] = 3
			}), old: violating(nil), wantReason: NotJudgedBookkeeping},
		"status only": {op: admissionv1.Update,
			object: violating(func(o, _ map[string]any) {
				o["status"] = map[string]any{"loadBalancer": map[string]any{"ingress": []any{map[string]any{"ip": "10.0.0.1"}}}}
			}),
			old: violating(nil), wantReason: NotJudgedBookkeeping},
		"null labels equal missing labels": {op: admissionv1.Update,
			object: violating(func(_, m map[string]any) { m["labels"] = nil }), old: violating(nil), wantReason: NotJudgedBookkeeping},
		"status subresource": {op: admissionv1.Update, subresource: "status",
			object: violating(nil), old: violating(nil), wantReason: NotJudgedSubresource},
		"status subresource that also changes spec": {op: admissionv1.Update, subresource: "status",
			object: violating(func(o, _ map[string]any) { o["spec"] = map[string]any{} }), old: violating(nil), wantReason: NotJudgedSubresource},
		"a label added":        {op: admissionv1.Update, object: violating(func(_, m map[string]any) { m["labels"] = map[string]any{"team": "a"} }), old: violating(nil)},
		"an annotation added":  {op: admissionv1.Update, object: violating(func(_, m map[string]any) { m["annotations"] = map[string]any{"x": "y"} }), old: violating(nil)},
		"spec changed":         {op: admissionv1.Update, object: violating(func(o, _ map[string]any) { o["spec"] = map[string]any{"rules": []any{}} }), old: violating(nil)},
		"top-level field":      {op: admissionv1.Update, object: violating(func(o, _ map[string]any) { o["data"] = "x" }), old: violating(nil)},
		"unchanged but CREATE": {op: admissionv1.Create, object: violating(nil)},
		"no old object":        {op: admissionv1.Update, object: violating(nil)},
		"null old object":      {op: admissionv1.Update, object: violating(nil), oldRaw: "null"},
		"old object not JSON":  {op: admissionv1.Update, object: violating(nil), oldRaw: "{", wantErr: true},
		"same number, other spelling": {op: admissionv1.Update,
			object: violating(func(o, _ map[string]any) { o["spec"].(map[string]any)["port"] = json.Number("1.0") }),
			old:    violating(func(o, _ map[string]any) { o["spec"].(map[string]any)["port"] = json.Number("1") })},
	}
	ctx := context.Background()
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			req := ingressRequest(tc.op, "team", tc.object)
			req.SubResource = tc.subresource
			if tc.old != nil {
				raw, _ := json.Marshal(tc.old)
				req.OldObject = runtime.RawExtension{Raw: raw}
			}
			if tc.oldRaw != "" {
				req.OldObject = runtime.RawExtension{Raw: []byte(tc.oldRaw)}
			}
			d, err := set.Evaluate(ctx, Input{Request: req})
			if tc.wantErr {
				// Undecidable, never allowed for want of a comparison.
				if err == nil {
					t.Fatalf("decided %+v", d)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			m, err := set.MutateAndEvaluate(ctx, Input{Request: req}, 0)
			if err != nil {
				t.Fatal(err)
			}
			if d.NotJudged != tc.wantReason || m.NotJudged != tc.wantReason || m.Final.NotJudged != tc.wantReason {
				t.Fatalf("NotJudged: Evaluate %q, Mutate %q, Final %q; want %q", d.NotJudged, m.NotJudged, m.Final.NotJudged, tc.wantReason)
			}
			if tc.wantReason != "" {
				if !d.Allowed() || len(d.Violations)+len(d.Warnings) != 0 || m.Changed() || !m.Final.Allowed() {
					t.Errorf("a request with nothing to judge was judged: %+v; mutation applied %+v", d, m.Applied)
				}
				return
			}
			if d.Allowed() || len(d.Violations) != 1 || d.Violations[0].Policy != "ingress.require_tls" {
				t.Errorf("a content change escaped judgement: %+v", d)
			}
			if !m.Changed() {
				t.Errorf("a content change was not patched")
			}
		})
	}
}

// ownersReview judges who changes owner references, as gitops.reviewed_change does.
const ownersReview = `# METADATA
# custom:
#   kinds: [Ingress]
#   judgesOwnerReferences: true
package gitops.owners

deny contains "owner references changed" if {
	input.request.operation == "UPDATE"
	object.get(input.request.object.metadata, "ownerReferences", []) != object.get(input.request.oldObject.metadata, "ownerReferences", [])
}
`

// TestOwnerReferencesJudgedOnlyByPoliciesThatAskForThem: an UPDATE that changes owner
// references and nothing else reaches the policies that declare
// custom.judgesOwnerReferences, and no other policy (nor patch): the garbage collector
// must still be able to orphan a dependent that violates a content policy.
func TestOwnerReferencesJudgedOnlyByPoliciesThatAskForThem(t *testing.T) {
	ctx := context.Background()
	withOwner := func(owners ...any) map[string]any {
		obj := ingress("legacy", false) // violates require_tls
		if owners != nil {
			obj["metadata"].(map[string]any)["ownerReferences"] = owners
		}
		return obj
	}
	fake := map[string]any{"apiVersion": "v1", "kind": "ConfigMap", "name": "ghost", "uid": "6a1c1a2e-0000-4000-8000-000000000001"}
	update := func(obj, old map[string]any) *admissionv1.AdmissionRequest {
		req := ingressRequest(admissionv1.Update, "team", obj)
		raw, _ := json.Marshal(old)
		req.OldObject = runtime.RawExtension{Raw: raw}
		return req
	}
	t.Run("with an owner policy", func(t *testing.T) {
		set := load(t, map[string]string{"tls.rego": requireTLS, "patch.rego": sslRedirect, "owners.rego": ownersReview})
		if p := set.Policies(); !slices.ContainsFunc(p, func(p Policy) bool { return p.ID == "gitops.owners" && p.JudgesOwnerReferences }) {
			t.Fatalf("custom.judgesOwnerReferences not read: %+v", p)
		}
		for name, req := range map[string]*admissionv1.AdmissionRequest{
			"owner added":   update(withOwner(fake), withOwner()),
			"owner removed": update(withOwner(), withOwner(fake)),
		} {
			d, err := set.Evaluate(ctx, Input{Request: req})
			if err != nil {
				t.Fatal(err)
			}
			if d.NotJudged != "" || len(d.Violations) != 1 || d.Violations[0].Policy != "gitops.owners" {
				t.Errorf("%s: want only gitops.owners to judge, got %+v", name, d)
			}
			m, err := set.MutateAndEvaluate(ctx, Input{Request: req}, 0)
			if err != nil {
				t.Fatal(err)
			}
			if m.Changed() {
				t.Errorf("%s: a patch was added to an owner-only update: %+v", name, m.Applied)
			}
			if m.NotJudged != "" || m.Final.Allowed() || len(m.Final.Violations) != 1 || m.Final.Violations[0].Policy != "gitops.owners" {
				t.Errorf("%s: mutation then validation must leave only gitops.owners judging: %+v", name, m)
			}
		}
		// Unchanged owners: bookkeeping for everyone, the owner policy included.
		d, err := set.Evaluate(ctx, Input{Request: update(withOwner(fake), withOwner(fake))})
		if err != nil || d.NotJudged != NotJudgedBookkeeping {
			t.Errorf("unchanged owners: %+v, %v", d, err)
		}
	})
	t.Run("without one", func(t *testing.T) {
		set := load(t, map[string]string{"tls.rego": requireTLS})
		d, err := set.Evaluate(ctx, Input{Request: update(withOwner(fake), withOwner())})
		if err != nil || d.NotJudged != NotJudgedBookkeeping || !d.Allowed() {
			t.Errorf("owner-only update without an owner policy: %+v, %v", d, err)
		}
	})
	t.Run("not a boolean", func(t *testing.T) {
		bad := strings.Replace(ownersReview, "judgesOwnerReferences: true", "judgesOwnerReferences: yes please", 1)
		if _, err := loadErr(map[string]string{"owners.rego": bad}); err == nil || !strings.Contains(err.Error(), "judgesOwnerReferences") {
			t.Errorf("want a load error naming custom.judgesOwnerReferences, got %v", err)
		}
	})
}
