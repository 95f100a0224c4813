package istio.request_authn_requires_authz_test

import data.istio.request_authn_requires_authz as ra

request(op, group, ns, spec) := {"request": {
	"uid": "1",
	"kind": {"group": group, "version": "v1", "kind": "RequestAuthentication"},
	"name": "jwt",
	"namespace": ns,
	"operation": op,
	"object": {
		"apiVersion": sprintf("%s/v1", [group]),
		"kind": "RequestAuthentication",
		"metadata": {"name": "jwt", "namespace": ns},
		"spec": spec,
	},
}}

rules := [{"issuer": "https://idp.example.com", "jwksUri": "https://idp.example.com/jwks.json"}]

web := {"matchLabels": {"app": "web"}}

req_web := request("CREATE", "security.istio.io", "shop", {"selector": web, "jwtRules": rules})

req_ns := request("CREATE", "security.istio.io", "shop", {"jwtRules": rules})

inv(by_ns) := {"istio": {"authorizationPolicies": by_ns}}

require_any := [{"from": [{"source": {"requestPrincipals": ["*"]}}]}]

warned(req, by_ns) if count(ra.warn) == 1 with input as req with data.apiguard.inventory as inv(by_ns)

passes(req, by_ns) if count(ra.warn) == 0 with input as req with data.apiguard.inventory as inv(by_ns)

# Istio: a request without a token is accepted when only a RequestAuthentication applies.
test_no_policy_warned if {
	warns := ra.warn with input as req_web with data.apiguard.inventory as {}
	warns == {"RequestAuthentication shop/jwt: no AuthorizationPolicy requires a request principal for the workloads it selects, so requests without a token are accepted (a RequestAuthentication only rejects invalid tokens); add an AuthorizationPolicy for the same workloads with from.source.requestPrincipals such as [\"*\"], or set spec.jwtRules[].presence: REQUIRED"}
}

# Istio's own pair (request_authentication.proto): same selector, requestPrincipals ["*"].
test_matching_allow_passes if {
	passes(req_web, {"shop": [{"name": "require-jwt", "selector": web, "rules": require_any}]})

	# a namespace-wide ALLOW covers the selected workloads
	passes(req_web, {"shop": [{"name": "require-jwt", "rules": require_any}]})

	# a root-namespace policy applies mesh-wide
	passes(req_web, {"istio-system": [{"name": "require-jwt", "rules": require_any}]})
	passes(req_web, {"istio-system": [{"name": "require-jwt", "selector": web, "rules": require_any}]})

	# a when on request.auth.* with values, or kept as a key only by the inventory
	passes(req_web, {"shop": [{"name": "a", "selector": web, "rules": [{"when": [{"key": "request.auth.claims[iss]", "values": ["https://idp.example.com"]}]}]}]})
	passes(req_web, {"shop": [{"name": "a", "selector": web, "rules": [{"when": [{"key": "request.auth.claims[iss]"}]}]}]})

	# DENY with notRequestPrincipals
	passes(req_web, {"shop": [{"name": "d", "action": "DENY", "selector": web, "rules": [{"from": [{"source": {"notRequestPrincipals": ["*"]}}]}]}]})

	# allow-nothing
	passes(req_web, {"shop": [{"name": "none", "selector": web}]})
}

test_non_requiring_policies_warned if {
	# another namespace, another workload, a wider selector
	warned(req_web, {"other": [{"name": "a", "rules": require_any}]})
	warned(req_web, {"shop": [{"name": "a", "selector": {"matchLabels": {"app": "api"}}, "rules": require_any}]})
	warned(req_web, {"shop": [{"name": "a", "selector": {"matchLabels": {"app": "web", "tier": "x"}}, "rules": require_any}]})

	# a rule without requestPrincipals lets tokenless requests through
	warned(req_web, {"shop": [{"name": "a", "selector": web, "rules": [{"from": [{"source": {"requestPrincipals": ["*"]}}]}, {}]}]})

	# one from entry without requestPrincipals is enough (from entries are OR-ed)
	warned(req_web, {"shop": [{"name": "a", "selector": web, "rules": [{"from": [{"source": {"requestPrincipals": ["*"]}}, {"source": {"namespaces": ["x"]}}]}]}]})

	# notRequestPrincipals in ALLOW matches tokenless requests
	warned(req_web, {"shop": [{"name": "a", "selector": web, "rules": [{"from": [{"source": {"notRequestPrincipals": ["x/y"]}}]}]}]})

	# a when on request.auth.* with notValues only
	warned(req_web, {"shop": [{"name": "a", "selector": web, "rules": [{"when": [{"key": "request.auth.claims[iss]", "notValues": ["x"]}]}]}]})

	# AUDIT and CUSTOM do not reject
	warned(req_web, {"shop": [{"name": "a", "action": "AUDIT", "selector": web, "rules": require_any}]})

	# DENY without notRequestPrincipals
	warned(req_web, {"shop": [{"name": "d", "action": "DENY", "selector": web, "rules": [{"from": [{"source": {"requestPrincipals": ["*"]}}]}]}]})
}

# ALLOW policies are OR-ed: a second ALLOW for the same workloads that does
# not require a token opens them again.
test_opener_named if {
	by_ns := {"shop": [
		{"name": "require-jwt", "selector": web, "rules": require_any},
		{"name": "from-monitoring", "rules": [{"from": [{"source": {"namespaces": ["monitoring"]}}]}]},
	]}
	warns := ra.warn with input as req_web with data.apiguard.inventory as inv(by_ns)
	some msg in warns
	contains(msg, "(AuthorizationPolicy shop/from-monitoring has a rule a request without a token can match)")

	# a DENY requirement wins over openers
	by_ns2 := {"shop": array.concat(by_ns.shop, [{"name": "d", "action": "DENY", "rules": [{"from": [{"source": {"notRequestPrincipals": ["*"]}}]}]}])}
	passes(req_web, by_ns2)
}

test_namespace_wide_ra if {
	warned(req_ns, {"shop": [{"name": "a", "selector": web, "rules": require_any}]})
	passes(req_ns, {"shop": [{"name": "a", "rules": require_any}]})
	passes(req_ns, {"shop": [{"name": "a", "selector": {"matchLabels": {}}, "rules": require_any}]})
}

test_target_refs if {
	gw := {"group": "gateway.networking.k8s.io", "kind": "Gateway", "name": "edge"}
	req := request("CREATE", "security.istio.io", "shop", {"targetRefs": [gw], "jwtRules": rules})
	passes(req, {"shop": [{"name": "a", "targetRefs": [gw], "rules": require_any}]})

	# a namespace-wide policy does not reach a waypoint
	warned(req, {"shop": [{"name": "a", "rules": require_any}]})
	warned(req, {"shop": [{"name": "a", "targetRefs": [object.union(gw, {"name": "other"})], "rules": require_any}]})
	req1 := request("CREATE", "security.istio.io", "shop", {"targetRef": gw, "jwtRules": rules})
	passes(req1, {"shop": [{"name": "a", "targetRefs": [gw], "rules": require_any}]})
}

test_presence_required_passes if {
	req := request("CREATE", "security.istio.io", "shop", {"selector": web, "jwtRules": [object.union(rules[0], {"presence": "REQUIRED"})]})
	passes(req, {})
	req2 := request("CREATE", "security.istio.io", "shop", {"selector": web, "jwtRules": [object.union(rules[0], {"presence": "OPTIONAL"})]})
	warned(req2, {})
}

test_not_judged if {
	count(ra.warn) == 0 with input as request("DELETE", "security.istio.io", "shop", {"jwtRules": rules})
	count(ra.warn) == 0 with input as request("CREATE", "security.example.io", "shop", {"jwtRules": rules})
	count(ra.warn) == 0 with input as request("CREATE", "security.istio.io", "shop", {})
	count(ra.warn) == 1 with input as request("AUDIT", "security.istio.io", "shop", {"jwtRules": rules})
	count(ra.warn) == 0 with input as req_web with data.apiguard.config as {"istio": {"requestAuthnNamespaces": ["shop"]}}
}

test_configured_root if {
	by_ns := {"mesh-root": [{"name": "a", "rules": require_any}]}
	count(ra.warn) == 0 with input as req_web with data.apiguard.inventory as inv(by_ns)
		with data.apiguard.config as {"istio": {"rootNamespace": "mesh-root"}}
	warned(req_web, by_ns)
}

# --- the AuthorizationPolicy side -------------------------------------------------------

ap_request(op, ns, name, spec, old) := {"request": object.union(
	{
		"uid": "1",
		"kind": {"group": "security.istio.io", "version": "v1", "kind": "AuthorizationPolicy"},
		"name": name,
		"namespace": ns,
		"operation": op,
		"object": {
			"apiVersion": "security.istio.io/v1",
			"kind": "AuthorizationPolicy",
			"metadata": {"name": name, "namespace": ns},
			"spec": spec,
		},
	},
	{"oldObject": o | some o in old},
)}

ra_inv(aps) := {"istio": {
	"authorizationPolicies": {"foo": aps},
	"requestAuthentications": {"foo": [{"name": "httpbin", "selector": {"matchLabels": {"app": "httpbin"}}}]},
}}

httpbin := {"matchLabels": {"app": "httpbin"}}

require_jwt := {"name": "require-jwt", "selector": httpbin, "rules": require_any}

# ALLOW policies are OR-ed: a new ALLOW without requestPrincipals reopens the workloads.
test_opening_policy_warned if {
	spec := {"rules": [{"from": [{"source": {"namespaces": ["monitoring"]}}]}]}
	warns := ra.warn with input as ap_request("CREATE", "foo", "from-monitoring", spec, [])
		with data.apiguard.inventory as ra_inv([require_jwt])
	warns == {"AuthorizationPolicy foo/from-monitoring: with this policy, requests without a token reach the workloads of RequestAuthentication foo/httpbin, which the other AuthorizationPolicies made require one (a RequestAuthentication only rejects invalid tokens); require from.source.requestPrincipals in each rule that applies to those workloads, or narrow the selector"}

	# offline the inventory also holds this very object: it is not counted twice
	self := object.union(spec, {"name": "from-monitoring"})
	count(ra.warn) == 1 with input as ap_request("CREATE", "foo", "from-monitoring", spec, [])
		with data.apiguard.inventory as ra_inv([require_jwt, self])

	# from the root namespace it applies everywhere
	count(ra.warn) == 1 with input as ap_request("CREATE", "istio-system", "from-monitoring", spec, [])
		with data.apiguard.inventory as ra_inv([require_jwt])
}

test_harmless_policies_not_warned if {
	# requires a token itself
	count(ra.warn) == 0 with input as ap_request("CREATE", "foo", "p", {"rules": require_any}, [])
		with data.apiguard.inventory as ra_inv([require_jwt])

	# another workload
	other := {"selector": {"matchLabels": {"app": "other"}}, "rules": [{}]}
	count(ra.warn) == 0 with input as ap_request("CREATE", "foo", "p", other, [])
		with data.apiguard.inventory as ra_inv([require_jwt])

	# another namespace
	count(ra.warn) == 0 with input as ap_request("CREATE", "bar", "p", {"rules": [{}]}, [])
		with data.apiguard.inventory as ra_inv([require_jwt])

	# nothing was required before: the RequestAuthentication side warns instead
	count(ra.warn) == 0 with input as ap_request("CREATE", "foo", "p", {"rules": [{}]}, [])
		with data.apiguard.inventory as ra_inv([])

	# no RequestAuthentication known
	count(ra.warn) == 0 with input as ap_request("CREATE", "foo", "p", {"rules": [{}]}, [])
		with data.apiguard.inventory as {"istio": {"authorizationPolicies": {"foo": [require_jwt]}}}

	# deleting is not judged
	count(ra.warn) == 0 with input as ap_request("DELETE", "foo", "p", {"rules": [{}]}, [])
		with data.apiguard.inventory as ra_inv([require_jwt])
}

# An UPDATE that drops the requirement from the only requiring policy.
test_weakening_update_warned if {
	old := {"metadata": {"name": "require-jwt", "namespace": "foo"}, "spec": {"selector": httpbin, "rules": require_any}}
	weaker := {"selector": httpbin, "rules": [{"from": [{"source": {"namespaces": ["foo"]}}]}]}
	count(ra.warn) == 1 with input as ap_request("UPDATE", "foo", "require-jwt", weaker, [old])
		with data.apiguard.inventory as ra_inv([require_jwt])

	# audit sees the current state only: nothing without it was required
	count(ra.warn) == 0 with input as ap_request("AUDIT", "foo", "require-jwt", weaker, [])
		with data.apiguard.inventory as ra_inv([object.union(weaker, {"name": "require-jwt"})])
}
