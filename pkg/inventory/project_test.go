package inventory

import (
	"reflect"
	"testing"
)

// TestTykDocumentKindsClaimTheirStatus: TykStreamsApiDefinition and TykMcpProxyDefinition
// claim their listen path as the Tyk OAS kind does, from what Tyk Operator wrote into
// status (Tyk Operator v1.4.2 CRDs: status.listenPath, and status.domain a plain string for
// these two kinds, an object {name, enabled} for TykOasApiDefinition). Without status
// (not reconciled yet) they claim nothing.
func TestTykDocumentKindsClaimTheirStatus(t *testing.T) {
	for _, kind := range []string{"TykStreamsApiDefinition", "TykMcpProxyDefinition"} {
		x := New()
		o := obj(t, `{"apiVersion":"tyk.tyk.io/v1alpha1","kind":"`+kind+`","metadata":{"name":"events","namespace":"a","creationTimestamp":"2026-01-02T03:04:05Z"},
			"spec":{},"status":{"listenPath":"/events","domain":"Events.Example.com."}}`)
		if got := x.Upsert(o); !reflect.DeepEqual(got, []Key{{ListenPaths, "/events"}}) {
			t.Fatalf("%s: changed = %v", kind, got)
		}
		want := []any{map[string]any{"namespace": "a", "name": "events", "kind": kind, "created": "2026-01-02T03:04:05Z", "domain": "events.example.com"}}
		if got := x.Value(Key{ListenPaths, "/events"}); !reflect.DeepEqual(got, want) {
			t.Errorf("%s claim = %#v", kind, got)
		}
		// An empty domain answers on every host.
		noDomain := obj(t, `{"apiVersion":"tyk.tyk.io/v1alpha1","kind":"`+kind+`","metadata":{"name":"events","namespace":"a"},"spec":{},"status":{"listenPath":"/events"}}`)
		x.Upsert(noDomain)
		if got, _ := x.Value(Key{ListenPaths, "/events"}).([]any); len(got) != 1 || got[0].(map[string]any)["domain"] != "" {
			t.Errorf("%s without domain: %#v", kind, got)
		}
		// Not reconciled: no claim, and the earlier one is gone.
		pending := obj(t, `{"apiVersion":"tyk.tyk.io/v1alpha1","kind":"`+kind+`","metadata":{"name":"events","namespace":"a"},"spec":{}}`)
		if got := x.Upsert(pending); !reflect.DeepEqual(got, []Key{{ListenPaths, "/events"}}) || x.Value(Key{ListenPaths, "/events"}) != nil {
			t.Errorf("%s without status still claims: %v", kind, x.Value(Key{ListenPaths, "/events"}))
		}
	}
}

// TestKindsWatchTheDocumentKinds: the watcher, audit's list and the offline builder all
// take their kinds from Kinds and project with project, so the three Tyk OAS kinds are
// tracked in each.
func TestKindsWatchTheDocumentKinds(t *testing.T) {
	for _, want := range []string{"apidefinitions", "tykoasapidefinitions", "tykstreamsapidefinitions", "tykmcpproxydefinitions"} {
		found := false
		for _, k := range Kinds() {
			if k.Group == "tyk.tyk.io" && k.Version == "v1alpha1" && k.Resource == want {
				found = true
			}
		}
		if !found {
			t.Errorf("Kinds lacks tyk.tyk.io %s", want)
		}
	}
	for _, kind := range documentKinds() {
		if _, ok := identify(map[string]any{"apiVersion": "tyk.tyk.io/v1alpha1", "kind": kind, "metadata": map[string]any{"name": "n", "namespace": "a"}}); !ok {
			t.Errorf("%s is not identified", kind)
		}
	}
}

func TestStatusDomain(t *testing.T) {
	for _, tc := range []struct {
		status map[string]any
		want   string
	}{
		{map[string]any{"domain": map[string]any{"name": "a.io", "enabled": true}}, "a.io"},
		{map[string]any{"domain": map[string]any{"name": "a.io", "enabled": false}}, ""},
		{map[string]any{"domain": map[string]any{"name": "a.io"}}, ""},
		{map[string]any{"domain": "b.io"}, "b.io"},
		{map[string]any{"domain": 3}, ""},
		{nil, ""},
	} {
		if got := statusDomain(tc.status); got != tc.want {
			t.Errorf("statusDomain(%v) = %q, want %q", tc.status, got, tc.want)
		}
	}
}

// TestIngressTemplateClaimsNoListenPath: an ApiDefinition Tyk Operator keeps as an
// ingress template (label template: "true", not created on Tyk: no status.api_id) serves
// no route, so it claims nothing; once published, or labelled in a spelling the
// operator does not read, it claims its listen path like any API (lib.listenpath
// unpublished_template agrees).
func TestIngressTemplateClaimsNoListenPath(t *testing.T) {
	apiDef := func(labels, status string) map[string]any {
		return obj(t, `{"apiVersion":"tyk.tyk.io/v1alpha1","kind":"ApiDefinition","metadata":{"name":"tpl","namespace":"a","labels":`+labels+`},
			"spec":{"proxy":{"listen_path":"/"}},"status":`+status+`}`)
	}
	for name, tc := range map[string]struct {
		o      map[string]any
		claims bool
	}{
		"an unpublished template":                      {apiDef(`{"template":"true"}`, `{}`), false},
		"a published template (status.api_id)":         {apiDef(`{"template":"true"}`, `{"api_id":"a1"}`), true},
		"template: True, a value the operator skips":   {apiDef(`{"template":"True"}`, `{}`), true},
		"the OAS kind's label key on an ApiDefinition": {apiDef(`{"tyk.io/template":"true"}`, `{}`), true},
	} {
		x := New()
		x.Upsert(tc.o)
		if got := x.Value(Key{ListenPaths, "/"}) != nil; got != tc.claims {
			t.Errorf("%s: claims / = %v, want %v", name, got, tc.claims)
		}
	}
}
