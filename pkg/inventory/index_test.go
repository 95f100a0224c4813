package inventory

import (
	"encoding/json"
	"reflect"
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

func TestIngressHosts(t *testing.T) {
	x := New()
	a := obj(t, `{"apiVersion":"networking.k8s.io/v1","kind":"Ingress","metadata":{"name":"shop","namespace":"a"},
		"spec":{"rules":[{"host":"Shop.example.com","http":{"paths":[{"path":"/api"},{"path":""},{"path":"/api"}]}},{"host":"bare.example.com"},{"http":{}}]}}`)
	changed := x.Upsert(a)
	if !reflect.DeepEqual(changed, []Key{{IngressHosts, "bare.example.com"}, {IngressHosts, "shop.example.com"}}) {
		t.Fatalf("changed = %v", changed)
	}
	got := x.Value(Key{IngressHosts, "shop.example.com"})
	want := []any{map[string]any{"namespace": "a", "name": "shop", "paths": []any{"/", "/api"}}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("value = %#v", got)
	}
	b := obj(t, `{"apiVersion":"networking.k8s.io/v1","kind":"Ingress","metadata":{"name":"copy","namespace":"b"},"spec":{"rules":[{"host":"shop.example.com"}]}}`)
	x.Upsert(b)
	if list := x.Value(Key{IngressHosts, "shop.example.com"}).([]any); len(list) != 2 || list[1].(map[string]any)["namespace"] != "b" {
		t.Errorf("two claims, sorted by namespace: %v", list)
	}
	// An update that drops a host releases it.
	a2 := obj(t, `{"apiVersion":"networking.k8s.io/v1","kind":"Ingress","metadata":{"name":"shop","namespace":"a"},"spec":{"rules":[{"host":"new.example.com"}]}}`)
	changed = x.Upsert(a2)
	if len(changed) != 3 || x.Value(Key{IngressHosts, "bare.example.com"}) != nil {
		t.Errorf("changed = %v, bare = %v", changed, x.Value(Key{IngressHosts, "bare.example.com"}))
	}
	x.Delete(b)
	if x.Value(Key{IngressHosts, "shop.example.com"}) != nil || x.Objects() != 1 {
		t.Errorf("after deletes: %v, objects %d", x.Value(Key{IngressHosts, "shop.example.com"}), x.Objects())
	}
}

func TestGatewayAPIAndGrants(t *testing.T) {
	x := New()
	x.Upsert(obj(t, `{"apiVersion":"gateway.networking.k8s.io/v1","kind":"Gateway","metadata":{"name":"gw","namespace":"infra"},
		"spec":{"gatewayClassName":"public","listeners":[{"name":"http","protocol":"HTTP","port":80,"hostname":"*.example.com","allowedRoutes":{}}]}}`))
	x.Upsert(obj(t, `{"apiVersion":"gateway.networking.k8s.io/v1","kind":"HTTPRoute","metadata":{"name":"r","namespace":"app"},"spec":{"hostnames":["A.example.com","a.example.com"]}}`))
	x.Upsert(obj(t, `{"apiVersion":"gateway.networking.k8s.io/v1beta1","kind":"ReferenceGrant","metadata":{"name":"g","namespace":"backend"},
		"spec":{"from":[{"group":"gateway.networking.k8s.io","kind":"HTTPRoute","namespace":"app"}],"to":[{"group":"","kind":"Service"}]}}`))
	x.Upsert(obj(t, `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"ignored","namespace":"x"}}`))
	doc := x.Document()
	b, _ := json.Marshal(doc)
	want := `{"gateways":{"infra/gw":{"gatewayClassName":"public","listeners":[{"hostname":"*.example.com","name":"http","port":80,"protocol":"HTTP"}]}},` +
		`"httpRouteHostnames":{"a.example.com":[{"kind":"HTTPRoute","name":"r","namespace":"app"}]},"ingressHosts":{},` +
		`"referenceGrants":{"backend":[{"from":[{"group":"gateway.networking.k8s.io","kind":"HTTPRoute","namespace":"app"}],"name":"g","to":[{"group":"","kind":"Service","name":""}]}]}}`
	if string(b) != want {
		t.Errorf("document:\n got %s\nwant %s", b, want)
	}
}

func TestSectionsLimitTheIndex(t *testing.T) {
	x := New(IngressHosts, HTTPRouteHostnames, Gateways)
	x.Upsert(obj(t, `{"apiVersion":"gateway.networking.k8s.io/v1beta1","kind":"ReferenceGrant","metadata":{"name":"g","namespace":"b"},"spec":{}}`))
	if _, ok := x.Document()[ReferenceGrants]; ok {
		t.Error("a section left out is in the document")
	}
	if x.Objects() != 0 {
		t.Error("an object for a left-out section was kept")
	}
}
