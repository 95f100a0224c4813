package inventory

import (
	"encoding/json"
	"reflect"
	"slices"
	"testing"
)

func obj(t *testing.T, s string) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func TestHosts(t *testing.T) {
	x := New()
	a := obj(t, `{"apiVersion":"networking.k8s.io/v1","kind":"Ingress","metadata":{"name":"shop","namespace":"a","creationTimestamp":"2026-01-02T03:04:05Z"},
		"spec":{"rules":[{"host":"Shop.example.com.","http":{"paths":[{"path":"/api"},{"path":""}]}},{"host":"shop.example.com"},{"host":"bare.example.com"},{"http":{}}]}}`)
	changed := x.Upsert(a)
	if !reflect.DeepEqual(changed, []Key{{Hosts, "bare.example.com"}, {Hosts, "shop.example.com"}}) {
		t.Fatalf("changed = %v", changed)
	}
	got := x.Value(Key{Hosts, "shop.example.com"})
	want := []any{map[string]any{"namespace": "a", "name": "shop", "kind": "Ingress", "created": "2026-01-02T03:04:05Z"}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("value = %#v", got)
	}
	// One inventory across kinds: a route's hostnames land beside Ingress hosts.
	b := obj(t, `{"apiVersion":"gateway.networking.k8s.io/v1","kind":"HTTPRoute","metadata":{"name":"copy","namespace":"b"},"spec":{"hostnames":["shop.example.com"]}}`)
	x.Upsert(b)
	list, _ := x.Value(Key{Hosts, "shop.example.com"}).([]any)
	if len(list) != 2 || list[1].(map[string]any)["namespace"] != "b" || list[1].(map[string]any)["kind"] != "HTTPRoute" {
		t.Errorf("two claims, sorted by namespace: %v", list)
	}
	if _, ok := list[1].(map[string]any)["created"]; ok {
		t.Errorf("a claim without creationTimestamp has created: %v", list[1])
	}
	// An update that drops a host releases it.
	a2 := obj(t, `{"apiVersion":"networking.k8s.io/v1","kind":"Ingress","metadata":{"name":"shop","namespace":"a"},"spec":{"rules":[{"host":"new.example.com"}]}}`)
	changed = x.Upsert(a2)
	if len(changed) != 3 || x.Value(Key{Hosts, "bare.example.com"}) != nil {
		t.Errorf("changed = %v, bare = %v", changed, x.Value(Key{Hosts, "bare.example.com"}))
	}
	x.Delete(b)
	if x.Value(Key{Hosts, "shop.example.com"}) != nil || x.Objects() != 1 {
		t.Errorf("after deletes: %v, objects %d", x.Value(Key{Hosts, "shop.example.com"}), x.Objects())
	}
}

// TestEveryHostnameRouteKindClaims: each route kind of hostnameRoutes is watched and
// projected into the one host section.
func TestEveryHostnameRouteKindClaims(t *testing.T) {
	for _, k := range hostnameRoutes() {
		if !slices.Contains(Kinds(), k) {
			t.Errorf("%s is not watched", k.Kind)
		}
		x := New()
		x.Upsert(map[string]any{"apiVersion": k.Group + "/" + k.Version, "kind": k.Kind,
			"metadata": map[string]any{"name": "r", "namespace": "n"}, "spec": map[string]any{"hostnames": []any{"a.example.com"}}})
		if x.Value(Key{Hosts, "a.example.com"}) == nil {
			t.Errorf("%s hostnames are not claims", k.Kind)
		}
	}
}

func TestGatewayAPIAndGrants(t *testing.T) {
	x := New()
	x.Upsert(obj(t, `{"apiVersion":"gateway.networking.k8s.io/v1","kind":"Gateway","metadata":{"name":"gw","namespace":"infra"},
		"spec":{"gatewayClassName":"public","listeners":[{"name":"http","protocol":"HTTP","port":80,"hostname":"*.Example.com","allowedRoutes":{}},
		{"name":"https","protocol":"HTTPS","port":443,"allowedRoutes":{"namespaces":{"from":"All"},"kinds":[{"kind":"HTTPRoute"}]}}]}}`))
	x.Upsert(obj(t, `{"apiVersion":"gateway.networking.k8s.io/v1","kind":"HTTPRoute","metadata":{"name":"r","namespace":"app"},"spec":{"hostnames":["A.example.com","a.example.com"]}}`))
	x.Upsert(obj(t, `{"apiVersion":"gateway.networking.k8s.io/v1beta1","kind":"ReferenceGrant","metadata":{"name":"g","namespace":"backend"},
		"spec":{"from":[{"group":"gateway.networking.k8s.io","kind":"HTTPRoute","namespace":"app"}],"to":[{"group":"","kind":"Service"}]}}`))
	x.Upsert(obj(t, `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"ignored","namespace":"x"}}`))
	doc := x.Document()
	b, _ := json.Marshal(doc)
	want := `{"gateways":{"infra/gw":{"gatewayClassName":"public","listeners":[{"hostname":"*.example.com","name":"http","port":80,"protocol":"HTTP"},` +
		`{"allowedRouteKinds":["HTTPRoute"],"allowedRoutesFrom":"All","name":"https","port":443,"protocol":"HTTPS"}]}},` +
		`"hosts":{"a.example.com":[{"kind":"HTTPRoute","name":"r","namespace":"app"}]},` +
		`"istio":{},"listenPaths":{},"referenceGrants":{"backend":[{"from":[{"group":"gateway.networking.k8s.io","kind":"HTTPRoute","namespace":"app"}],"name":"g","to":[{"group":"","kind":"Service","name":""}]}]}}`
	if string(b) != want {
		t.Errorf("document:\n got %s\nwant %s", b, want)
	}
}

func TestSectionsLimitTheIndex(t *testing.T) {
	x := New(Hosts, Gateways)
	x.Upsert(obj(t, `{"apiVersion":"gateway.networking.k8s.io/v1beta1","kind":"ReferenceGrant","metadata":{"name":"g","namespace":"b"},"spec":{}}`))
	if _, ok := x.Document()[ReferenceGrants]; ok {
		t.Error("a section left out is in the document")
	}
	if x.Objects() != 0 {
		t.Error("an object for a left-out section was kept")
	}
}

func TestTykListenPaths(t *testing.T) {
	x := New()
	classic := obj(t, `{"apiVersion":"tyk.tyk.io/v1alpha1","kind":"ApiDefinition","metadata":{"name":"orders","namespace":"a","creationTimestamp":"2026-01-02T03:04:05Z"},
		"spec":{"name":"orders","domain":"API.example.com.","proxy":{"listen_path":"/orders","target_url":"http://orders"}}}`)
	if got := x.Upsert(classic); !reflect.DeepEqual(got, []Key{{ListenPaths, "/orders"}}) {
		t.Fatalf("changed = %v", got)
	}
	want := []any{map[string]any{"namespace": "a", "name": "orders", "kind": "ApiDefinition", "created": "2026-01-02T03:04:05Z", "domain": "api.example.com"}}
	if got := x.Value(Key{ListenPaths, "/orders"}); !reflect.DeepEqual(got, want) {
		t.Errorf("classic claim = %#v", got)
	}
	// A Tyk OAS API claims what Tyk Operator wrote into its status; a disabled custom
	// domain answers on every host ("").
	oas := obj(t, `{"apiVersion":"tyk.tyk.io/v1alpha1","kind":"TykOasApiDefinition","metadata":{"name":"copy","namespace":"b"},
		"spec":{"tykOAS":{"configmapRef":{"name":"doc","keyName":"oas.json"}}},
		"status":{"listenPath":"/orders","domain":{"name":"api.example.com","enabled":false}}}`)
	x.Upsert(oas)
	list, _ := x.Value(Key{ListenPaths, "/orders"}).([]any)
	if len(list) != 2 || list[1].(map[string]any)["kind"] != "TykOasApiDefinition" || list[1].(map[string]any)["domain"] != "" {
		t.Errorf("two claims across kinds: %#v", list)
	}
	// Internal and TCP APIs register no HTTP route; an OAS API not yet reconciled has no
	// status and claims nothing.
	for _, s := range []string{
		`{"apiVersion":"tyk.tyk.io/v1alpha1","kind":"ApiDefinition","metadata":{"name":"i","namespace":"c"},"spec":{"internal":true,"proxy":{"listen_path":"/x"}}}`,
		`{"apiVersion":"tyk.tyk.io/v1alpha1","kind":"ApiDefinition","metadata":{"name":"t","namespace":"c"},"spec":{"protocol":"tcp","proxy":{"listen_path":"/x"}}}`,
		`{"apiVersion":"tyk.tyk.io/v1alpha1","kind":"TykOasApiDefinition","metadata":{"name":"n","namespace":"c"},"spec":{}}`,
	} {
		if got := x.Upsert(obj(t, s)); len(got) != 0 {
			t.Errorf("%s claimed %v", s, got)
		}
	}
	if doc := x.Document(); doc[ListenPaths] == nil {
		t.Errorf("document lacks %s: %v", ListenPaths, doc)
	}
}
