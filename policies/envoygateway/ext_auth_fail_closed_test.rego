package envoygateway.ext_auth_fail_closed_test

import data.envoygateway.ext_auth_fail_closed as policy

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

ext_auth(extra) := {
	"targetRefs": [{"group": "gateway.networking.k8s.io", "kind": "HTTPRoute", "name": "api"}],
	"extAuth": object.union({"http": {"backendRefs": [{"name": "authz", "port": 9000}]}}, extra),
}

test_fail_closed_allowed if {
	count(policy.deny) == 0 with input as create(ext_auth({}))
	count(policy.deny) == 0 with input as create(ext_auth({"failOpen": false}))
}

# ext_auth_types.go: failOpen lets traffic through when the authorizer cannot answer.
test_fail_open_denied if {
	policy.deny == {"SecurityPolicy shop/api: spec.extAuth.failOpen is true, so every request reaches the backend unauthorized whenever the external authorization service is down, slow or misconfigured; remove failOpen (the default, false, answers 5xx instead)"} with input as create(ext_auth({"failOpen": true}))
	count(policy.deny) == 1 with input as create({"extAuth": {"grpc": {"backendRefs": [{"name": "authz", "port": 9000}]}, "failOpen": true}})
}

test_exempt_namespace if {
	count(policy.deny) == 0 with input as create(ext_auth({"failOpen": true}))
		with data.apiguard.config as {"envoyGateway": {"extAuthFailOpenNamespaces": ["shop"]}}
}

test_delete_and_other_group_not_judged if {
	count(policy.deny) == 0 with input as request("DELETE", "gateway.envoyproxy.io", ext_auth({"failOpen": true}))
	count(policy.deny) == 0 with input as request("CREATE", "tyk.tyk.io", ext_auth({"failOpen": true}))
	count(policy.deny) == 1 with input as request("AUDIT", "gateway.envoyproxy.io", ext_auth({"failOpen": true}))
}
