package lib.gatewayapi_test

import data.lib.gatewayapi as gw

test_from_all_is_open if {
	gw.open_to_all_namespaces({"from": "All"}) == "from: All"
}

test_same_none_and_narrow_selectors_are_not_open if {
	not gw.open_to_all_namespaces({"from": "Same"})
	not gw.open_to_all_namespaces({"from": "None"})
	not gw.open_to_all_namespaces({})
	not gw.open_to_all_namespaces({"from": "Selector", "selector": {"matchLabels": {"team": "shop"}}})
	not gw.open_to_all_namespaces({"from": "Selector", "selector": {"matchExpressions": [{"key": "kubernetes.io/metadata.name", "operator": "In", "values": ["shop"]}]}})

	# A selector on the namespace name label that no namespace lacks selects none.
	not gw.open_to_all_namespaces({"from": "Selector", "selector": {"matchExpressions": [{"key": "kubernetes.io/metadata.name", "operator": "DoesNotExist"}]}})

	# Only the exact enum values count: "all" is not a FromNamespaces value, and the
	# CRD refuses it.
	not gw.open_to_all_namespaces({"from": "all"})
}

test_catch_all_selectors_are_open if {
	some sel in [
		{},
		{"matchLabels": {}},
		{"matchExpressions": [{"key": "team", "operator": "NotIn", "values": ["blocked"]}]},
		{"matchExpressions": [{"key": "quarantined", "operator": "DoesNotExist"}]},
		{"matchExpressions": [{"key": "kubernetes.io/metadata.name", "operator": "Exists"}]},
		{"matchExpressions": [{"key": "kubernetes.io/metadata.name", "operator": "NotIn", "values": ["kube-system"]}]},
	]
	startswith(gw.open_to_all_namespaces({"from": "Selector", "selector": sel}), "from: Selector with a selector every namespace matches")
}

test_every_catch_all_selector_is_open if {
	every sel in [
		{},
		{"matchExpressions": [{"key": "team", "operator": "NotIn", "values": ["blocked"]}]},
		{"matchExpressions": [{"key": "kubernetes.io/metadata.name", "operator": "Exists"}]},
	] {
		gw.open_to_all_namespaces({"from": "Selector", "selector": sel})
	}
}

test_missing_selector_is_open if {
	contains(gw.open_to_all_namespaces({"from": "Selector"}), "without a selector")
	contains(gw.open_to_all_namespaces({"from": "Selector", "selector": null}), "without a selector")
}

test_gateway_refs if {
	gw.is_gateway_ref({"name": "edge"})
	gw.is_gateway_ref({"name": "edge", "group": "gateway.networking.k8s.io", "kind": "Gateway"})
	not gw.is_gateway_ref({"name": "edge", "kind": "ListenerSet"})
	not gw.is_gateway_ref({"name": "edge", "group": "example.com", "kind": "Gateway"})
	gw.is_service_ref({"name": "web", "group": "", "kind": "Service"})
	gw.ref_key({"name": "edge", "namespace": "infra"}) == "infra/edge"
	gw.ref_key({"name": "edge"}) == "shop/edge" with input as {"request": {"namespace": "shop", "object": {"metadata": {"namespace": "shop"}}}}
}

inventory := {"gateways": {
	"infra/public": {"gatewayClassName": "internet", "listeners": []},
	"infra/private": {"gatewayClassName": "internal", "listeners": []},
}}

config := {"gateway": {"publicClasses": ["internet"]}}

test_parent_publicity if {
	contains(gw.parent_publicity({"name": "public", "namespace": "infra"}), `public Gateway infra/public (GatewayClass "internet")`) with data.apiguard.inventory as inventory
		with data.apiguard.config as config
	not gw.parent_publicity({"name": "private", "namespace": "infra"}) with data.apiguard.inventory as inventory
		with data.apiguard.config as config
	contains(gw.parent_publicity({"name": "ghost", "namespace": "infra"}), "not in apiguard's inventory") with data.apiguard.inventory as inventory
		with data.apiguard.config as config
	contains(gw.parent_publicity({"name": "set", "namespace": "infra", "kind": "ListenerSet"}), "ListenerSet infra/set") with data.apiguard.inventory as inventory
		with data.apiguard.config as config
	not gw.parent_publicity({"name": "web", "group": "", "kind": "Service"}) with data.apiguard.inventory as inventory
}

test_every_class_public_without_a_list if {
	gw.public_class("anything")
	gw.public_class("anything") with data.apiguard.config as {"gateway": {"publicClasses": "internet"}}
	not gw.public_class("internal") with data.apiguard.config as config
}

route_request(rules) := {"request": {
	"operation": "CREATE",
	"kind": {"group": "gateway.networking.k8s.io", "version": "v1", "kind": "HTTPRoute"},
	"object": {"metadata": {"name": "r", "namespace": "shop"}, "spec": {"rules": rules}},
}}

mirror(name) := {"type": "RequestMirror", "requestMirror": {"backendRef": {"name": name}}}

test_route_backend_refs_reads_every_place_a_backend_is_named if {
	rules := [
		{"backendRefs": [{"name": "a"}, {"name": "b", "filters": [mirror("c")]}]},
		{"filters": [mirror("d"), {"type": "RequestHeaderModifier"}]},
	]
	refs := gw.route_backend_refs with input as route_request(rules)
	{r.name | some r in refs} == {"a", "b", "c", "d"}
	count(refs) == 4
}

test_route_backend_refs_tolerates_malformed_rules if {
	gw.route_backend_refs == [] with input as route_request("x")
	gw.route_backend_refs == [] with input as route_request([{"backendRefs": "x"}, 7])
}
