package lib.selector_test

import data.lib.selector

test_empty_selector_selects_everything if {
	selector.selects_all_pods({})
	selector.selects_all_namespaces({})
	selector.selects_all_pods({"matchLabels": {}, "matchExpressions": []})
	selector.selects_all_pods({"matchLabels": null})
}

test_not_in_and_does_not_exist_select_everything if {
	selector.selects_all_pods({"matchExpressions": [{"key": "x", "operator": "DoesNotExist"}]})
	selector.selects_all_pods({"matchExpressions": [
		{"key": "role", "operator": "NotIn", "values": ["db"]},
		{"key": "quarantine", "operator": "DoesNotExist"},
	]})
	selector.selects_all_namespaces({"matchExpressions": [{"key": "kubernetes.io/metadata.name", "operator": "NotIn", "values": ["kube-system"]}]})
}

test_exists_on_the_namespace_name_label_selects_every_namespace if {
	selector.selects_all_namespaces({"matchExpressions": [{"key": "kubernetes.io/metadata.name", "operator": "Exists"}]})
	not selector.selects_all_pods({"matchExpressions": [{"key": "kubernetes.io/metadata.name", "operator": "Exists"}]})
}

test_narrowing_selectors if {
	not selector.selects_all_pods({"matchLabels": {"app": "web"}})
	not selector.selects_all_pods({"matchExpressions": [{"key": "app", "operator": "In", "values": ["web"]}]})
	not selector.selects_all_pods({"matchExpressions": [{"key": "app", "operator": "Exists"}]})
	not selector.selects_all_namespaces({"matchExpressions": [
		{"key": "team", "operator": "NotIn", "values": ["x"]},
		{"key": "tier", "operator": "In", "values": ["edge"]},
	]})
	not selector.selects_all_namespaces({"matchLabels": {"kubernetes.io/metadata.name": "edge"}})
}

test_absent_selector_is_left_to_the_caller if {
	not selector.selects_all_pods(null)
	not selector.selects_all_namespaces("x")
}
