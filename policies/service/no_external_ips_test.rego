package service.no_external_ips_test

import data.service.no_external_ips as policy

service(spec) := {
	"apiVersion": "v1",
	"kind": "Service",
	"metadata": {"name": "web", "namespace": "demo"},
	"spec": spec,
}

request(operation, obj) := {"request": {
	"uid": "1",
	"kind": {"group": "", "version": "v1", "kind": "Service"},
	"name": "web",
	"namespace": "demo",
	"operation": operation,
	"object": obj,
}}

with_ips := service({"ports": [{"port": 80}], "externalIPs": ["203.0.113.10", "2001:db8::1"]})

test_no_external_ips_allowed if {
	count(policy.deny) == 0 with input as request("CREATE", service({"ports": [{"port": 80}]}))
	count(policy.deny) == 0 with input as request("CREATE", service({"ports": [{"port": 80}], "externalIPs": []}))
	count(policy.deny) == 0 with input as request("CREATE", service({"ports": [{"port": 80}], "externalIPs": null}))
}

test_one_message_per_ip if {
	msgs := policy.deny with input as request("CREATE", with_ips)
	count(msgs) == 2
	every msg in msgs {
		startswith(msg, "Service demo/web: spec.externalIPs contains ")
		contains(msg, "remove spec.externalIPs")
	}
	some msg in msgs
	contains(msg, "203.0.113.10")
}

test_update_and_audit_denied if {
	count(policy.deny) == 2 with input as request("UPDATE", with_ips)
	count(policy.deny) == 2 with input as request("AUDIT", with_ips)
}

test_delete_never_denied if {
	req := {"request": {
		"kind": {"group": "", "version": "v1", "kind": "Service"},
		"name": "web",
		"namespace": "demo",
		"operation": "DELETE",
		"object": null,
		"oldObject": with_ips,
	}}
	count(policy.deny) == 0 with input as req
}

test_other_kind_ignored if {
	req := json.patch(request("CREATE", with_ips), [{
		"op": "replace",
		"path": "/request/kind",
		"value": {"group": "apps", "version": "v1", "kind": "Deployment"},
	}])
	count(policy.deny) == 0 with input as req
}

test_exempt_namespace if {
	count(policy.deny) == 0 with input as request("CREATE", with_ips)
		with data.apiguard.config as {"service": {"externalIPNamespaces": ["demo"]}}
	count(policy.deny) == 2 with input as request("CREATE", with_ips)
		with data.apiguard.config as {"service": {"externalIPNamespaces": ["kube-*"]}}
}

test_malformed_namespaces_no_exemption if {
	count(policy.deny) == 2 with input as request("CREATE", with_ips)
		with data.apiguard.config as {"service": {"externalIPNamespaces": "demo"}}
}

allow(list) := {"service": {"allowedExternalIPs": list}}

ips(list) := service({"ports": [{"port": 80}], "externalIPs": list})

test_allow_list if {
	count(policy.deny) == 0 with input as request("CREATE", ips(["203.0.113.10", "203.0.113.200"])) with data.apiguard.config as allow(["203.0.113.0/24"])
	count(policy.deny) == 0 with input as request("CREATE", ips(["203.0.113.0"])) with data.apiguard.config as allow(["203.0.113.0"])
	count(policy.deny) == 0 with input as request("CREATE", ips(["2001:db8::10"])) with data.apiguard.config as allow(["2001:db8::/64"])

	# IPv4-mapped IPv6 is the IPv4 address to kube-proxy (Go's To4).
	count(policy.deny) == 0 with input as request("CREATE", ips(["::ffff:203.0.113.10"])) with data.apiguard.config as allow(["203.0.113.0/24"])
	msgs := policy.deny with input as request("CREATE", ips(["203.0.113.10", "1.1.1.1"])) with data.apiguard.config as allow(["203.0.113.0/24"])
	count(msgs) == 1
	some msg in msgs
	contains(msg, "1.1.1.1")
	contains(msg, "is not in service.allowedExternalIPs (203.0.113.0/24)")
}

test_allow_list_edges if {
	# Just outside the range, another family, an IPv4-mapped IPv6 spelling.
	# Leading zeros: decimal to ParseIPSloppy, octal to inet_aton; never allowed.
	every ip in ["203.0.114.0", "203.0.112.255", "::ffff:203.0.114.10", "2001:db9::1", "not-an-ip", "203.000.113.010"] {
		count(policy.deny) == 1 with input as request("CREATE", ips([ip])) with data.apiguard.config as allow(["203.0.113.0/24", "2001:db8::/32"])
	}
}

test_malformed_allow_list_allows_nothing if {
	every cfg in [allow("203.0.113.0/24"), allow(["203.0.113.0/24", 5]), allow(["203.0.113.0/33"]), allow(["example.com"])] {
		count(policy.deny) == 1 with input as request("CREATE", ips(["203.0.113.10"])) with data.apiguard.config as cfg
	}
}
