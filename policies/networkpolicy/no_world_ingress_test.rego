package networkpolicy.no_world_ingress_test

import data.networkpolicy.no_world_ingress as policy

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

from_cidrs(cidrs) := netpol({
	"podSelector": {"matchLabels": {"app": "web"}},
	"ingress": [{"from": [{"ipBlock": {"cidr": c}} | some c in cidrs]}],
})

denied(cidrs) := d if {
	d := policy.deny with input as request("CREATE", from_cidrs(cidrs))
}

world_policy := netpol({
	"podSelector": {"matchLabels": {"app": "web"}},
	"ingress": [
		{"from": [{"podSelector": {"matchLabels": {"app": "lb"}}}]},
		{
			"from": [
				{"ipBlock": {"cidr": "10.0.0.0/8"}},
				{"ipBlock": {"cidr": "0.0.0.0/0", "except": ["169.254.169.254/32"]}},
			],
			"ports": [{"port": 443}],
		},
	],
})

test_restricted_sources_allowed if {
	count(denied(["10.0.0.0/8", "203.0.113.0/24", "2001:db8::/32", "192.168.1.1/32"])) == 0
}

test_world_denied_with_message if {
	msgs := policy.deny with input as request("CREATE", world_policy)
	msgs == {`NetworkPolicy demo/web: spec.ingress[1].from[1].ipBlock.cidr "0.0.0.0/0" admits traffic from every address on the internet (an except list does not change that); allow only the client CIDRs that need access, or select the ingress controller with a namespaceSelector/podSelector`}
}

test_world_spellings_denied if {
	every c in ["0.0.0.0/0", "::/0", "0::0/0", "0:0:0:0:0:0:0:0/0", "1.2.3.4/0", "::ffff:0.0.0.0/96", "::ffff:0:0/96"] {
		count(denied([c])) == 1
	}
}

test_one_message_per_peer if {
	count(denied(["0.0.0.0/0", "::/0", "10.0.0.0/8"])) == 2
}

test_invalid_cidr_ignored if {
	count(denied(["0.0.0.0", "not-a-cidr", " 0.0.0.0/0"])) == 0
}

test_broad_not_flagged_by_default if {
	count(denied(["0.0.0.0/1", "128.0.0.0/1", "::/1", "8.0.0.0/8"])) == 0
}

test_update_and_audit_denied if {
	count(policy.deny) == 1 with input as request("UPDATE", world_policy)
	count(policy.deny) == 1 with input as request("AUDIT", world_policy)
}

test_egress_world_not_checked if {
	obj := netpol({
		"podSelector": {},
		"policyTypes": ["Ingress", "Egress"],
		"egress": [{"to": [{"ipBlock": {"cidr": "0.0.0.0/0"}}]}],
	})
	count(policy.deny) == 0 with input as request("CREATE", obj)
}

test_egress_only_policy_ingress_rules_ignored if {
	obj := json.patch(world_policy, [{"op": "add", "path": "/spec/policyTypes", "value": ["Egress"]}])
	count(policy.deny) == 0 with input as request("CREATE", obj)
}

test_explicit_ingress_policy_type_checked if {
	obj := json.patch(world_policy, [{"op": "add", "path": "/spec/policyTypes", "value": ["Ingress", "Egress"]}])
	count(policy.deny) == 1 with input as request("CREATE", obj)
}

test_malformed_rules_ignored if {
	obj := netpol({"podSelector": {}, "ingress": [null, "x", {"from": "x"}, {"from": [null, {"ipBlock": {"cidr": 0}}]}]})
	count(policy.deny) == 0 with input as request("CREATE", obj)
}

test_delete_never_denied if {
	req := {"request": {
		"kind": {"group": "networking.k8s.io", "version": "v1", "kind": "NetworkPolicy"},
		"name": "web",
		"namespace": "demo",
		"operation": "DELETE",
		"object": null,
		"oldObject": world_policy,
	}}
	count(policy.deny) == 0 with input as req
}

test_other_kind_ignored if {
	req := json.patch(request("CREATE", world_policy), [{
		"op": "replace",
		"path": "/request/kind",
		"value": {"group": "crd.projectcalico.org", "version": "v1", "kind": "NetworkPolicy"},
	}])
	count(policy.deny) == 0 with input as req
}

test_exempt_namespace if {
	count(policy.deny) == 0 with input as request("CREATE", world_policy)
		with data.apiguard.config as {"networkpolicy": {"worldIngressNamespaces": ["dem?"]}}
	count(policy.deny) == 1 with input as request("CREATE", world_policy)
		with data.apiguard.config as {"networkpolicy": {"worldIngressNamespaces": ["ingress-*"]}}
	count(policy.deny) == 1 with input as request("CREATE", world_policy)
		with data.apiguard.config as {"networkpolicy": {"worldIngressNamespaces": "demo"}}
}

test_min_prefix_length_flags_broad_public if {
	cfg := {"networkpolicy": {"minPrefixLength": 16}}
	msgs := denied(["8.8.0.0/16", "1.0.0.0/8", "203.0.113.0/24", "10.0.0.0/8", "172.16.0.0/12", "100.64.0.0/10"]) with data.apiguard.config as cfg
	msgs == {
		`NetworkPolicy demo/web: spec.ingress[0].from[0].ipBlock.cidr "8.8.0.0/16" is a public range with a prefix of /16 or shorter; allow only the client CIDRs that need access`,
		`NetworkPolicy demo/web: spec.ingress[0].from[1].ipBlock.cidr "1.0.0.0/8" is a public range with a prefix of /16 or shorter; allow only the client CIDRs that need access`,
	}
}

test_min_prefix_length_world_reported_once if {
	count(denied(["0.0.0.0/0"])) == 1 with data.apiguard.config as {"networkpolicy": {"minPrefixLength": 16}}
}

test_min_prefix_length_applies_to_ipv6_by_default if {
	cfg := {"networkpolicy": {"minPrefixLength": 16}}
	count(denied(["2001::/16", "2001:db8::/32", "fc00::/8"])) == 1 with data.apiguard.config as cfg
}

test_min_prefix_length_ipv6_override if {
	cfg := {"networkpolicy": {"minPrefixLength": 8, "minPrefixLengthIPv6": 32}}
	count(denied(["2001:db8::/32", "2001:db8::/48", "9.0.0.0/16"])) == 1 with data.apiguard.config as cfg
}

test_ipv4_mapped_uses_ipv4_prefix if {
	cfg := {"networkpolicy": {"minPrefixLength": 16}}
	count(denied(["::ffff:8.8.0.0/112"])) == 1 with data.apiguard.config as cfg
	count(denied(["::ffff:8.8.8.0/120"])) == 0 with data.apiguard.config as cfg
}

test_malformed_min_prefix_length_uses_default if {
	every v in ["16", -1, 1.5, 129, null] {
		count(denied(["8.0.0.0/8"])) == 0 with data.apiguard.config as {"networkpolicy": {"minPrefixLength": v, "minPrefixLengthIPv6": v}}
	}
}
