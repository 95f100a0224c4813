package emissary.host_mapping_selector_test

import data.emissary.host_mapping_selector

request(operation, spec) := {"request": {
	"uid": "1",
	"kind": {"group": "getambassador.io", "version": "v3alpha1", "kind": "Host"},
	"name": "edge",
	"namespace": "shop",
	"operation": operation,
	"object": {
		"apiVersion": "getambassador.io/v3alpha1",
		"kind": "Host",
		"metadata": {"name": "edge", "namespace": "shop"},
		"spec": object.union({"hostname": "shop.example.com"}, spec),
	},
}}

expressions := {"matchExpressions": [{"key": "team", "operator": "In", "values": ["shop"]}]}

deny_msg := "Host shop/edge: spec.mappingSelector has no matchLabels, and Emissary reads only matchLabels (matchExpressions are ignored), so it selects every Mapping of every namespace and serves other teams' routes under \"shop.example.com\"; select Mappings with spec.mappingSelector.matchLabels"

test_expressions_only_denied if {
	every op in ["CREATE", "UPDATE", "AUDIT"] {
		host_mapping_selector.deny == {deny_msg} with input as request(op, {"mappingSelector": expressions})
	}
}

# irutils.py selector_matches: empty or absent matchLabels match every Mapping; the
# deprecated selector is read when mappingSelector is absent or empty.
test_variants_denied if {
	every spec in [
		{"mappingSelector": {"matchLabels": {}}},
		{"mappingSelector": object.union(expressions, {"matchLabels": {}})},
		{"selector": expressions},
		{"mappingSelector": {}, "selector": {"matchLabels": {}}},
	] {
		count(host_mapping_selector.deny) == 1 with input as request("CREATE", spec)
	}
	msgs := host_mapping_selector.deny with input as request("CREATE", {"selector": expressions})
	some msg in msgs
	contains(msg, "spec.selector has no matchLabels")
}

test_labels_or_no_selector_allowed if {
	every spec in [
		{},
		{"mappingSelector": {}},
		{"mappingSelector": {"matchLabels": {"team": "shop"}}},
		{"mappingSelector": object.union(expressions, {"matchLabels": {"team": "shop"}})},
		{"mappingSelector": {"matchLabels": {"team": "shop"}}, "selector": expressions},
	] {
		count(host_mapping_selector.deny) == 0 with input as request("CREATE", spec)
	}
}

test_exempt_namespace if {
	count(host_mapping_selector.deny) == 0 with input as request("CREATE", {"mappingSelector": expressions})
		with data.apiguard.config as {"emissary": {"wildcardNamespaces": ["shop"]}}
}

test_delete_and_other_group_not_judged if {
	req := request("DELETE", {"mappingSelector": expressions})
	del := json.patch(req, [{"op": "add", "path": "/request/oldObject", "value": req.request.object}])
	count(host_mapping_selector.deny) == 0 with input as del
	other := json.patch(request("CREATE", {"mappingSelector": expressions}), [{"op": "replace", "path": "/request/kind/group", "value": "example.com"}])
	count(host_mapping_selector.deny) == 0 with input as other
}
