package emissary.host_wildcard_test

import data.emissary.host_wildcard

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
		"spec": spec,
	},
}}

deny_msg := "Host shop/edge: spec.hostname is \"*\", which Emissary reads as \"*\", so this Host answers for every domain that reaches the gateway and attaches other teams' Mappings; set spec.hostname to the exact domain it serves"

test_star_denied if {
	every op in ["CREATE", "UPDATE", "AUDIT"] {
		host_wildcard.deny == {deny_msg} with input as request(op, {"hostname": "*"})
	}
}

# irhost.py setup: an absent or empty hostname becomes "*".
test_absent_and_empty_denied if {
	host_wildcard.deny == {"Host shop/edge: spec.hostname is not set, which Emissary reads as \"*\", so this Host answers for every domain that reaches the gateway and attaches other teams' Mappings; set spec.hostname to the exact domain it serves"} with input as request("CREATE", {"tlsSecret": {"name": "edge-tls"}})
	count(host_wildcard.deny) == 1 with input as request("CREATE", {"hostname": ""})
}

test_named_and_bounded_allowed if {
	every h in ["shop.example.com", "*.shop.example.com", "*.example.com"] {
		count(host_wildcard.deny) == 0 with input as request("CREATE", {"hostname": h})
	}
}

test_exempt_namespace if {
	count(host_wildcard.deny) == 0 with input as request("CREATE", {"hostname": "*"})
		with data.apiguard.config as {"emissary": {"wildcardNamespaces": ["shop"]}}
}

test_delete_and_other_group_not_judged if {
	req := request("DELETE", {"hostname": "*"})
	del := json.patch(req, [{"op": "add", "path": "/request/oldObject", "value": req.request.object}])
	count(host_wildcard.deny) == 0 with input as del
	other := json.patch(request("CREATE", {"hostname": "*"}), [{"op": "replace", "path": "/request/kind/group", "value": "example.com"}])
	count(host_wildcard.deny) == 0 with input as other
}
