package traefik.ip_allow_list_test

import data.traefik.ip_allow_list as policy

req(kind, op, spec) := {"request": {
	"uid": "1",
	"kind": {"group": "traefik.io", "version": "v1alpha1", "kind": kind},
	"name": "allow",
	"namespace": "shop",
	"operation": op,
	"object": {"apiVersion": "traefik.io/v1alpha1", "kind": kind, "metadata": {"name": "allow", "namespace": "shop"}, "spec": spec},
}}

allow(ranges) := {"ipAllowList": {"sourceRange": ranges}}

warned(ranges) if count(policy.warn) == 1 with input as req("Middleware", "CREATE", allow(ranges))

test_world_warned if {
	policy.warn == {"Middleware shop/allow: spec.ipAllowList.sourceRange admits every public IPv4 address, so the allow list lets the whole internet in; list only the client ranges that need access"} with input as req("Middleware", "CREATE", allow(["0.0.0.0/0"]))
	count(policy.warn) == 1 with input as req("Middleware", "AUDIT", allow(["0.0.0.0/0"]))
}

# Unions that amount to the world (lib.net), IPv6, and ::/0 (IPv4-mapped included).
test_world_variants_warned if {
	every r in [
		["0.0.0.0/1", "128.0.0.0/1"],
		["::/0"],
		["10.0.0.0/8", "0.0.0.0/0"],
		["2000::/3"],
		["::ffff:0.0.0.0/96"],
		["0.0.0.0/2", "64.0.0.0/2", "128.0.0.0/2", "192.0.0.0/2"],
	] {
		warned(r)
	}
}

test_restricted_allowed if {
	every r in [["10.0.0.0/8"], ["192.168.1.7"], ["203.0.113.0/24", "2001:db8::/32"], ["0.0.0.0/1"], []] {
		count(policy.warn) == 0 with input as req("Middleware", "CREATE", allow(r))
	}
}

# The deprecated ipWhiteList is still read, and MiddlewareTCP has its own allow list.
test_whitelist_and_tcp if {
	count(policy.warn) == 1 with input as req("Middleware", "CREATE", {"ipWhiteList": {"sourceRange": ["0.0.0.0/0"]}})
	count(policy.warn) == 1 with input as req("MiddlewareTCP", "CREATE", allow(["::/0"]))
}

test_depth_warned if {
	count(policy.warn) == 1 with input as req("Middleware", "CREATE", {"ipAllowList": {"sourceRange": ["10.0.0.0/8"], "ipStrategy": {"depth": 1}}})
	count(policy.warn) == 0 with input as req("Middleware", "CREATE", {"ipAllowList": {"sourceRange": ["10.0.0.0/8"], "ipStrategy": {"depth": 1}}})
		with data.apiguard.config as {"traefik": {"trustedProxyHops": 1}}
	count(policy.warn) == 1 with input as req("Middleware", "CREATE", {"ipAllowList": {"sourceRange": ["10.0.0.0/8"], "ipStrategy": {"depth": 2}}})
		with data.apiguard.config as {"traefik": {"trustedProxyHops": 1}}

	# depth 0 is the remote address (IPStrategy.Get: `if s.Depth > 0`).
	count(policy.warn) == 0 with input as req("Middleware", "CREATE", {"ipAllowList": {"sourceRange": ["10.0.0.0/8"], "ipStrategy": {"depth": 0}}})
}

test_excluded_ips_warned if {
	count(policy.warn) == 1 with input as req("Middleware", "CREATE", {"ipAllowList": {"sourceRange": ["10.0.0.0/8"], "ipStrategy": {"excludedIPs": ["10.0.0.1"]}}})
	count(policy.warn) == 0 with input as req("Middleware", "CREATE", {"ipAllowList": {"sourceRange": ["10.0.0.0/8"], "ipStrategy": {"excludedIPs": ["10.0.0.1"]}}})
		with data.apiguard.config as {"traefik": {"trustedProxyHops": 1}}
}

test_not_judged if {
	count(policy.warn) == 0 with input as req("Middleware", "DELETE", allow(["0.0.0.0/0"]))
	count(policy.warn) == 0 with input as json.patch(req("Middleware", "CREATE", allow(["0.0.0.0/0"])), [{"op": "replace", "path": "/request/kind/group", "value": "traefik.containo.us"}])
	count(policy.warn) == 0 with input as req("Middleware", "CREATE", allow(["0.0.0.0/0"]))
		with data.apiguard.config as {"traefik": {"ipAllowListNamespaces": ["shop"]}}
}
