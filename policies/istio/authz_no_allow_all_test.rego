package istio.authz_no_allow_all_test

import data.istio.authz_no_allow_all

req(spec) := request("CREATE", "shop", "security.istio.io", spec)

request(op, ns, group, spec) := {"request": {
	"uid": "1",
	"kind": {"group": group, "version": "v1", "kind": "AuthorizationPolicy"},
	"name": "p",
	"namespace": ns,
	"operation": op,
	"object": {
		"apiVersion": sprintf("%s/v1", [group]),
		"kind": "AuthorizationPolicy",
		"metadata": {"name": "p", "namespace": ns},
		"spec": spec,
	},
}}

denied(spec) if count(authz_no_allow_all.deny) == 1 with input as req(spec)

allowed(spec) if count(authz_no_allow_all.deny) == 0 with input as req(spec)

sel := {"matchLabels": {"app": "shop"}}

# Istio's reference: rules: [{}] is allow-all.
test_empty_rule_denied if {
	denies := authz_no_allow_all.deny with input as req({"selector": sel, "rules": [{}]})
	denies == {"AuthorizationPolicy shop/p: spec.rules[0] matches every request (no source, operation or condition narrows it), so this ALLOW policy lets any caller reach the selected workloads; give the rule a from.source or to.operation that names who and what is allowed, or remove it"}
}

# An absent action is ALLOW (the enum's zero value); explicit ALLOW too.
test_action_default_and_explicit if {
	denied({"rules": [{}]})
	denied({"action": "ALLOW", "rules": [{}]})
	allowed({"action": "DENY", "rules": [{}]})
	allowed({"action": "AUDIT", "rules": [{}]})
	allowed({"action": "CUSTOM", "provider": {"name": "ext"}, "rules": [{}]})
}

# model.go New: empty lists, a from without source, an empty source, an empty
# operation, a when with no values add no matcher.
test_variants_matching_everything_denied if {
	every rule in [
		{"from": [], "to": [], "when": []},
		{"from": [{}]},
		{"from": [{"source": {}}]},
		{"from": [{"source": {"principals": [], "namespaces": [], "notPrincipals": []}}]},
		{"to": [{}]},
		{"to": [{"operation": {}}]},
		{"to": [{"operation": {"methods": [], "paths": []}}]},
		{"to": [{"operation": {"paths": ["*"]}}]},
		{"to": [{"operation": {"paths": ["/*"]}}]},
		{"to": [{"operation": {"paths": ["/{**}"]}}]},
		{"to": [{"operation": {"hosts": ["*"], "methods": ["*"]}}]},
		{"when": [{"key": "request.headers[x-user]"}]},
		{"when": [{"key": "source.namespace", "values": [], "notValues": []}]},
		{"from": [{"source": {"ipBlocks": ["0.0.0.0/0"]}}]},
		{"from": [{"source": {"remoteIpBlocks": ["0.0.0.0/1", "128.0.0.0/1"]}}]},
		{"from": [{"source": {"ipBlocks": ["::/0"]}}]},
		{"when": [{"key": "remote.ip", "values": ["0.0.0.0/0"]}]},
		# one open from entry is enough: from entries are OR-ed
		{"from": [{"source": {"namespaces": ["shop"]}}, {"source": {}}]},
		# one open to entry is enough
		{"to": [{"operation": {"paths": ["/admin"]}}, {"operation": {}}]},
	] {
		denied({"selector": sel, "rules": [rule]})
	}
}

test_narrowing_rules_allowed if {
	every rule in [
		{"from": [{"source": {"namespaces": ["shop"]}}]},
		{"from": [{"source": {"principals": ["cluster.local/ns/shop/sa/web"]}}]},
		{"from": [{"source": {"requestPrincipals": ["*"]}}]},
		# "*" requires an mTLS identity: warned by authz_wildcard_source
		{"from": [{"source": {"principals": ["*"]}}]},
		{"from": [{"source": {"notPrincipals": ["cluster.local/ns/x/sa/y"]}}]},
		{"from": [{"source": {"ipBlocks": ["10.0.0.0/8"]}}]},
		{"from": [{"source": {"ipBlocks": ["0.0.0.0/1"]}}]},
		{"to": [{"operation": {"methods": ["GET"]}}]},
		{"to": [{"operation": {"paths": ["/api/*"]}}]},
		{"to": [{"operation": {"ports": ["8080"]}}]},
		{"to": [{"operation": {"notPaths": ["/admin"]}}]},
		{"when": [{"key": "request.auth.claims[iss]", "values": ["https://idp.example.com"]}]},
		# an unknown key makes istiod drop the ALLOW rule
		{"when": [{"key": "request.nothing"}]},
		{"when": [{"key": "remote.ip", "values": ["10.0.0.0/8"]}]},
	] {
		allowed({"selector": sel, "rules": [rule]})
	}
}

# spec: {} and rules: [] allow nothing.
test_no_rules_allowed if {
	allowed({})
	allowed({"rules": []})
}

test_second_rule_reported if {
	denies := authz_no_allow_all.deny with input as req({"rules": [{"from": [{"source": {"namespaces": ["a"]}}]}, {"to": [{"operation": {}}]}]})
	some msg in denies
	contains(msg, "spec.rules[1] matches every request")
	contains(msg, "every workload of the namespace")
}

test_root_namespace_scope_text if {
	denies := authz_no_allow_all.deny with input as request("CREATE", "istio-system", "security.istio.io", {"rules": [{}]})
	some msg in denies
	contains(msg, "every workload of the mesh")
}

test_delete_and_other_group_not_judged if {
	count(authz_no_allow_all.deny) == 0 with input as request("DELETE", "shop", "security.istio.io", {"rules": [{}]})
	count(authz_no_allow_all.deny) == 0 with input as request("CREATE", "shop", "security.example.com", {"rules": [{}]})
	count(authz_no_allow_all.deny) == 1 with input as request("UPDATE", "shop", "security.istio.io", {"rules": [{}]})
	count(authz_no_allow_all.deny) == 1 with input as request("AUDIT", "shop", "security.istio.io", {"rules": [{}]})
}

test_exempt_namespace if {
	count(authz_no_allow_all.deny) == 0 with input as req({"rules": [{}]})
		with data.apiguard.config as {"istio": {"allowAllNamespaces": ["sh*"]}}
	count(authz_no_allow_all.deny) == 1 with input as req({"rules": [{}]})
		with data.apiguard.config as {"istio": {"allowAllNamespaces": ["other"]}}
}
