package istio.authz_wildcard_source_test

import data.istio.authz_wildcard_source

request(op, group, spec) := {"request": {
	"uid": "1",
	"kind": {"group": group, "version": "v1beta1", "kind": "AuthorizationPolicy"},
	"name": "p",
	"namespace": "shop",
	"operation": op,
	"object": {
		"apiVersion": sprintf("%s/v1beta1", [group]),
		"kind": "AuthorizationPolicy",
		"metadata": {"name": "p", "namespace": "shop"},
		"spec": spec,
	},
}}

src(s) := request("CREATE", "security.istio.io", {"selector": {"matchLabels": {"app": "web"}}, "rules": [{"from": [{"source": s}]}]})

test_principal_star_warned if {
	warns := authz_wildcard_source.warn with input as src({"principals": ["*"]})
	warns == {"AuthorizationPolicy shop/p: spec.rules[0].from[0].source.principals contains \"*\", so every workload identity of the mesh is allowed, a compromised one included; list the calling service accounts (cluster.local/ns/<namespace>/sa/<name>) instead"}
}

# "*" is ".+"; a trust-domain prefix covers every workload of it.
test_principal_variants if {
	every p in ["*", "cluster.local/*", "cluster.local/ns/*", "/*"] {
		count(authz_wildcard_source.warn) == 1 with input as src({"principals": [p]})
	}
	every p in ["cluster.local/ns/shop/sa/web", "cluster.local/ns/shop/*", "*/sa/web", "cluster.local/ns/shop/sa/*"] {
		count(authz_wildcard_source.warn) == 0 with input as src({"principals": [p]})
	}
}

# srcNamespaceGenerator writes the value into a regex, "*" becoming ".*".
test_namespace_variants if {
	every v in ["*", "**", ".*", ".+", "[a-z]+", "(.*)"] {
		count(authz_wildcard_source.warn) == 1 with input as src({"namespaces": [v]})
	}
	every v in ["shop", "team-*", "*-prod"] {
		count(authz_wildcard_source.warn) == 0 with input as src({"namespaces": [v]})
	}
}

test_only_allow_judged if {
	spec := {"action": "DENY", "rules": [{"from": [{"source": {"principals": ["*"]}}]}]}
	count(authz_wildcard_source.warn) == 0 with input as request("CREATE", "security.istio.io", spec)
	spec2 := object.union(spec, {"action": "ALLOW"})
	count(authz_wildcard_source.warn) == 1 with input as request("CREATE", "security.istio.io", spec2)
	count(authz_wildcard_source.warn) == 0 with input as request("DELETE", "security.istio.io", spec2)
	count(authz_wildcard_source.warn) == 0 with input as request("CREATE", "security.example.io", spec2)
	count(authz_wildcard_source.warn) == 0 with input as request("CREATE", "security.istio.io", spec2)
		with data.apiguard.config as {"istio": {"allowAllNamespaces": ["shop"]}}
}
