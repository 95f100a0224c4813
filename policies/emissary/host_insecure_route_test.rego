package emissary.host_insecure_route_test

import data.emissary.host_insecure_route

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
		"spec": object.union({"hostname": "shop.example.com", "tlsSecret": {"name": "edge-tls"}}, spec),
	},
}}

policy(action) := {"requestPolicy": {"insecure": {"action": action, "additionalPort": 8080}}}

deny_msg := "Host shop/edge: spec.requestPolicy.insecure.action is Route, so cleartext HTTP requests for \"shop.example.com\" are routed to its Mappings and credentials and data cross the network unencrypted; set it to Redirect (the default) or Reject"

test_route_denied if {
	every op in ["CREATE", "UPDATE", "AUDIT"] {
		host_insecure_route.deny == {deny_msg} with input as request(op, policy("Route"))
	}
	count(host_insecure_route.deny) == 1 with input as request("CREATE", {"requestPolicy": {"insecure": {"action": "Route"}}})
}

# irhost.py: the action defaults to Redirect when requestPolicy, insecure or action is
# absent; Reject refuses the request.
test_secure_actions_allowed if {
	count(host_insecure_route.deny) == 0 with input as request("CREATE", policy("Redirect"))
	count(host_insecure_route.deny) == 0 with input as request("CREATE", policy("Reject"))
	count(host_insecure_route.deny) == 0 with input as request("CREATE", {})
	count(host_insecure_route.deny) == 0 with input as request("CREATE", {"requestPolicy": {}})
	count(host_insecure_route.deny) == 0 with input as request("CREATE", {"requestPolicy": {"insecure": {"additionalPort": 8080}}})
}

test_exempt_namespace if {
	count(host_insecure_route.deny) == 0 with input as request("CREATE", policy("Route"))
		with data.apiguard.config as {"emissary": {"insecureRouteNamespaces": ["sho?"]}}
}

test_delete_and_other_group_not_judged if {
	req := request("DELETE", policy("Route"))
	del := json.patch(req, [{"op": "add", "path": "/request/oldObject", "value": req.request.object}])
	count(host_insecure_route.deny) == 0 with input as del
	other := json.patch(request("CREATE", policy("Route")), [{"op": "replace", "path": "/request/kind/group", "value": "example.com"}])
	count(host_insecure_route.deny) == 0 with input as other
}
