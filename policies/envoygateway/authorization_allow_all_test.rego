package envoygateway.authorization_allow_all_test

import data.envoygateway.authorization_allow_all as policy
import data.lib.net

request(operation, group, spec) := {"request": {
	"uid": "1",
	"kind": {"group": group, "version": "v1alpha1", "kind": "SecurityPolicy"},
	"name": "api",
	"namespace": "shop",
	"operation": operation,
	"object": {
		"apiVersion": concat("/", [group, "v1alpha1"]),
		"kind": "SecurityPolicy",
		"metadata": {"name": "api", "namespace": "shop"},
		"spec": spec,
	},
}}

create(auth) := request("CREATE", "gateway.envoyproxy.io", spec(auth))

spec(auth) := {
	"targetRefs": [{"group": "gateway.networking.k8s.io", "kind": "HTTPRoute", "name": "api"}],
	"authorization": auth,
}

allow(cidrs) := {"action": "Allow", "principal": {"clientCIDRs": cidrs}}

deny_rule := {"action": "Deny", "principal": {"clientCIDRs": ["198.51.100.0/24"]}}

denied(auth) := n if {
	n := count(policy.deny) with input as create(auth)
}

warned(auth) := n if {
	n := count(policy.warn) with input as create(auth)
}

# authorization_types.go: defaultAction unset is Deny; rules first match.
test_restricted_policies_allowed if {
	every auth in [
		{"rules": [allow(["10.0.0.0/8", "203.0.113.0/24"])]},
		{"defaultAction": "Deny", "rules": [allow(["2001:db8::/32", "192.168.0.0/16"])]},
		{"defaultAction": "Allow", "rules": [deny_rule]},
		{},
		{"rules": []},
		# A public /8 is exactly the default bound: allowed.
		{"rules": [allow(["11.0.0.0/8"])]},
	] {
		denied(auth) == 0
		warned(auth) == 0
	}
}

test_default_allow_without_deny_rule_denied if {
	policy.deny == {"SecurityPolicy shop/api: spec.authorization.defaultAction is Allow and no rule has action Deny, so every request is allowed; leave defaultAction unset (Deny) and add Allow rules for the clients that need access"} with input as create({"defaultAction": "Allow"})
	denied({"defaultAction": "Allow", "rules": []}) == 1
	denied({"defaultAction": "Allow", "rules": [allow(["10.0.0.0/8"])]}) == 1
}

# Attacker spellings of "the whole internet": lib.net unions them.
test_world_cidrs_denied if {
	every cidrs in [
		["0.0.0.0/0"],
		["::/0"],
		["0.0.0.0/1", "128.0.0.0/1"],
		["10.0.0.0/8", "0.0.0.0/0"],
		["::ffff:0.0.0.0/96"],
		["2000::/3"],
		["1.2.3.4/0"],
		["0.0.0.0/2", "64.0.0.0/2", "128.0.0.0/2", "192.0.0.0/2"],
		["11.0.0.0/8", "12.0.0.0/8"],
		# Go's net.ParseCIDR (helpers.go parseCIDR) reads a zero-padded prefix length.
		["0.0.0.0/00"],
		["0::0/0"],
	] {
		denied({"rules": [allow(cidrs)]}) >= 1
	}
}

test_world_message if {
	denies := policy.deny with input as create({"rules": [allow(["0.0.0.0/0"])]})
	denies == {"SecurityPolicy shop/api: the principal.clientCIDRs of the Allow rule(s) spec.authorization.rules[0] together admit 3702258944 public IPv4 addresses (a /1 or more), more than one /8 (envoyGateway.clientCIDRBound.ipv4), so practically any internet client is allowed; list only the client CIDRs that need access, or require principal.jwt or headers in the same rule"}
}

# Split across two Allow rules: first match wins, so together they admit everyone.
test_world_split_across_rules_denied if {
	denied({"rules": [allow(["0.0.0.0/1"]), deny_rule, allow(["128.0.0.0/1"])]}) == 1
}

# Principal members are ANDed: a JWT claim or header narrows a world CIDR.
test_world_with_other_principal_allowed if {
	every rule in [
		{"action": "Allow", "principal": {"clientCIDRs": ["0.0.0.0/0"], "jwt": {"provider": "idp", "claims": [{"name": "sub", "values": ["a"]}]}}},
		{"action": "Allow", "principal": {"clientCIDRs": ["0.0.0.0/0"], "headers": [{"name": "x-key", "values": ["k"]}]}},
		{"action": "Allow", "principal": {"clientCIDRs": ["0.0.0.0/0"], "clientIPGeoLocations": [{"country": "US"}]}},
		{"action": "Allow", "principal": {"clientCIDRs": ["0.0.0.0/0"]}, "cel": "request.headers['x-key'] == 'k'"},
		{"action": "Deny", "principal": {"clientCIDRs": ["0.0.0.0/0"]}},
	] {
		denied({"rules": [rule]}) == 0
	}
}

# A constant-true cel matches every request (the rule needs principal or cel).
test_constant_true_cel_denied if {
	every cel in ["true", " (true) ", "!false"] {
		denied({"rules": [{"action": "Allow", "cel": cel}]}) == 1
	}
	denied({"rules": [{"action": "Allow", "cel": "true", "principal": {"clientCIDRs": ["0.0.0.0/0"]}}]}) == 1
	denied({"rules": [{"action": "Allow", "cel": "true", "principal": {"clientCIDRs": ["10.0.0.0/8"]}}]}) == 0
}

# operation.path narrows to a public endpoint: warned; catch-alls and invert do not narrow.
test_path_narrowed_world_warned if {
	auth := {"rules": [object.union(allow(["0.0.0.0/0"]), {"operation": {"path": {"type": "Exact", "value": "/healthz"}}})]}
	denied(auth) == 0
	policy.warn == {"SecurityPolicy shop/api: spec.authorization.rules[0] allows every client (or more public space than envoyGateway.clientCIDRBound) on path \"/healthz\", so that path is public; make sure it is meant to be, or require principal.jwt or headers"} with input as create(auth)
	every path in [
		{"type": "PathPrefix", "value": "/"},
		{"value": "/"},
		{"type": "RegularExpression", "value": ".*"},
		{"type": "Exact", "value": "/healthz", "invert": true},
	] {
		denied({"rules": [object.union(allow(["0.0.0.0/0"]), {"operation": {"path": path}})]}) == 1
	}
	denied({"rules": [object.union(allow(["0.0.0.0/0"]), {"operation": {"methods": ["GET"]}})]}) == 1
	warned({"rules": [object.union(allow(["10.0.0.0/8"]), {"operation": {"path": {"value": "/public"}}})]}) == 0
}

# Unparsable CIDRs (the CRD's CIDR pattern is not anchored, so these are admitted):
# net.ParseCIDR fails, Envoy Gateway answers 500 on the policy's routes, nothing is opened.
test_unreadable_cidr_skipped if {
	denied({"rules": [allow(["0.0.0.0/0x", "not-a-cidr", "0.0.0.0/0 ", "x0.0.0.0/0"])]}) == 0
}

test_bound_configurable if {
	denied({"rules": [allow(["11.0.0.0/8"])]}) == 1 with data.apiguard.config as {"envoyGateway": {"clientCIDRBound": {"ipv4": 16}}}
	denied({"rules": [allow(["12.0.0.0/7"])]}) == 0 with data.apiguard.config as {"envoyGateway": {"clientCIDRBound": {"ipv4": 4}}}
	denied({"rules": [allow(["2001:4860::/32"])]}) == 0
	denied({"rules": [allow(["2001:4860::/32"])]}) == 1 with data.apiguard.config as {"envoyGateway": {"clientCIDRBound": {"ipv6": 48}}}
	denied({"rules": [allow(["12.0.0.0/7"])]}) == 1 with data.apiguard.config as {"envoyGateway": {"clientCIDRBound": {"ipv4": "4"}}}
}

test_exempt_namespace if {
	count(policy.deny) == 0 with input as create({"defaultAction": "Allow"})
		with data.apiguard.config as {"envoyGateway": {"allowAllNamespaces": ["shop"]}}
}

test_delete_and_other_group_not_judged if {
	count(policy.deny) == 0 with input as request("DELETE", "gateway.envoyproxy.io", spec({"defaultAction": "Allow"}))
	count(policy.deny) == 0 with input as request("CREATE", "tyk.tyk.io", spec({"defaultAction": "Allow"}))
	count(policy.deny) == 1 with input as request("UPDATE", "gateway.envoyproxy.io", spec({"defaultAction": "Allow"}))
}

# The per-rule world check asks lib.net only when a rule's CIDRs could add up to more
# than a bound (issue 19). The shortcut decides as lib.net does: whenever it holds, the
# union is within both bounds, and a narrowed rule is warned exactly when lib.net's
# union exceeds one.
test_within_bounds_agrees_with_union if {
	lists := [
		[], ["11.0.0.0/8"], ["11.0.0.0/7"], ["11.0.0.0/9", "11.128.0.0/9"],
		["11.0.0.0/9", "11.128.0.0/9", "12.0.0.0/9"], ["10.0.0.0/8", "192.168.0.0/16"],
		["0.0.0.0/00"], ["0.0.0.0/0"], ["0.0.0.0/1", "128.0.0.0/1"], ["8.8.8.8/32"],
		["::/0"], ["::ffff:0.0.0.0/96"], ["::ffff:11.0.0.0/104"], ["::ffff:11.0.0.0/103"],
		["64:ff9b::/96"], ["64:ff9b::b00:0/104"], ["2001:4860::/24"], ["2001:4860::/23"],
		["2001:4860::/25", "2001:4861::/25"], ["2001:4860::/25", "2001:4861::/25", "2001:4862::/25"],
		["2a01:1::/48", "11.1.0.0/24"], ["0.0.0.0/0 ", "x0.0.0.0/0", "1.2.3.4/33", "::/129"],
		["0064:ff9b::/96"], ["64:FF9B::/96"], ["0:0:0:0:0:ffff:0:0/96"], ["::ffff:0:0/96"],
		["2a01::/15"], ["2a01::/16"], ["0100::/16"], ["2001:db8::/32"], ["fc00::/7"],
	]
	every l in lists {
		shortcut_sound(l)
		warned_as_union(l)
	}
	policy.within_bounds(["11.0.0.0/8"])
	policy.within_bounds(["2a01:1::/48", "11.1.0.0/24"])
	not policy.within_bounds(["11.0.0.0/9", "11.128.0.0/9", "12.0.0.0/9"])
	not policy.within_bounds(["0.0.0.0/00"])
	not policy.within_bounds(["::ffff:0.0.0.0/96"])
	not policy.within_bounds(["0064:ff9b::/96"])
	not policy.within_bounds(["::ffff:0:0/96"])
	policy.within_bounds(["2a01:1::/48"])
}

shortcut_sound(l) if not policy.within_bounds(l)

shortcut_sound(l) if {
	policy.within_bounds(l)
	not union_exceeds(l)
}

union_exceeds(l) if {
	open := net.open_public([{"cidr": c, "except": []} | some c in l])
	some f in policy.families
	open[f.key] > f.max
}

narrowed_allow(l) := object.union(allow(l), {"operation": {"path": {"type": "PathPrefix", "value": "/public"}}})

warned_as_union(l) if {
	count(l) > 0
	union_exceeds(l)
	warned({"rules": [narrowed_allow(l)]}) == 1
}

warned_as_union(l) if {
	count(l) > 0
	not union_exceeds(l)
	warned({"rules": [narrowed_allow(l)]}) == 0
}

warned_as_union([])

test_ceil_log2 if {
	[policy.ceil_log2(k) | some k in [0, 1, 2, 3, 4, 5, 8, 9, 1000]] == [0, 0, 1, 2, 2, 3, 3, 4, 10]
}
