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
	count(denied(["8.8.8.0/24", "1.1.1.1/32", "2a00:1450:4001::/48", "100.64.0.0/10"])) == 0
}

ipv4_message(i, j, cidr, n, prefix) := sprintf(
	"NetworkPolicy demo/web: the ipBlocks of spec.ingress together admit %d public IPv4 addresses (the size of a /%d or more), more than the bound of one /16 (networkpolicy.publicIngressBound.ipv4); they come from spec.ingress[%d].from[%d].ipBlock.cidr %q. Allow only the client CIDRs that need access, carve out ranges with except, or select the ingress controller with a namespaceSelector/podSelector",
	[n, prefix, i, j, cidr],
)

test_world_denied_with_message if {
	msgs := policy.deny with input as request("CREATE", world_policy)
	msgs == {ipv4_message(1, 1, "0.0.0.0/0", 3702258944, 1)}
}

# An IPv4 spelling opens IPv4; ::/0 opens IPv6 and, through the IPv4-mapped
# block it covers, IPv4 too: one message per family.
test_world_spellings_denied if {
	every c in ["0.0.0.0/0", "1.2.3.4/0", "::ffff:0.0.0.0/96", "::ffff:0:0/96", "64:ff9b::/96"] {
		count(denied([c])) == 1
	}
	every c in ["::/0", "0::0/0", "0:0:0:0:0:0:0:0/0"] {
		count(denied([c])) == 2
	}
}

test_one_message_per_family if {
	count(denied(["0.0.0.0/0", "::/0", "10.0.0.0/8"])) == 2
	count(denied(["0.0.0.0/1", "128.0.0.0/1", "64.0.0.0/2"])) == 1
}

# Fail closed: a cidr or except that cannot be read is denied, not skipped.
test_unreadable_cidr_denied if {
	msgs := denied(["0.0.0.0", "not-a-cidr", " 0.0.0.0/0"])
	count(msgs) == 3
	some msg in msgs
	contains(msg, `spec.ingress[0].from[2].ipBlock.cidr " 0.0.0.0/0" is not a CIDR (address/prefix length), so the sources it admits cannot be judged and the policy fails closed`)
}

# ParseCIDRSloppy accepted leading zeros before Kubernetes 1.36
# (StrictIPCIDRValidation); readers disagree on them, so they fail closed.
test_leading_zeros_denied if {
	every c in ["010.0.0.0/8", "000.000.000.000/0"] {
		msgs := denied([c])
		count(msgs) == 1
		some msg in msgs
		contains(msg, "has leading zeros")
	}
}

test_unreadable_except_denied if {
	obj := netpol({
		"podSelector": {},
		"ingress": [{"from": [{"ipBlock": {"cidr": "8.8.8.0/24", "except": ["8.8.8.0/25", "8.8.8.x/26", 5]}}]}],
	})
	msgs := policy.deny with input as request("CREATE", obj)
	msgs == {
		`NetworkPolicy demo/web: spec.ingress[0].from[0].ipBlock.except[1] "8.8.8.x/26" is not a CIDR (address/prefix length), so the policy fails closed; write a CIDR inside the ipBlock's cidr, such as 203.0.113.0/25`,
		`NetworkPolicy demo/web: spec.ingress[0].from[0].ipBlock.except[2] 5 is not a string, so the policy fails closed; write a CIDR inside the ipBlock's cidr, such as 203.0.113.0/25`,
	}
}

# The union of the peers counts, not each CIDR alone.
test_world_in_pieces_denied if {
	count(denied(["0.0.0.0/1", "128.0.0.0/1"])) == 1
	count(denied([sprintf("%d.0.0.0/4", [16 * i]) | some i in numbers.range(0, 15)])) == 1
	count(denied([sprintf("%d.0.0.0/8", [i]) | some i in numbers.range(1, 200)])) == 1
	count(denied(["2000::/3"])) == 1
	count(denied(["::/1", "8000::/1"])) == 2
	count(denied(["::ffff:0:0/97"])) == 1
	count(denied(["8.0.0.0/8"])) == 1
}

test_pieces_across_rules_denied if {
	obj := netpol({
		"podSelector": {"matchLabels": {"app": "web"}},
		"ingress": [
			{"from": [{"ipBlock": {"cidr": "0.0.0.0/1"}}]},
			{"from": [{"ipBlock": {"cidr": "128.0.0.0/1"}}], "ports": [{"port": 443}]},
		],
	})
	count(policy.deny) == 1 with input as request("CREATE", obj)
}

test_except_of_private_space_still_denied if {
	obj := netpol({
		"podSelector": {"matchLabels": {"app": "web"}},
		"ingress": [{"from": [{"ipBlock": {"cidr": "0.0.0.0/0", "except": ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"]}}]}],
	})
	count(policy.deny) == 1 with input as request("CREATE", obj)
}

excepted(cidr, excepts) := d if {
	obj := netpol({
		"podSelector": {"matchLabels": {"app": "web"}},
		"ingress": [{"from": [{"ipBlock": {"cidr": cidr, "except": excepts}}]}],
	})
	d := policy.deny with input as request("CREATE", obj)
}

# Excepts that really carve the public space down under the bound are allowed.
test_excepts_carving_under_bound_allowed if {
	count(excepted("8.0.0.0/8", [sprintf("8.%d.0.0/9", [128 * i]) | some i in numbers.range(0, 1)])) == 0
	count(excepted("8.8.0.0/15", ["8.9.0.0/16"])) == 0
	count(excepted("8.8.0.0/15", ["8.9.0.0/17"])) == 1
}

test_duplicates_and_overlaps_counted_once if {
	count(denied(["8.8.0.0/16", "8.8.0.0/16", "8.8.8.0/24", "8.8.128.0/17"])) == 0
	count(denied(["8.8.0.0/16", "8.9.0.0/16"])) == 1
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
	obj := netpol({"podSelector": {}, "ingress": [null, "x", {"from": "x"}, {"from": [null, {"ipBlock": null}]}]})
	count(policy.deny) == 0 with input as request("CREATE", obj)
}

test_malformed_ip_block_denied if {
	every block in [{"cidr": 0}, {}, {"cidr": null}, "0.0.0.0/0", ["0.0.0.0/0"]] {
		obj := netpol({"podSelector": {}, "ingress": [{"from": [{"ipBlock": block}]}]})
		count(policy.deny) == 1 with input as request("CREATE", obj)
	}
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

# The legacy minPrefixLength N denied a public /N or broader: it now bounds the
# union at a /(N+1).
test_min_prefix_length_flags_broad_public if {
	cfg := {"networkpolicy": {"minPrefixLength": 16}}
	msgs := denied(["8.8.0.0/16", "1.0.0.0/8", "203.0.113.0/24", "10.0.0.0/8", "172.16.0.0/12", "100.64.0.0/10"]) with data.apiguard.config as cfg
	msgs == {`NetworkPolicy demo/web: the ipBlocks of spec.ingress together admit 16842752 public IPv4 addresses (the size of a /8 or more), more than the bound of one /17 (networkpolicy.publicIngressBound.ipv4); they come from spec.ingress[0].from[0].ipBlock.cidr "8.8.0.0/16", spec.ingress[0].from[1].ipBlock.cidr "1.0.0.0/8". Allow only the client CIDRs that need access, carve out ranges with except, or select the ingress controller with a namespaceSelector/podSelector`}
	count(denied(["8.8.0.0/17"])) == 0 with data.apiguard.config as cfg
	count(denied(["8.8.0.0/17", "8.9.0.0/17"])) == 1 with data.apiguard.config as cfg
}

test_min_prefix_length_world_reported_once if {
	count(denied(["0.0.0.0/0"])) == 1 with data.apiguard.config as {"networkpolicy": {"minPrefixLength": 16}}
}

test_min_prefix_length_applies_to_ipv6_by_default if {
	cfg := {"networkpolicy": {"minPrefixLength": 16}}
	count(denied(["2001::/16", "2001:db8::/32", "fc00::/8"])) == 1 with data.apiguard.config as cfg
	count(denied(["2001::/17", "fc00::/8"])) == 0 with data.apiguard.config as cfg
}

test_min_prefix_length_ipv6_override if {
	cfg := {"networkpolicy": {"minPrefixLength": 8, "minPrefixLengthIPv6": 32}}
	count(denied(["2a00:1450::/32", "2a00:1450::/48", "9.0.0.0/16"])) == 1 with data.apiguard.config as cfg
	count(denied(["2a00:1450::/33", "9.0.0.0/9"])) == 0 with data.apiguard.config as cfg
}

test_ipv4_mapped_uses_ipv4_prefix if {
	cfg := {"networkpolicy": {"minPrefixLength": 16}}
	count(denied(["::ffff:8.8.0.0/112"])) == 1 with data.apiguard.config as cfg
	count(denied(["::ffff:8.8.8.0/120"])) == 0 with data.apiguard.config as cfg
}

# A legacy minPrefixLength at the family width denied every public CIDR: no
# public address at all is allowed.
test_min_prefix_length_full_width_allows_nothing_public if {
	cfg := {"networkpolicy": {"minPrefixLength": 32}}
	msgs := denied(["8.8.8.8/32", "10.0.0.0/8"]) with data.apiguard.config as cfg
	count(msgs) == 1
	some msg in msgs
	contains(msg, "more than the bound of no public addresses (networkpolicy.publicIngressBound.ipv4)")
	count(denied(["10.0.0.0/8"])) == 0 with data.apiguard.config as cfg
}

test_public_ingress_bound if {
	wide := {"networkpolicy": {"publicIngressBound": {"ipv4": 8, "ipv6": 32}}}
	count(denied(["8.0.0.0/8", "2a00:1450::/32"])) == 0 with data.apiguard.config as wide
	count(denied(["8.0.0.0/8", "9.0.0.0/32", "2a00:1450::/31"])) == 2 with data.apiguard.config as wide
	narrow := {"networkpolicy": {"publicIngressBound": {"ipv4": 24}}}
	count(denied(["8.8.8.0/24"])) == 0 with data.apiguard.config as narrow
	count(denied(["8.8.8.0/24", "8.8.9.0/32"])) == 1 with data.apiguard.config as narrow
}

test_public_ingress_bound_wins_over_legacy if {
	cfg := {"networkpolicy": {"publicIngressBound": {"ipv4": 8}, "minPrefixLength": 24}}
	count(denied(["8.0.0.0/8"])) == 0 with data.apiguard.config as cfg
}

test_defaults if {
	count(denied(["8.8.0.0/16"])) == 0
	count(denied(["8.8.0.0/16", "8.9.0.0/32"])) == 1
	count(denied(["2a00:1450:4001::/48"])) == 0
	count(denied(["2a00:1450:4001::/47"])) == 1
}

test_malformed_bound_settings_use_default if {
	every v in ["16", -1, 1.5, 129, null, {"ipv4": 8}] {
		cfg := {"networkpolicy": {"minPrefixLength": v, "minPrefixLengthIPv6": v, "publicIngressBound": {"ipv4": v, "ipv6": v}}}
		count(denied(["8.8.0.0/16", "2a00:1450:4001::/48"])) == 0 with data.apiguard.config as cfg
		count(denied(["8.0.0.0/8"])) == 1 with data.apiguard.config as cfg
	}
	count(denied(["8.0.0.0/8"])) == 1 with data.apiguard.config as {"networkpolicy": {"publicIngressBound": "8"}}
}

# The excepts of an unreadable cidr are still read and reported; a block without
# a cidr is reported as such.
test_unreadable_cidr_and_its_excepts_denied if {
	obj := netpol({
		"podSelector": {},
		"ingress": [{"from": [
			{"ipBlock": {"cidr": "8.8.8.0/33", "except": ["8.8.8.0/25", "8.8.8.x/26"]}},
			{"ipBlock": {"except": ["8.8.8.0/25"]}},
		]}],
	})
	msgs := policy.deny with input as request("CREATE", obj)
	msgs == {
		`NetworkPolicy demo/web: spec.ingress[0].from[0].ipBlock.cidr "8.8.8.0/33" is not a CIDR (address/prefix length), so the sources it admits cannot be judged and the policy fails closed; write a CIDR such as 203.0.113.0/24 or 2001:db8::/48`,
		`NetworkPolicy demo/web: spec.ingress[0].from[0].ipBlock.except[1] "8.8.8.x/26" is not a CIDR (address/prefix length), so the policy fails closed; write a CIDR inside the ipBlock's cidr, such as 203.0.113.0/25`,
		`NetworkPolicy demo/web: spec.ingress[0].from[1].ipBlock.cidr null is not a string, so the sources it admits cannot be judged and the policy fails closed; write a CIDR such as 203.0.113.0/24 or 2001:db8::/48`,
	}
}

# The union is skipped when the readable CIDRs together hold no more addresses
# than the smaller bound: a few client ranges are nothing to measure.
test_small_ranges_skip_the_union if {
	opened := policy.opened with input as request("CREATE", from_cidrs(["8.8.8.0/24", "1.1.1.0/24", "bad"]))
	opened == {"ipv4": 0, "ipv6": 0}
}

# Past that sum the union decides: five copies of one /17 hold more than a /16
# between them, but their union is one /17, within the bound; a /15 is not.
test_overlapping_ranges_are_measured_by_their_union if {
	cidrs := ["8.0.0.0/17", "8.0.0.0/17", "8.0.0.0/17", "8.0.0.0/17", "8.0.0.0/17"]
	opened := policy.opened with input as request("CREATE", from_cidrs(cidrs))
	opened.ipv4 == 32768
	count(denied(cidrs)) == 0
	count(denied(["8.0.0.0/15"])) == 1
}

# A bound configured below the sum still gets the union: two public /24s exceed
# publicIngressBound.ipv4 24 (one /24).
test_skip_follows_the_configured_bound if {
	msgs := policy.deny with input as request("CREATE", from_cidrs(["8.8.8.0/24", "1.1.1.0/24"]))
		with data.apiguard.config.networkpolicy.publicIngressBound.ipv4 as 24
	count(msgs) == 1
}
