package inventory

import (
	"reflect"
	"slices"
	"testing"
)

// A VirtualService claims its dotted spec.hosts only when bound to a gateway other than
// the mesh; "*" and short names claim nothing. A root HTTPProxy claims its fqdn. Both
// land in the one host section, beside Ingress claims.
func TestVirtualServiceAndHTTPProxyClaimHosts(t *testing.T) {
	x := New()
	x.Upsert(obj(t, `{"apiVersion":"networking.istio.io/v1","kind":"VirtualService","metadata":{"name":"shop","namespace":"a"},
		"spec":{"gateways":["mesh","istio-system/public"],"hosts":["Shop.Example.com.","*","reviews","*.apps.example.com"]}}`))
	x.Upsert(obj(t, `{"apiVersion":"networking.istio.io/v1","kind":"VirtualService","metadata":{"name":"inner","namespace":"a"},
		"spec":{"gateways":["mesh"],"hosts":["inner.example.com"]}}`))
	x.Upsert(obj(t, `{"apiVersion":"networking.istio.io/v1alpha3","kind":"VirtualService","metadata":{"name":"nogw","namespace":"a"},
		"spec":{"hosts":["nogw.example.com"]}}`))
	x.Upsert(obj(t, `{"apiVersion":"projectcontour.io/v1","kind":"HTTPProxy","metadata":{"name":"root","namespace":"b","creationTimestamp":"2026-01-02T03:04:05Z"},
		"spec":{"virtualhost":{"fqdn":"Blog.Example.com"}}}`))
	x.Upsert(obj(t, `{"apiVersion":"projectcontour.io/v1","kind":"HTTPProxy","metadata":{"name":"child","namespace":"b"},"spec":{"routes":[]}}`))
	hosts := x.Document()[Hosts].(map[string]any)
	want := map[string]any{
		"shop.example.com":   []any{map[string]any{"namespace": "a", "name": "shop", "kind": "VirtualService"}},
		"*.apps.example.com": []any{map[string]any{"namespace": "a", "name": "shop", "kind": "VirtualService"}},
		"blog.example.com":   []any{map[string]any{"namespace": "b", "name": "root", "kind": "HTTPProxy", "created": "2026-01-02T03:04:05Z"}},
	}
	if !reflect.DeepEqual(hosts, want) {
		t.Errorf("hosts = %#v\nwant %#v", hosts, want)
	}
}

// Istio's security objects are kept per namespace with only the fields the istio
// policies read: of the rules, request principals and when conditions only.
func TestIstioSecurityObjectsProjected(t *testing.T) {
	x := New()
	x.Upsert(obj(t, `{"apiVersion":"security.istio.io/v1","kind":"AuthorizationPolicy","metadata":{"name":"require-jwt","namespace":"shop"},
		"spec":{"selector":{"matchLabels":{"app":"web"}},"action":"DENY","rules":[
			{"from":[{"source":{"notRequestPrincipals":["*"],"ipBlocks":["1.2.3.4"]}}],"to":[{"operation":{"paths":["/x"]}}],
			 "when":[{"key":"request.auth.claims[iss]","values":["secret-issuer"]}]}]}}`))
	x.Upsert(obj(t, `{"apiVersion":"security.istio.io/v1","kind":"PeerAuthentication","metadata":{"name":"default","namespace":"shop"},
		"spec":{"mtls":{"mode":"STRICT"},"portLevelMtls":{"8080":{"mode":"DISABLE"}}}}`))
	x.Upsert(obj(t, `{"apiVersion":"security.istio.io/v1beta1","kind":"RequestAuthentication","metadata":{"name":"jwt","namespace":"shop"},
		"spec":{"targetRef":{"group":"gateway.networking.k8s.io","kind":"Gateway","name":"edge"},"jwtRules":[{"issuer":"x","jwksUri":"https://x/jwks"}]}}`))
	doc := x.Document()
	checks := map[string]any{
		IstioAuthorizationPolicies: []any{map[string]any{"namespace": "shop", "name": "require-jwt", "kind": "AuthorizationPolicy",
			"selector": map[string]any{"matchLabels": map[string]any{"app": "web"}}, "action": "DENY",
			"rules": []any{map[string]any{
				"from": []any{map[string]any{"source": map[string]any{"notRequestPrincipals": []any{"*"}}}},
				"when": []any{map[string]any{"key": "request.auth.claims[iss]", "values": []any{"secret-issuer"}}},
			}}}},
		IstioPeerAuthentications: []any{map[string]any{"namespace": "shop", "name": "default", "kind": "PeerAuthentication",
			"mode": "STRICT", "portLevelMtls": map[string]any{"8080": "DISABLE"}}},
		IstioRequestAuthentications: []any{map[string]any{"namespace": "shop", "name": "jwt", "kind": "RequestAuthentication",
			"targetRefs": []any{map[string]any{"group": "gateway.networking.k8s.io", "kind": "Gateway", "name": "edge"}}}},
	}
	for key, want := range checks {
		if got := doc[Istio].(map[string]any)[key].(map[string]any)["shop"]; !reflect.DeepEqual(got, want) {
			t.Errorf("istio.%s = %#v\nwant %#v", key, got, want)
		}
	}
}

// Offline, the Istio objects of the input replace the cluster's (--data) of the same
// identity, per kind and namespace, and the cluster's others stay.
func TestMergeIstioSection(t *testing.T) {
	ap := func(ns, name, action string) map[string]any {
		return map[string]any{"namespace": ns, "name": name, "kind": "AuthorizationPolicy", "action": action}
	}
	base := map[string]any{Istio: map[string]any{
		IstioAuthorizationPolicies: map[string]any{"shop": []any{ap("shop", "a", "DENY")}, "other": []any{ap("other", "b", "ALLOW")}},
		IstioPeerAuthentications:   map[string]any{"shop": []any{map[string]any{"namespace": "shop", "name": "default", "kind": "PeerAuthentication", "mode": "STRICT"}}},
	}}
	built := map[string]any{Istio: map[string]any{
		IstioAuthorizationPolicies: map[string]any{"shop": []any{ap("shop", "a", "ALLOW")}},
	}}
	got := Merge(base, built, []Identity{{Kind: "AuthorizationPolicy", Namespace: "shop", Name: "a"}})[Istio].(map[string]any)
	want := map[string]any{
		IstioAuthorizationPolicies: map[string]any{"shop": []any{ap("shop", "a", "ALLOW")}, "other": []any{ap("other", "b", "ALLOW")}},
		IstioPeerAuthentications:   base[Istio].(map[string]any)[IstioPeerAuthentications],
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("merged = %#v\nwant %#v", got, want)
	}
}

// The issue-20 gateways claim hosts too: a Traefik IngressRoute by the Host matchers of
// its rules (not HostSNI, HostRegexp or a negated Host), an ApisixRoute by match.hosts, an
// Emissary Mapping by hostname (or an exact host) and an Emissary Host by hostname.
func TestGatewayKindsClaimHosts(t *testing.T) {
	x := New()
	x.Upsert(obj(t, "{\"apiVersion\":\"traefik.io/v1alpha1\",\"kind\":\"IngressRoute\",\"metadata\":{\"name\":\"tr\",\"namespace\":\"a\"},"+
		"\"spec\":{\"routes\":[{\"match\":\"Host(`A.example.com`) && PathPrefix(`/x`)\"},"+
		"{\"match\":\"(Host(`b.example.com`, \\\"c.example.com\\\") || HostRegexp(`^.+\\\\.d\\\\.com$`)) && !Host(`e.example.com`) && host(`f.example.com`) && HostSNI(`g2.example.com`)\"}]}}"))
	x.Upsert(obj(t, `{"apiVersion":"apisix.apache.org/v2","kind":"ApisixRoute","metadata":{"name":"ap","namespace":"b"},
		"spec":{"http":[{"name":"r","match":{"hosts":["g.example.com","*.h.example.com","*"],"paths":["/*"]}}]}}`))
	x.Upsert(obj(t, `{"apiVersion":"getambassador.io/v3alpha1","kind":"Mapping","metadata":{"name":"m","namespace":"c"},
		"spec":{"hostname":"i.example.com","prefix":"/","service":"i"}}`))
	x.Upsert(obj(t, `{"apiVersion":"getambassador.io/v3alpha1","kind":"Mapping","metadata":{"name":"rx","namespace":"c"},
		"spec":{"host":"j\\.example\\.com","host_regex":true,"prefix":"/","service":"j"}}`))
	x.Upsert(obj(t, `{"apiVersion":"getambassador.io/v3alpha1","kind":"Host","metadata":{"name":"h","namespace":"c"},"spec":{"hostname":"k.example.com"}}`))
	var got []string
	for h := range x.Document()[Hosts].(map[string]any) {
		got = append(got, h)
	}
	slices.Sort(got)
	want := []string{"*.h.example.com", "a.example.com", "b.example.com", "c.example.com", "f.example.com", "g.example.com", "i.example.com", "k.example.com"}
	if !slices.Equal(got, want) {
		t.Errorf("claimed hosts = %v, want %v", got, want)
	}
}
