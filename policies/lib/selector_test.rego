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

test_does_not_exist_on_the_namespace_name_label_selects_no_namespace if {
	# Every namespace carries kubernetes.io/metadata.name, so this selects none: the
	# opposite of a catch-all.
	not selector.selects_all_namespaces({"matchExpressions": [{"key": "kubernetes.io/metadata.name", "operator": "DoesNotExist"}]})
	not selector.selects_all_namespaces({"matchExpressions": [
		{"key": "team", "operator": "NotIn", "values": ["x"]},
		{"key": "kubernetes.io/metadata.name", "operator": "DoesNotExist"},
	]})

	# For pods the label means nothing special.
	selector.selects_all_pods({"matchExpressions": [{"key": "kubernetes.io/metadata.name", "operator": "DoesNotExist"}]})
}

test_unknown_operators_do_not_narrow if {
	# A CRD's label selector accepts any operator string; matchers that switch on the
	# four known operators skip the others, so they narrow nothing.
	selector.selects_all_namespaces({"matchExpressions": [{"key": "team", "operator": "in", "values": ["edge"]}]})
	selector.selects_all_namespaces({"matchExpressions": [{"key": "team", "operator": "Equals", "values": ["edge"]}]})
	selector.selects_all_namespaces({"matchExpressions": [{"key": "team"}]})
	not selector.selects_all_namespaces({"matchExpressions": [
		{"key": "team", "operator": "Equals", "values": ["edge"]},
		{"key": "team", "operator": "In", "values": ["edge"]},
	]})
}

test_not_in_with_no_values_is_broad if {
	selector.selects_all_namespaces({"matchExpressions": [{"key": "team", "operator": "NotIn", "values": []}]})
}
