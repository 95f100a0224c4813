package istio.vs_wildcard_host_test

import data.istio.vs_wildcard_host as v

request(op, group, spec) := {"request": {
	"uid": "1",
	"kind": {"group": group, "version": "v1", "kind": "VirtualService"},
	"name": "catch-all",
	"namespace": "shop",
	"operation": op,
	"object": {
		"apiVersion": sprintf("%s/v1", [group]),
		"kind": "VirtualService",
		"metadata": {"name": "catch-all", "namespace": "shop"},
		"spec": spec,
	},
}}

route := [{"route": [{"destination": {"host": "web"}}]}]

req(hosts, gateways) := request("CREATE", "networking.istio.io", {"hosts": hosts, "gateways": gateways, "http": route})

test_star_on_gateway_denied if {
	denies := v.deny with input as req(["*"], ["istio-ingress/edge"])
	denies == {"VirtualService shop/catch-all: spec.hosts contains \"*\" and spec.gateways binds it to \"istio-ingress/edge\", so it takes every host name those gateways accept, other teams' included; list the host names it serves instead"}

	# mesh plus a gateway is bound to the gateway too
	count(v.deny) == 1 with input as req(["shop.example.com", "*"], ["mesh", "edge"])
}

# getGatewayNames: no gateways means ["mesh"]; match gateways only narrow a bound VS.
test_mesh_only_passes if {
	count(v.deny) == 0 with input as req(["*"], ["mesh"])
	count(v.deny) == 0 with input as request("CREATE", "networking.istio.io", {"hosts": ["*"], "http": route})
	count(v.deny) == 0 with input as request("CREATE", "networking.istio.io", {"hosts": ["*"], "http": [{"match": [{"gateways": ["edge"]}], "route": [{"destination": {"host": "web"}}]}]})
	count(v.deny) == 0 with input as req(["shop.example.com"], ["edge"])
	count(v.deny) == 0 with input as req(["*.example.com"], ["edge"])
}

test_not_judged if {
	spec := {"hosts": ["*"], "gateways": ["edge"], "http": route}
	count(v.deny) == 0 with input as request("DELETE", "networking.istio.io", spec)
	count(v.deny) == 0 with input as request("CREATE", "networking.example.io", spec)
	count(v.deny) == 1 with input as request("AUDIT", "networking.istio.io", spec)
	count(v.deny) == 0 with input as request("CREATE", "networking.istio.io", spec)
		with data.apiguard.config as {"istio": {"wildcardHostNamespaces": ["shop"]}}
}
