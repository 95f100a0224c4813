package inventory

import (
	"encoding/json"
	"testing"
)

func TestMerge(t *testing.T) {
	claim := func(ns, name, kind string) map[string]any {
		return map[string]any{"namespace": ns, "name": name, "kind": kind}
	}
	grant := func(name string) map[string]any {
		return map[string]any{"name": name, "from": []any{}, "to": []any{}}
	}
	cluster := map[string]any{
		Hosts: map[string]any{
			"shop.example.com": []any{claim("shop", "web", "Ingress")},
			"old.example.com":  []any{claim("team", "app", "HTTPRoute")},
		},
		Gateways: map[string]any{"infra/gw": map[string]any{"gatewayClassName": "old"}},
	}
	input := map[string]any{
		Hosts: map[string]any{
			"shop.example.com": []any{claim("attacker", "grab", "Ingress")},
			"new.example.com":  []any{claim("team", "app", "HTTPRoute")},
		},
		Gateways:        map[string]any{"infra/gw": map[string]any{"gatewayClassName": "new"}},
		ReferenceGrants: map[string]any{"backend": []any{grant("g")}},
	}
	inputs := []Identity{{"Ingress", "attacker", "grab"}, {"HTTPRoute", "team", "app"}, {"Gateway", "infra", "gw"}, {"ReferenceGrant", "backend", "g"}}
	cases := map[string]struct {
		base, built map[string]any
		want        string
	}{
		"claims on one key are unioned; an input object replaces its cluster version everywhere; grants from the input alone are partial": {
			base: cluster, built: input,
			want: `{"gateways":{"infra/gw":{"gatewayClassName":"new"}},` +
				`"hosts":{"new.example.com":[{"kind":"HTTPRoute","name":"app","namespace":"team"}],` +
				`"shop.example.com":[{"kind":"Ingress","name":"grab","namespace":"attacker"},{"kind":"Ingress","name":"web","namespace":"shop"}]},` +
				`"partial":{"referenceGrants":true},"referenceGrants":{"backend":[{"from":[],"name":"g","to":[]}]}}`,
		},
		"grants from --data are complete and unioned with the input's": {
			base:  map[string]any{ReferenceGrants: map[string]any{"backend": []any{grant("a"), grant("g")}}},
			built: map[string]any{ReferenceGrants: map[string]any{"backend": []any{grant("g")}}},
			want:  `{"referenceGrants":{"backend":[{"from":[],"name":"a","to":[]},{"from":[],"name":"g","to":[]}]}}`,
		},
		"no grants anywhere leaves the section unknown": {
			base:  map[string]any{},
			built: map[string]any{Hosts: map[string]any{}, ReferenceGrants: map[string]any{}},
			want:  `{"hosts":{}}`,
		},
		"--data marked partial stays partial": {
			base:  map[string]any{Partial: map[string]any{ReferenceGrants: true}, ReferenceGrants: map[string]any{"a": []any{grant("x")}}},
			built: map[string]any{},
			want:  `{"partial":{"referenceGrants":true},"referenceGrants":{"a":[{"from":[],"name":"x","to":[]}]}}`,
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			before, _ := json.Marshal(tc.base)
			got, _ := json.Marshal(Merge(tc.base, tc.built, inputs))
			if string(got) != tc.want {
				t.Errorf("merge:\n got %s\nwant %s", got, tc.want)
			}
			if after, _ := json.Marshal(tc.base); string(after) != string(before) {
				t.Errorf("base was modified: %s", after)
			}
		})
	}
}

func TestFromData(t *testing.T) {
	docs := []map[string]any{
		{"apiguard": map[string]any{"config": map[string]any{}, "inventory": map[string]any{Hosts: map[string]any{"a": []any{1}, "b": []any{2}}}}},
		{"other": true},
		{"apiguard": map[string]any{"inventory": map[string]any{Hosts: map[string]any{"b": []any{3}}, "bad": "x"}}},
	}
	got, _ := json.Marshal(FromData(docs))
	if want := `{"hosts":{"a":[1],"b":[3]}}`; string(got) != want {
		t.Errorf("FromData = %s, want %s", got, want)
	}
}

// Listen paths merge like hosts: an offline check of a new API sees the cluster's claim
// on its listen path beside the input's, and an input API replaces its cluster version.
func TestMergeListenPaths(t *testing.T) {
	claim := func(ns, name, domain string) map[string]any {
		return map[string]any{"namespace": ns, "name": name, "kind": "ApiDefinition", "domain": domain}
	}
	base := map[string]any{ListenPaths: map[string]any{
		"/orders": []any{claim("shop", "orders", "")},
		"/old":    []any{claim("team", "api", "")},
	}}
	built := map[string]any{ListenPaths: map[string]any{
		"/orders": []any{claim("attacker", "grab", "")},
		"/new":    []any{claim("team", "api", "")},
	}}
	got, _ := json.Marshal(Merge(base, built, []Identity{{"ApiDefinition", "attacker", "grab"}, {"ApiDefinition", "team", "api"}}))
	want := `{"listenPaths":{"/new":[{"domain":"","kind":"ApiDefinition","name":"api","namespace":"team"}],` +
		`"/orders":[{"domain":"","kind":"ApiDefinition","name":"grab","namespace":"attacker"},{"domain":"","kind":"ApiDefinition","name":"orders","namespace":"shop"}]}}`
	if string(got) != want {
		t.Errorf("merge:\n got %s\nwant %s", got, want)
	}
}
