package envoygateway.safe_cors_test

import data.envoygateway.safe_cors as policy

request(operation, group, cors) := {"request": {
	"uid": "1",
	"kind": {"group": group, "version": "v1alpha1", "kind": "SecurityPolicy"},
	"name": "api",
	"namespace": "shop",
	"operation": operation,
	"object": {
		"apiVersion": concat("/", [group, "v1alpha1"]),
		"kind": "SecurityPolicy",
		"metadata": {"name": "api", "namespace": "shop"},
		"spec": {
			"targetRefs": [{"group": "gateway.networking.k8s.io", "kind": "HTTPRoute", "name": "api"}],
			"cors": cors,
		},
	},
}}

create(cors) := request("CREATE", "gateway.envoyproxy.io", cors)

cors(origins, credentials) := {"allowOrigins": origins, "allowCredentials": credentials}

test_exact_origins_allowed if {
	every c in [
		cors(["https://app.example.com", "http://localhost:8080"], true),
		cors(["https://app.example.com"], false),
		{"allowOrigins": ["https://app.example.com"]},
		{"allowMethods": ["GET"]},
	] {
		count(policy.deny) == 0 with input as create(c)
		count(policy.warn) == 0 with input as create(c)
	}
}

test_star_with_credentials_denied if {
	policy.deny == {"SecurityPolicy shop/api: spec.cors allows credentials from any origin (\"*\" in allowOrigins with allowCredentials: true), so any web site can call the API as a logged-in user; list the exact origins in allowOrigins, for example https://app.example.com"} with input as create(cors(["https://app.example.com", "*"], true))
	count(policy.warn) == 0 with input as create(cors(["*"], true))
}

# wildcard2regex: every "*" is ".*", so these admit sites anyone can set up.
test_unbounded_wildcards_denied if {
	every origin in ["https://*", "http://*", "HTTPS://*", "https://*:8443", "https://*.com", "foo://*", "https://*.io:443"] {
		count(policy.deny) == 1 with input as create(cors([origin], true))
		count(policy.warn) == 1 with input as create(cors([origin], false))
		count(policy.warn) == 1 with input as create({"allowOrigins": [origin]})
	}
}

# A subdomain wildcard: every subdomain, a taken-over one included; warned with credentials.
test_subdomain_wildcard_warned if {
	every origin in ["https://*.example.com", "https://*.shop.example.co.uk:8443"] {
		count(policy.deny) == 0 with input as create(cors([origin], true))
		count(policy.warn) == 1 with input as create(cors([origin], true))
		count(policy.warn) == 0 with input as create(cors([origin], false))
	}
}

# allowCredentials is a boolean in the schema; only true sends the header.
test_credentials_only_when_true if {
	count(policy.deny) == 0 with input as create(cors(["*"], "true"))
	count(policy.warn) == 1 with input as create(cors(["*"], "true"))
}

test_delete_and_other_group_not_judged if {
	count(policy.deny) == 0 with input as request("DELETE", "gateway.envoyproxy.io", cors(["*"], true))
	count(policy.deny) == 0 with input as request("CREATE", "tyk.tyk.io", cors(["*"], true))
	count(policy.deny) == 1 with input as request("AUDIT", "gateway.envoyproxy.io", cors(["*"], true))
}
