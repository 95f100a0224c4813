package envoygateway.restrict_patch_policy_test

import data.envoygateway.restrict_patch_policy as policy

request(operation, group, namespace) := {"request": {
	"uid": "1",
	"kind": {"group": group, "version": "v1alpha1", "kind": "EnvoyPatchPolicy"},
	"name": "patch",
	"namespace": namespace,
	"operation": operation,
	"object": {
		"apiVersion": concat("/", [group, "v1alpha1"]),
		"kind": "EnvoyPatchPolicy",
		"metadata": {"name": "patch", "namespace": namespace},
		"spec": {
			"targetRef": {"group": "gateway.networking.k8s.io", "kind": "Gateway", "name": "edge"},
			"type": "JSONPatch",
			"jsonPatches": [{
				"type": "type.googleapis.com/envoy.config.listener.v3.Listener",
				"name": "shop/edge/http",
				"operation": {"op": "remove", "path": "/default_filter_chain/filters/0/typed_config/http_filters/0"},
			}],
		},
	},
}}

allowed := {"envoyGateway": {"patchPolicyNamespaces": ["envoy-gateway-system", "platform-*"]}}

# Default []: raw xDS patches are allowed nowhere.
test_denied_by_default if {
	policy.deny == {"EnvoyPatchPolicy shop/patch: an EnvoyPatchPolicy patches Envoy's raw xDS configuration, so it can undo every other gateway policy; namespace \"shop\" is not in envoyGateway.patchPolicyNamespaces; use SecurityPolicy, ClientTrafficPolicy or BackendTrafficPolicy instead, or have the platform team own the patch in an allowed namespace"} with input as request("CREATE", "gateway.envoyproxy.io", "shop")
	count(policy.deny) == 1 with input as request("CREATE", "gateway.envoyproxy.io", "envoy-gateway-system")
}

test_allowed_namespaces_globs if {
	count(policy.deny) == 0 with input as request("CREATE", "gateway.envoyproxy.io", "envoy-gateway-system") with data.apiguard.config as allowed
	count(policy.deny) == 0 with input as request("UPDATE", "gateway.envoyproxy.io", "platform-edge") with data.apiguard.config as allowed
	count(policy.deny) == 1 with input as request("CREATE", "gateway.envoyproxy.io", "shop") with data.apiguard.config as allowed
	count(policy.deny) == 1 with input as request("CREATE", "gateway.envoyproxy.io", "envoy-gateway-system-x") with data.apiguard.config as allowed

	# Malformed configuration allows nothing.
	count(policy.deny) == 1 with input as request("CREATE", "gateway.envoyproxy.io", "platform-edge") with data.apiguard.config as {"envoyGateway": {"patchPolicyNamespaces": "platform-*"}}
}

test_delete_and_other_group_not_judged if {
	count(policy.deny) == 0 with input as request("DELETE", "gateway.envoyproxy.io", "shop")
	count(policy.deny) == 0 with input as request("CREATE", "example.com", "shop")
	count(policy.deny) == 1 with input as request("AUDIT", "gateway.envoyproxy.io", "shop")
}
