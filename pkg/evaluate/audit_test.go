package evaluate

import (
	"context"
	"testing"
	"testing/fstest"

	"github.com/apiguard/apiguard/pkg/policy"
)

// auditPolicies deny a missing owner on writes and audits, and fill in a tier label on
// CREATE: an audited object shows the first as a violation and the second as a patch.
const auditPolicies = `package audited

deny contains "no owner" if {
	input.request.operation in {"CREATE", "UPDATE", "AUDIT"}
	not input.request.object.metadata.labels.owner
}

deny contains sprintf("operation %s", [input.request.operation]) if input.request.object.metadata.labels.echo

patch contains {"op": "add", "path": "/metadata/labels/tier", "value": "web"} if {
	input.request.operation == "CREATE"
	not input.request.object.metadata.labels.tier
}
`

func TestAudit(t *testing.T) {
	fsys := fstest.MapFS{"audited.rego": &fstest.MapFile{Data: []byte(auditPolicies)}}
	set, err := policy.Load(context.Background(), fsys, policy.LoadOptions{Revision: "rev2", Data: []map[string]any{
		{"apiguard": map[string]any{"config": map[string]any{"exemptNamespaces": []any{"kube-*"}}}},
	}})
	if err != nil {
		t.Fatal(err)
	}
	cases := map[string]struct {
		obj        string
		violations []string
		patches    int
		exempt     bool
	}{
		"violating and missing a default": {
			obj:        `{"apiVersion":"v1","kind":"Service","metadata":{"name":"a","namespace":"team","labels":{"app":"x"}}}`,
			violations: []string{"no owner"}, patches: 1,
		},
		"clean": {
			obj: `{"apiVersion":"v1","kind":"Service","metadata":{"name":"a","namespace":"team","labels":{"owner":"me","tier":"db"}}}`,
		},
		"judged as AUDIT, not as the CREATE that asks for patches": {
			obj:        `{"apiVersion":"v1","kind":"Service","metadata":{"name":"a","namespace":"team","labels":{"owner":"me","tier":"db","echo":"1"}}}`,
			violations: []string{"operation AUDIT"},
		},
		"exempt namespace: nothing": {
			obj:    `{"apiVersion":"v1","kind":"Service","metadata":{"name":"a","namespace":"kube-system"}}`,
			exempt: true,
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			res, err := Audit(context.Background(), set, []byte(tc.obj))
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, v := range res.Decision.Violations {
				got = append(got, v.Message)
			}
			if len(got) != len(tc.violations) || (len(got) > 0 && got[0] != tc.violations[0]) {
				t.Errorf("violations %q, want %q", got, tc.violations)
			}
			if len(res.Patches) != tc.patches || res.Decision.Exempt != tc.exempt || res.Decision.Revision != "rev2" {
				t.Errorf("patches %v, exempt %t, revision %q", res.Patches, res.Decision.Exempt, res.Decision.Revision)
			}
			if res.Request == nil || res.Request.Operation != policy.OperationAudit {
				t.Errorf("request %+v", res.Request)
			}
		})
	}
	if _, err := Audit(context.Background(), set, []byte(`{"metadata":{}}`)); err == nil {
		t.Error("an object without apiVersion and kind was audited")
	}
}
