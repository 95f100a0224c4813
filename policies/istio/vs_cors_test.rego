package istio.vs_cors_test

import data.istio.vs_cors as v

request(op, group, cors) := {"request": {
	"uid": "1",
	"kind": {"group": group, "version": "v1", "kind": "VirtualService"},
	"name": "api",
	"namespace": "shop",
	"operation": op,
	"object": {
		"apiVersion": sprintf("%s/v1", [group]),
		"kind": "VirtualService",
		"metadata": {"name": "api", "namespace": "shop"},
		"spec": {"hosts": ["api.example.com"], "http": [{"route": [{"destination": {"host": "api"}}], "corsPolicy": cors}]},
	},
}}

req(origins) := request("CREATE", "networking.istio.io", {"allowOrigins": origins, "allowCredentials": true})

test_exact_star_denied if {
	denies := v.deny with input as req([{"exact": "*"}])
	denies == {"VirtualService shop/api: spec.http[0].corsPolicy allows credentials from any origin (allowOrigins[0].exact \"*\" matches \"*\" with allowCredentials: true), so any web site can call the API as a logged-in user; list the exact origins in allowOrigins, for example exact: https://app.example.com"}
}

# Envoy allows every origin when a matcher matches "*"; "null" and attacker origins too.
test_any_origin_variants if {
	every o in [
		{"exact": "null"},
		{"prefix": ""},
		{"prefix": "*"},
		{"prefix": "https://"},
		{"prefix": "http"},
		{"regex": ".*"},
		{"regex": ".+"},
		{"regex": "https://.*"},
		{"regex": "\\*"},
		{"regex": "(https?://)?[a-z.]+"},
	] {
		count(v.deny) == 1 with input as req([{"exact": "https://app.example.com"}, o])
	}
	denies := v.deny with input as request("CREATE", "networking.istio.io", {"allowOrigin": ["*"], "allowCredentials": true})
	some msg in denies
	contains(msg, "(allowOrigin[0] \"*\" matches \"*\"")
}

test_bounded_origins_pass if {
	every o in [
		{"exact": "https://app.example.com"},
		{"prefix": "https://app.example.com"},
		{"regex": "https://[a-z]+\\.example\\.com"},
		{"regex": "("},
		{},
	] {
		count(v.deny) == 0 with input as req([o])
	}
}

test_without_credentials_passes if {
	count(v.deny) == 0 with input as request("CREATE", "networking.istio.io", {"allowOrigins": [{"exact": "*"}]})
	count(v.deny) == 0 with input as request("CREATE", "networking.istio.io", {"allowOrigins": [{"exact": "*"}], "allowCredentials": false})
}

test_not_judged if {
	cors := {"allowOrigins": [{"exact": "*"}], "allowCredentials": true}
	count(v.deny) == 0 with input as request("DELETE", "networking.istio.io", cors)
	count(v.deny) == 0 with input as request("CREATE", "networking.example.io", cors)
	count(v.deny) == 1 with input as request("UPDATE", "networking.istio.io", cors)
}
