package envoygateway.jwt_required_test

import data.envoygateway.jwt_required as policy

request(operation, group, spec) := {"request": {
	"uid": "1",
	"kind": {"group": group, "version": "v1alpha1", "kind": "SecurityPolicy"},
	"name": "api",
	"namespace": "shop",
	"operation": operation,
	"object": {
		"apiVersion": concat("/", [group, "v1alpha1"]),
		"kind": "SecurityPolicy",
		"metadata": {"name": "api", "namespace": "shop"},
		"spec": spec,
	},
}}

create(spec) := request("CREATE", "gateway.envoyproxy.io", spec)

targets := {"targetRefs": [{"group": "gateway.networking.k8s.io", "kind": "HTTPRoute", "name": "api"}]}

jwt(extra) := object.union(targets, {"jwt": object.union({"providers": [{"name": "idp", "remoteJWKS": {"uri": "https://idp.example.com/jwks"}}]}, extra)})

with_auth(spec, auth) := object.union(spec, {"authorization": auth})

claims_rule := {"action": "Allow", "principal": {"jwt": {"provider": "idp", "claims": [{"name": "group", "values": ["shop"]}]}}}

test_required_jwt_allowed if {
	count(policy.deny) == 0 with input as create(jwt({}))
	count(policy.deny) == 0 with input as create(jwt({"optional": false}))
	count(policy.deny) == 0 with input as create(jwt({"failOpen": false}))
}

# jwt_types.go: optional tolerates a missing JWT (Envoy allow_missing).
test_optional_denied if {
	denies := policy.deny with input as create(jwt({"optional": true}))
	denies == {"SecurityPolicy shop/api: spec.jwt.optional is true, so a request without a JWT reaches the backend unauthenticated; remove it, or add spec.authorization with defaultAction Deny whose every Allow rule requires a principal.jwt claim or scope"}
}

# jwt_types.go: failOpen lets missing and invalid JWTs through; it exists in v1.9.1.
test_fail_open_denied if {
	denies := policy.deny with input as create(jwt({"failOpen": true}))
	count(denies) == 1
	some msg in denies
	contains(msg, "spec.jwt.failOpen is true, so a request with a missing or invalid JWT")
}

# The schema types both as booleans; a string never reaches the webhook and is not true.
test_string_true_not_read if {
	count(policy.deny) == 0 with input as create(jwt({"optional": "true"}))
}

# The pairing jwt_types.go asks for: default Deny (unset) and every Allow rule needs claims.
test_paired_with_jwt_authorization_allowed if {
	every auth in [
		{"rules": [claims_rule]},
		{"defaultAction": "Deny", "rules": [claims_rule, {"action": "Deny", "principal": {"clientCIDRs": ["203.0.113.0/24"]}}]},
		{"defaultAction": "Deny"},
		{},
	] {
		count(policy.deny) == 0 with input as create(with_auth(jwt({"optional": true}), auth))
		count(policy.deny) == 0 with input as create(with_auth(jwt({"failOpen": true}), auth))
	}
}

# Any Allow rule without a JWT principal, or default Allow, lets token-less requests in.
test_weak_authorization_does_not_pair if {
	every auth in [
		{"defaultAction": "Allow", "rules": [claims_rule]},
		{"rules": [claims_rule, {"action": "Allow", "principal": {"clientCIDRs": ["10.0.0.0/8"]}}]},
		{"rules": [{"action": "Allow", "cel": "request.headers['x-jwt'] != ''"}]},
		{"rules": [{"action": "Allow", "principal": {"headers": [{"name": "x-user", "values": ["a"]}]}}]},
	] {
		count(policy.deny) == 1 with input as create(with_auth(jwt({"optional": true}), auth))
	}
}

test_exempt_namespace if {
	count(policy.deny) == 0 with input as create(jwt({"optional": true}))
		with data.apiguard.config as {"envoyGateway": {"optionalJWTNamespaces": ["sh*"]}}
	count(policy.deny) == 1 with input as create(jwt({"optional": true}))
		with data.apiguard.config as {"envoyGateway": {"optionalJWTNamespaces": ["other"]}}
	count(policy.deny) == 1 with input as create(jwt({"optional": true}))
		with data.apiguard.config as {"envoyGateway": {"optionalJWTNamespaces": "shop"}}
}

test_update_and_audit_judged_delete_not if {
	count(policy.deny) == 1 with input as request("UPDATE", "gateway.envoyproxy.io", jwt({"optional": true}))
	count(policy.deny) == 1 with input as request("AUDIT", "gateway.envoyproxy.io", jwt({"optional": true}))
	count(policy.deny) == 0 with input as request("DELETE", "gateway.envoyproxy.io", jwt({"optional": true}))
}

# Tyk's SecurityPolicy shares the kind name.
test_other_group_not_judged if {
	count(policy.deny) == 0 with input as request("CREATE", "tyk.tyk.io", jwt({"optional": true}))
}
