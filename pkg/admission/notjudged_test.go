package admission

import (
	"bytes"
	"encoding/json"
	"net/http"
	"testing"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/apiguard/apiguard/pkg/policy"
)

// updateReview is review() for an UPDATE with an old object and a subresource.
func updateReview(kind, subresource string, object, old any) []byte {
	var ar map[string]any
	_ = json.Unmarshal(review("admission.k8s.io/v1", kind, "UPDATE", "team", object), &ar)
	req := ar["request"].(map[string]any)
	req["oldObject"] = old
	if subresource != "" {
		req["subResource"] = subresource
	}
	b, _ := json.Marshal(ar)
	return b
}

// TestNotJudged: neither webhook judges or patches a status subresource request or an
// UPDATE that only removes finalizers, even for an object that violates a deny policy,
// so such objects can always be deleted; the answer says why. Changing content is judged.
func TestNotJudged(t *testing.T) {
	legacy := func(finalizers ...any) map[string]any {
		obj := ingressObject(false, nil) // no TLS: denied by ingress.require_tls
		if len(finalizers) > 0 {
			obj["metadata"].(map[string]any)["finalizers"] = finalizers
		}
		return obj
	}
	cases := map[string]struct {
		kind        string
		body        []byte
		wantAllowed bool
		wantReason  string
	}{
		"finalizer removed from a violating Ingress": {"Ingress", updateReview("Ingress", "", legacy(), legacy("example.com/cleanup")), true, policy.NotJudgedBookkeeping},
		"status written on a violating Ingress":      {"Ingress", updateReview("Ingress", "status", legacy(), legacy()), true, policy.NotJudgedSubresource},
		// The conflict policy fails every request it evaluates: allowed proves it never ran.
		"status of a kind whose policy errors": {"Conflict", updateReview("Conflict", "status", map[string]any{}, map[string]any{}), true, policy.NotJudgedSubresource},
		"finalizer removed and a label added":  {"Ingress", updateReview("Ingress", "", ingressObject(false, map[string]any{"x": "y"}), legacy("example.com/cleanup")), false, ""},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			f := defaultFixture(t)
			res := post(t, f.validate, "application/json", bytes.NewReader(tc.body))
			if res.status != http.StatusOK {
				t.Fatalf("validate: HTTP %d: %s", res.status, res.body)
			}
			r := res.review.Response
			if r.Allowed != tc.wantAllowed {
				t.Fatalf("validate: allowed = %v, want %v: %s", r.Allowed, tc.wantAllowed, res.body)
			}
			if !tc.wantAllowed {
				return
			}
			if r.Result == nil || r.Result.Message != tc.wantReason || len(r.Warnings) != 0 {
				t.Errorf("validate: answer %s, want the reason %q and no warnings", res.body, tc.wantReason)
			}
			res = postURL(t, f.mutate, "/mutate", "application/json", bytes.NewReader(tc.body))
			if res.status != http.StatusOK || !res.review.Response.Allowed || res.review.Response.Patch != nil {
				t.Errorf("mutate: HTTP %d: %s; want allowed without a patch", res.status, res.body)
			}
			for _, webhook := range []string{"validate", "mutate"} {
				if got := testutil.ToFloat64(f.metrics.requests.WithLabelValues(webhook, tc.kind, "UPDATE", decisionNotJudged)); got != 1 {
					t.Errorf("%s not_judged counter = %v", webhook, got)
				}
			}
		})
	}
}
