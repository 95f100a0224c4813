package evaluate

import (
	"context"
	"slices"
	"testing"
	"testing/fstest"

	admissionv1 "k8s.io/api/admission/v1"

	"github.com/apiguard/apiguard/pkg/policy"
	"github.com/apiguard/apiguard/pkg/references"
)

// refsPolicy reports what input.references says about the ConfigMap demo/oas.
const refsPolicy = `package refs

deny contains msg if {
	input.request.kind.kind == "TykOasApiDefinition"
	e := object.get(input, ["references", "configmaps", "demo/oas"], {"found": "absent", "source": "none"})
	msg := sprintf("%v %v %v", [e.found, e.source, object.get(e, ["data", "k"], "-")])
}
`

// apiJSON refers to the ConfigMap demo/oas, key k.
const apiJSON = `{"apiVersion":"tyk.tyk.io/v1alpha1","kind":"TykOasApiDefinition","metadata":{"name":"h","namespace":"demo"},"spec":{"tykOAS":{"configmapRef":{"name":"oas","keyName":"k"}}}}`

func refsSet(t *testing.T) *policy.PolicySet {
	t.Helper()
	set, err := policy.Load(context.Background(), fstest.MapFS{"refs.rego": &fstest.MapFile{Data: []byte(refsPolicy)}}, policy.LoadOptions{Revision: "r"})
	if err != nil {
		t.Fatal(err)
	}
	return set
}

func TestReferencesReachPolicies(t *testing.T) {
	ctx := context.Background()
	set := refsSet(t)
	cm := map[string]any{"apiVersion": "v1", "kind": "ConfigMap", "metadata": map[string]any{"name": "oas"}, "data": map[string]any{"k": "doc"}}
	tests := map[string]struct {
		objects []map[string]any
		source  string
		want    string
	}{
		"found offline":         {[]map[string]any{cm}, references.SourceInput, "true input doc"},
		"absent from the files": {nil, references.SourceInput, "false input -"},
		"absent from cluster":   {nil, references.SourceCluster, "false cluster -"},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			req, err := policy.RequestFor([]byte(apiJSON), policy.RequestOptions{Operation: admissionv1.Create, Namespace: "demo"})
			if err != nil {
				t.Fatal(err)
			}
			refs, err := OfflineReferences(ctx, req, ReferenceIndex(slices.Values(tt.objects), "demo"), tt.source)
			if err != nil {
				t.Fatal(err)
			}
			res, err := RequestWithReferences(ctx, set, req, refs)
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Decision.Violations) != 1 || res.Decision.Violations[0].Message != tt.want {
				t.Errorf("violations %+v, want one %q", res.Decision.Violations, tt.want)
			}
		})
	}
	// Without references the key is absent, which policies must never read as a pass.
	res, err := Object(ctx, set, []byte(apiJSON), policy.RequestOptions{Operation: admissionv1.Create, Namespace: "demo"})
	if err != nil || len(res.Decision.Violations) != 1 || res.Decision.Violations[0].Message != "absent none -" {
		t.Errorf("no references: %+v, %v", res.Decision.Violations, err)
	}
}

func TestAuditReadsReferencesFromTheCluster(t *testing.T) {
	ctx := context.Background()
	set := refsSet(t)
	lookup := func(_ context.Context, kind, ns, name string) (map[string]any, bool, error) {
		if kind != references.KindConfigMap {
			t.Errorf("audit of a TykOasApiDefinition looked up a %s", kind)
		}
		return map[string]any{"data": map[string]any{"k": ns + "/" + name}}, true, nil
	}
	res, err := AuditWithReferences(ctx, set, []byte(apiJSON), lookup)
	if err != nil || len(res.Decision.Violations) != 1 || res.Decision.Violations[0].Message != "true cluster demo/oas" {
		t.Errorf("audit with references: %+v, %v", res.Decision.Violations, err)
	}
}

// TestAuditResolvesIngressTemplates: audit reads an Ingress's Tyk template, and a Tyk OAS
// template's ConfigMap, through the same lookup as admission (two GETs), so it re-checks
// an Ingress against the template as it is now.
func TestAuditResolvesIngressTemplates(t *testing.T) {
	ctx := context.Background()
	const tplPolicy = `package tpl

deny contains msg if {
	input.request.kind.kind == "Ingress"
	t := input.references.tykoasapidefinitions["demo/tpl"]
	c := input.references.configmaps["demo/doc"]
	msg := sprintf("%v %v %v", [t.found, t.object.spec.tykOAS.configmapRef.name, c.data.k])
}
`
	set, err := policy.Load(ctx, fstest.MapFS{"tpl.rego": &fstest.MapFile{Data: []byte(tplPolicy)}}, policy.LoadOptions{Revision: "r"})
	if err != nil {
		t.Fatal(err)
	}
	var asked []string
	lookup := func(_ context.Context, kind, ns, name string) (map[string]any, bool, error) {
		asked = append(asked, kind+" "+ns+"/"+name)
		if kind == references.KindConfigMap {
			return map[string]any{"data": map[string]any{"k": "doc-text"}}, true, nil
		}
		return map[string]any{"apiVersion": "tyk.tyk.io/v1alpha1", "kind": kind, "metadata": map[string]any{"name": name, "namespace": ns},
			"spec": map[string]any{"tykOAS": map[string]any{"configmapRef": map[string]any{"name": "doc", "keyName": "k"}}}}, true, nil
	}
	ing := `{"apiVersion":"networking.k8s.io/v1","kind":"Ingress","metadata":{"name":"web","namespace":"demo","annotations":{"kubernetes.io/ingress.class":"tyk","tyk.io/template":"tpl","tyk.io/template-kind":"TykOasApiDefinition"}},"spec":{}}`
	res, err := AuditWithReferences(ctx, set, []byte(ing), lookup)
	if err != nil || len(res.Decision.Violations) != 1 || res.Decision.Violations[0].Message != "true doc doc-text" {
		t.Errorf("audit of an Ingress with a Tyk OAS template: %+v, %v", res.Decision.Violations, err)
	}
	if want := []string{"TykOasApiDefinition demo/tpl", "ConfigMap demo/doc"}; !slices.Equal(asked, want) {
		t.Errorf("lookups %v, want %v", asked, want)
	}
}
