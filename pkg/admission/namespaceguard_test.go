package admission

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/apiguard/apiguard/pkg/policy"
)

func namespaceReview(op string, user string, groups []string, newLabels, oldLabels map[string]string) []byte {
	obj := func(labels map[string]string) map[string]any {
		if labels == nil {
			return nil
		}
		return map[string]any{"apiVersion": "v1", "kind": "Namespace", "metadata": map[string]any{"name": "team", "labels": labels}}
	}
	req := map[string]any{
		"uid": "ns-1", "kind": map[string]any{"version": "v1", "kind": "Namespace"}, "name": "team", "operation": op,
		"userInfo": map[string]any{"username": user, "groups": groups}, "object": obj(newLabels),
	}
	if oldLabels != nil {
		req["oldObject"] = obj(oldLabels)
	}
	b, _ := json.Marshal(map[string]any{"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview", "request": req})
	return b
}

func TestNamespaceGuard(t *testing.T) {
	f := newFixture(t, Options{}, nil) // no policy set: the guard must not need one
	h, _ := New(Options{Policies: f.holder, Metrics: f.metrics})
	guard := h.NamespaceGuard([]string{"platform-admins"})
	on := map[string]string{policy.IgnoreLabel: "true"}
	off := map[string]string{"team": "a"}
	cases := map[string]struct {
		body    []byte
		allowed bool
	}{
		"create with the label, not an admin": {namespaceReview("CREATE", "alice", []string{"devs"}, on, nil), false},
		"create with the label, admin":        {namespaceReview("CREATE", "root", []string{"platform-admins"}, on, nil), true},
		"add the label on update":             {namespaceReview("UPDATE", "alice", nil, on, off), false},
		"label already there":                 {namespaceReview("UPDATE", "alice", nil, on, on), true},
		"remove the label":                    {namespaceReview("UPDATE", "alice", nil, off, on), true},
		"label false":                         {namespaceReview("CREATE", "alice", nil, map[string]string{policy.IgnoreLabel: "false"}, nil), true},
		"unrelated namespace":                 {namespaceReview("CREATE", "alice", nil, off, nil), true},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			res := post(t, guard, "application/json", bytes.NewReader(tc.body))
			if res.status != 200 || res.review.Response.Allowed != tc.allowed {
				t.Fatalf("HTTP %d: %s", res.status, res.body)
			}
			if !tc.allowed && !strings.Contains(res.review.Response.Result.Message, "platform-admins") {
				t.Errorf("denial does not say who may: %s", res.review.Response.Result.Message)
			}
		})
	}
}
