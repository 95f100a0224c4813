package gateway.restrict_allowed_listeners_test

import data.gateway.restrict_allowed_listeners as policy

request(operation, namespace, allowed) := {"request": {
	"uid": "1",
	"kind": {"group": "gateway.networking.k8s.io", "version": "v1", "kind": "Gateway"},
	"name": "edge",
	"namespace": namespace,
	"operation": operation,
	"object": {
		"apiVersion": "gateway.networking.k8s.io/v1",
		"kind": "Gateway",
		"metadata": {"name": "edge", "namespace": namespace},
		"spec": object.union(
			{"gatewayClassName": "public", "listeners": [{"name": "http", "protocol": "HTTP", "port": 80}]},
			allowed,
		),
	},
}}

from(f) := {"allowedListeners": {"namespaces": {"from": f}}}

selector(sel) := {"allowedListeners": {"namespaces": {"from": "Selector", "selector": sel}}}

test_default_none_and_same_allowed if {
	count(policy.deny) == 0 with input as request("CREATE", "demo", {})
	count(policy.deny) == 0 with input as request("CREATE", "demo", {"allowedListeners": {}})
	count(policy.deny) == 0 with input as request("CREATE", "demo", from("None"))
	count(policy.deny) == 0 with input as request("CREATE", "demo", from("Same"))
	count(policy.deny) == 0 with input as request("CREATE", "demo", selector({"matchLabels": {"belongs-to": "shared-gateway"}}))
}

test_all_denied if {
	policy.deny == {`Gateway demo/edge: spec.allowedListeners.namespaces lets ListenerSets from every namespace add listeners to this Gateway (from: All); set from: Same or None, or from: Selector with a selector matching only the namespaces allowed to attach listeners`} with input as request("CREATE", "demo", from("All"))
}

test_catch_all_selectors_denied if {
	every sel in [
		{},
		{"matchExpressions": [{"key": "team", "operator": "NotIn", "values": ["x"]}]},
		{"matchExpressions": [{"key": "kubernetes.io/metadata.name", "operator": "Exists"}]},
	] {
		count(policy.deny) == 1 with input as request("CREATE", "demo", selector(sel))
	}
	count(policy.deny) == 1 with input as request("CREATE", "demo", from("Selector"))
}

test_update_and_audit_checked_delete_not if {
	count(policy.deny) == 1 with input as request("UPDATE", "demo", from("All"))
	count(policy.deny) == 1 with input as request("AUDIT", "demo", from("All"))
	r := json.patch(request("DELETE", "demo", from("All")), [
		{"op": "add", "path": "/request/oldObject", "value": request("DELETE", "demo", from("All")).request.object},
		{"op": "replace", "path": "/request/object", "value": null},
	])
	count(policy.deny) == 0 with input as r
}

test_exempt_namespaces if {
	count(policy.deny) == 0 with input as request("CREATE", "infra", from("All"))
		with data.apiguard.config as {"gateway": {"allowAllListenersNamespaces": ["infra*"]}}
	count(policy.deny) == 1 with input as request("CREATE", "demo", from("All"))
		with data.apiguard.config as {"gateway": {"allowAllListenersNamespaces": ["infra*"]}}
	count(policy.deny) == 1 with input as request("CREATE", "demo", from("All"))
		with data.apiguard.config as {"gateway": {"allowAllListenersNamespaces": "demo"}}

	# The routes exemption is a different decision and exempts nothing here.
	count(policy.deny) == 1 with input as request("CREATE", "demo", from("All"))
		with data.apiguard.config as {"gateway": {"allowAllRoutesNamespaces": ["demo"]}}
}

test_other_kinds_ignored if {
	r := json.patch(request("CREATE", "demo", from("All")), [{"op": "replace", "path": "/request/kind/kind", "value": "ListenerSet"}])
	count(policy.deny) == 0 with input as r
}
