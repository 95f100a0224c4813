package gateway.restrict_allowed_routes_test

import data.gateway.restrict_allowed_routes as policy

request(operation, namespace, listeners) := {"request": {
	"uid": "1",
	"kind": {"group": "gateway.networking.k8s.io", "version": "v1", "kind": "Gateway"},
	"name": "edge",
	"namespace": namespace,
	"operation": operation,
	"object": {
		"apiVersion": "gateway.networking.k8s.io/v1",
		"kind": "Gateway",
		"metadata": {"name": "edge", "namespace": namespace},
		"spec": {"gatewayClassName": "public", "listeners": listeners},
	},
}}

listener(name, from) := {
	"name": name,
	"protocol": "HTTPS",
	"port": 443,
	"tls": {"certificateRefs": [{"name": "edge-tls"}]},
	"allowedRoutes": {"namespaces": {"from": from}},
}

all_msg := `Gateway demo/edge: listener "https" accepts routes from all namespaces (allowedRoutes.namespaces.from: All); set from: Same, or from: Selector with a selector matching only the namespaces allowed to attach routes`

test_same_allowed if {
	count(policy.deny) == 0 with input as request("CREATE", "demo", [listener("https", "Same")])
}

test_selector_allowed if {
	l := json.patch(listener("https", "Selector"), [{
		"op": "add",
		"path": "/allowedRoutes/namespaces/selector",
		"value": {"matchLabels": {"team": "shop"}},
	}])
	count(policy.deny) == 0 with input as request("CREATE", "demo", [l])
}

test_default_allowed_routes_allowed if {
	l := {"name": "https", "protocol": "HTTPS", "port": 443}
	count(policy.deny) == 0 with input as request("CREATE", "demo", [l])
}

test_all_denied if {
	denies := policy.deny with input as request("CREATE", "demo", [listener("https", "All")])
	denies == {all_msg}
}

test_one_message_per_listener if {
	ls := [listener("a", "All"), listener("b", "Same"), object.remove(listener("c", "All"), ["name"])]
	denies := policy.deny with input as request("CREATE", "demo", ls)
	count(denies) == 2
	some msg in denies
	contains(msg, `listener "spec.listeners[2]"`)
}

test_update_and_audit_checked if {
	count(policy.deny) == 1 with input as request("UPDATE", "demo", [listener("https", "All")])
	count(policy.deny) == 1 with input as request("AUDIT", "demo", [listener("https", "All")])
}

test_delete_not_denied if {
	r := {"request": {
		"kind": {"group": "gateway.networking.k8s.io", "version": "v1", "kind": "Gateway"},
		"name": "edge",
		"namespace": "demo",
		"operation": "DELETE",
		"object": null,
		"oldObject": {"metadata": {"name": "edge", "namespace": "demo"}, "spec": {"listeners": [listener("https", "All")]}},
	}}
	count(policy.deny) == 0 with input as r
}

test_exempt_namespace_allowed if {
	count(policy.deny) == 0
		with input as request("CREATE", "infra", [listener("https", "All")])
		with data.apiguard.config as {"gateway": {"allowAllRoutesNamespaces": ["infra"]}}
}

test_exempt_namespace_glob_allowed if {
	count(policy.deny) == 0
		with input as request("CREATE", "infra-edge", [listener("https", "All")])
		with data.apiguard.config as {"gateway": {"allowAllRoutesNamespaces": ["infra-*"]}}
}

test_other_namespace_not_exempt if {
	count(policy.deny) == 1
		with input as request("CREATE", "demo", [listener("https", "All")])
		with data.apiguard.config as {"gateway": {"allowAllRoutesNamespaces": ["infra", 7]}}
}

test_malformed_config_not_exempt if {
	count(policy.deny) == 1
		with input as request("CREATE", "demo", [listener("https", "All")])
		with data.apiguard.config as {"gateway": {"allowAllRoutesNamespaces": "demo"}}
}

test_other_kind_ignored if {
	r := json.patch(request("CREATE", "demo", [listener("https", "All")]), [{
		"op": "replace",
		"path": "/request/kind/kind",
		"value": "HTTPRoute",
	}])
	count(policy.deny) == 0 with input as r
}

test_other_group_ignored if {
	r := json.patch(request("CREATE", "demo", [listener("https", "All")]), [{
		"op": "replace",
		"path": "/request/kind/group",
		"value": "networking.istio.io",
	}])
	count(policy.deny) == 0 with input as r
}

selector_listener(name, sel) := json.patch(listener(name, "Selector"), [{
	"op": "add",
	"path": "/allowedRoutes/namespaces/selector",
	"value": sel,
}])

# Selectors every namespace matches are All by another name (lib.selector).
test_catch_all_selectors_denied if {
	every sel in [
		{},
		{"matchLabels": {}},
		{"matchExpressions": [{"key": "team", "operator": "NotIn", "values": ["quarantine"]}]},
		{"matchExpressions": [{"key": "blocked", "operator": "DoesNotExist"}]},
		{"matchExpressions": [{"key": "kubernetes.io/metadata.name", "operator": "Exists"}]},
		{"matchExpressions": [
			{"key": "kubernetes.io/metadata.name", "operator": "NotIn", "values": ["kube-system"]},
			{"key": "blocked", "operator": "DoesNotExist"},
		]},
	] {
		denies := policy.deny with input as request("CREATE", "demo", [selector_listener("https", sel)])
		count(denies) == 1
		some msg in denies
		contains(msg, `listener "https" accepts routes from all namespaces (allowedRoutes.namespaces.from: Selector with a selector every namespace matches`)
	}
}

test_selector_missing_denied if {
	denies := policy.deny with input as request("CREATE", "demo", [listener("https", "Selector")])
	count(denies) == 1
	some msg in denies
	contains(msg, "from: Selector without a selector")
}

test_narrow_selectors_allowed if {
	every sel in [
		{"matchLabels": {"team": "shop"}},
		{"matchExpressions": [{"key": "team", "operator": "In", "values": ["shop"]}]},
		{"matchExpressions": [{"key": "gateway-access", "operator": "Exists"}]},
		{"matchExpressions": [
			{"key": "team", "operator": "NotIn", "values": ["x"]},
			{"key": "gateway-access", "operator": "Exists"},
		]},
		{"matchExpressions": [{"key": "kubernetes.io/metadata.name", "operator": "DoesNotExist"}]},
	] {
		count(policy.deny) == 0 with input as request("CREATE", "demo", [selector_listener("https", sel)])
	}
}

listenerset_request(namespace, listeners) := {"request": {
	"uid": "2",
	"kind": {"group": "gateway.networking.k8s.io", "version": "v1", "kind": "ListenerSet"},
	"name": "team",
	"namespace": namespace,
	"operation": "CREATE",
	"object": {
		"apiVersion": "gateway.networking.k8s.io/v1",
		"kind": "ListenerSet",
		"metadata": {"name": "team", "namespace": namespace},
		"spec": {"parentRef": {"name": "edge", "namespace": "infra"}, "listeners": listeners},
	},
}}

test_listenerset_judged_like_a_gateway if {
	denies := policy.deny with input as listenerset_request("shop", [listener("https", "All"), selector_listener("b", {})])
	denies == {
		`ListenerSet shop/team: listener "https" accepts routes from all namespaces (allowedRoutes.namespaces.from: All); set from: Same, or from: Selector with a selector matching only the namespaces allowed to attach routes`,
		`ListenerSet shop/team: listener "b" accepts routes from all namespaces (allowedRoutes.namespaces.from: Selector with a selector every namespace matches ({})); set from: Same, or from: Selector with a selector matching only the namespaces allowed to attach routes`,
	}
	count(policy.deny) == 0 with input as listenerset_request("shop", [listener("https", "Same")])
	count(policy.deny) == 0 with input as listenerset_request("shop", [{"name": "h", "protocol": "HTTP", "port": 80}])
	count(policy.deny) == 0
		with input as listenerset_request("infra", [listener("https", "All")])
		with data.apiguard.config as {"gateway": {"allowAllRoutesNamespaces": ["infra"]}}
}
