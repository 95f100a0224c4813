package kong.ip_restriction_world_test

import data.kong.ip_restriction_world

request(operation, obj) := {"request": {
	"kind": {"group": "configuration.konghq.com", "version": "v1", "kind": "KongPlugin"},
	"name": "ips",
	"namespace": "shop",
	"operation": operation,
	"object": object.union({"apiVersion": "configuration.konghq.com/v1", "kind": "KongPlugin", "metadata": {"name": "ips", "namespace": "shop"}, "plugin": "ip-restriction"}, obj),
}}

allow(list) := request("CREATE", {"config": {"allow": list}})

test_world_warned if {
	ip_restriction_world.warn == {"KongPlugin shop/ips: ip-restriction config.allow (0.0.0.0/0) admits every public IPv4 address, so it restricts nothing; list only the client networks that need access"} with input as allow(["0.0.0.0/0"])
	count(ip_restriction_world.warn) == 1 with input as request("AUDIT", {"config": {"allow": ["0.0.0.0/0"]}})
}

# The union counts, in any spelling lib.net reads: halves, host bits set, the IPv6
# world in halves. Families are judged apart, by notation (Kong's matcher compares
# an IPv4 client with IPv4 entries only).
test_world_spellings if {
	count(ip_restriction_world.warn) == 1 with input as allow(["0.0.0.0/1", "128.0.0.0/1"])
	count(ip_restriction_world.warn) == 1 with input as allow(["10.0.0.0/8", "1.2.3.4/0"])
	ip_restriction_world.warn == {"KongPlugin shop/ips: ip-restriction config.allow (::/0) admits every public IPv6 address, so it restricts nothing; list only the client networks that need access"} with input as allow(["::/0"])
	count(ip_restriction_world.warn) == 1 with input as allow(["::/1", "8000::/1"])
	count(ip_restriction_world.warn) == 2 with input as allow(["0.0.0.0/0", "::/0"])
	count(ip_restriction_world.warn) == 0 with input as allow(["::ffff:0:0/96"])
}

test_narrow_allowed if {
	count(ip_restriction_world.warn) == 0 with input as allow(["203.0.113.0/24", "198.51.100.7", "2001:db8::/32"])
	count(ip_restriction_world.warn) == 0 with input as allow(["0.0.0.0/1"])
	count(ip_restriction_world.warn) == 0 with input as allow(["0.0.0.0"])
	count(ip_restriction_world.warn) == 0 with input as allow(["not-a-cidr/8"])
	count(ip_restriction_world.warn) == 0 with input as request("CREATE", {"config": {"deny": ["0.0.0.0/0"]}})
}

test_hidden_allow_warned if {
	count(ip_restriction_world.warn) == 1 with input as request("CREATE", {"configFrom": {"secretKeyRef": {"name": "i", "key": "i"}}})
	count(ip_restriction_world.warn) == 1 with input as request("CREATE", {"configPatches": [{"path": "/allow/-", "valueFrom": {"secretKeyRef": {"name": "i", "key": "i"}}}]})
}

test_disabled_delete_other_group_not_judged if {
	count(ip_restriction_world.warn) == 0 with input as request("CREATE", {"disabled": true, "config": {"allow": ["0.0.0.0/0"]}})
	r := allow(["0.0.0.0/0"])
	del := json.patch(r, [{"op": "replace", "path": "/request/operation", "value": "DELETE"}, {"op": "add", "path": "/request/oldObject", "value": r.request.object}, {"op": "remove", "path": "/request/object"}])
	count(ip_restriction_world.warn) == 0 with input as del
	count(ip_restriction_world.warn) == 0 with input as json.patch(r, [{"op": "replace", "path": "/request/kind/group", "value": "example.com"}])
	count(ip_restriction_world.warn) == 0 with input as json.patch(r, [{"op": "replace", "path": "/request/object/plugin", "value": "ip-restriction-advanced"}])
}
