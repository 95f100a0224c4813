package networkpolicy.no_allow_all_test

import data.networkpolicy.no_allow_all as policy

netpol(spec) := {
	"apiVersion": "networking.k8s.io/v1",
	"kind": "NetworkPolicy",
	"metadata": {"name": "web", "namespace": "demo"},
	"spec": spec,
}

request(operation, obj) := {"request": {
	"uid": "1",
	"kind": {"group": "networking.k8s.io", "version": "v1", "kind": "NetworkPolicy"},
	"name": "web",
	"namespace": "demo",
	"operation": operation,
	"object": obj,
}}

allow_all := netpol({"podSelector": {}, "ingress": [{}]})

restricted_rule := {"from": [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "ingress-nginx"}}}]}

test_restricted_allowed if {
	count(policy.deny) == 0 with input as request("CREATE", netpol({"podSelector": {}, "ingress": [restricted_rule]}))
	count(policy.warn) == 0 with input as request("CREATE", netpol({"podSelector": {}, "ingress": [restricted_rule]}))
}

test_default_deny_allowed if {
	count(policy.deny) == 0 with input as request("CREATE", netpol({"podSelector": {}, "policyTypes": ["Ingress"]}))
	count(policy.deny) == 0 with input as request("CREATE", netpol({"podSelector": {}, "ingress": []}))
}

test_egress_only_allowed if {
	obj := netpol({"podSelector": {}, "policyTypes": ["Egress"], "egress": [{}]})
	count(policy.deny) == 0 with input as request("CREATE", obj)
	count(policy.warn) == 0 with input as request("CREATE", obj)
}

test_egress_only_ingress_rules_ignored if {
	obj := netpol({"podSelector": {}, "policyTypes": ["Egress"], "ingress": [{}]})
	count(policy.deny) == 0 with input as request("CREATE", obj)
}

test_empty_rule_denied if {
	msgs := policy.deny with input as request("CREATE", allow_all)
	msgs == {"NetworkPolicy demo/web: spec.ingress[0] has no from restriction and spec.podSelector is empty, so every pod in the namespace accepts traffic from everywhere; list the allowed sources in spec.ingress[0].from and select only the pods that need them in spec.podSelector"}
	count(policy.warn) == 0 with input as request("CREATE", allow_all)
}

test_allow_all_spellings_denied if {
	every rule in [
		{},
		null,
		{"from": null},
		{"from": []},
		{"ports": [{"port": 80}]},
		{"from": [{}]},
		{"from": [null]},
		{"from": [{"podSelector": null}]},
		{"from": [{"podSelector": {"matchLabels": {"app": "lb"}}}, {}]},
	] {
		count(policy.deny) == 1 with input as request("CREATE", netpol({"podSelector": {}, "ingress": [rule]}))
	}
}

test_empty_pod_selector_spellings_denied if {
	every spec in [
		{"ingress": [{}]},
		{"podSelector": null, "ingress": [{}]},
		{"podSelector": {"matchLabels": {}, "matchExpressions": []}, "ingress": [{}]},
		{"podSelector": {"matchLabels": null}, "ingress": [{}]},
	] {
		count(policy.deny) == 1 with input as request("CREATE", netpol(spec))
	}
}

test_one_message_per_rule if {
	obj := netpol({"podSelector": {}, "ingress": [{}, restricted_rule, {"from": []}]})
	msgs := policy.deny with input as request("CREATE", obj)
	count(msgs) == 2
	some msg in msgs
	contains(msg, "spec.ingress[2] has no from restriction")
}

test_non_empty_selector_warns if {
	every selector in [
		{"matchLabels": {"app": "web"}},
		{"matchExpressions": [{"key": "app", "operator": "Exists"}]},
	] {
		obj := netpol({"podSelector": selector, "ingress": [{"ports": [{"port": 443}]}]})
		count(policy.deny) == 0 with input as request("CREATE", obj)
		msgs := policy.warn with input as request("CREATE", obj)
		msgs == {"NetworkPolicy demo/web: spec.ingress[0] has no from restriction, so the selected pods accept traffic from everywhere; list the allowed sources in spec.ingress[0].from"}
	}
}

test_update_and_audit_denied if {
	count(policy.deny) == 1 with input as request("UPDATE", allow_all)
	count(policy.deny) == 1 with input as request("AUDIT", allow_all)
}

test_delete_never_denied if {
	req := {"request": {
		"kind": {"group": "networking.k8s.io", "version": "v1", "kind": "NetworkPolicy"},
		"name": "web",
		"namespace": "demo",
		"operation": "DELETE",
		"object": null,
		"oldObject": allow_all,
	}}
	count(policy.deny) == 0 with input as req
	count(policy.warn) == 0 with input as req
}

test_other_kind_ignored if {
	req := json.patch(request("CREATE", allow_all), [{
		"op": "replace",
		"path": "/request/kind",
		"value": {"group": "crd.projectcalico.org", "version": "v1", "kind": "NetworkPolicy"},
	}])
	count(policy.deny) == 0 with input as req
}

test_exempt_namespace if {
	count(policy.deny) == 0 with input as request("CREATE", allow_all)
		with data.apiguard.config as {"networkpolicy": {"allowAllNamespaces": ["demo"]}}
	count(policy.deny) == 1 with input as request("CREATE", allow_all)
		with data.apiguard.config as {"networkpolicy": {"allowAllNamespaces": ["public-*"]}}
	count(policy.deny) == 1 with input as request("CREATE", allow_all)
		with data.apiguard.config as {"networkpolicy": {"allowAllNamespaces": [["demo"]]}}
}

# NotIn and DoesNotExist also match pods without the key
# (k8s.io/apimachinery labels.Requirement.Matches), so a podSelector made only
# of them selects every pod an attacker cares about: like an empty one.
test_catch_all_pod_selector_denied if {
	every sel in [
		{"matchExpressions": [{"key": "quarantine", "operator": "DoesNotExist"}]},
		{"matchExpressions": [{"key": "app", "operator": "NotIn", "values": ["db"]}]},
		{"matchLabels": {}, "matchExpressions": [
			{"key": "app", "operator": "NotIn", "values": ["db"]},
			{"key": "tier", "operator": "DoesNotExist"},
		]},
	] {
		obj := netpol({"podSelector": sel, "ingress": [{}]})
		msgs := policy.deny with input as request("CREATE", obj)
		count(msgs) == 1
		some msg in msgs
		contains(msg, "spec.podSelector selects every pod (its only terms are NotIn or DoesNotExist")
		count(policy.warn) == 0 with input as request("CREATE", obj)
	}
}

test_narrowing_pod_selector_only_warns if {
	every sel in [
		{"matchExpressions": [
			{"key": "app", "operator": "NotIn", "values": ["db"]},
			{"key": "app", "operator": "In", "values": ["web"]},
		]},
		{"matchLabels": {"app": "web"}, "matchExpressions": [{"key": "x", "operator": "DoesNotExist"}]},
		{"matchExpressions": [{"key": "app", "operator": "Exists"}]},
	] {
		obj := netpol({"podSelector": sel, "ingress": [{}]})
		count(policy.deny) == 0 with input as request("CREATE", obj)
		count(policy.warn) == 1 with input as request("CREATE", obj)
	}
}
