package istio.gateway_wildcard_host_test

import data.istio.gateway_wildcard_host as g

request(op, group, spec) := {"request": {
	"uid": "1",
	"kind": {"group": group, "version": "v1beta1", "kind": "Gateway"},
	"name": "edge",
	"namespace": "istio-ingress",
	"operation": op,
	"object": {
		"apiVersion": sprintf("%s/v1beta1", [group]),
		"kind": "Gateway",
		"metadata": {"name": "edge", "namespace": "istio-ingress"},
		"spec": spec,
	},
}}

spec(selector, hosts) := {"selector": selector, "servers": [{"port": {"number": 443, "name": "https", "protocol": "HTTPS"}, "hosts": hosts, "tls": {"mode": "SIMPLE", "credentialName": "c"}}]}

req(hosts) := request("CREATE", "networking.istio.io", spec({"istio": "ingressgateway"}, hosts))

test_star_denied if {
	denies := g.deny with input as req(["*"])
	denies == {"Gateway istio-ingress/edge: spec.servers[0].hosts contains \"*\" on a public gateway, so it accepts every host name and any bound VirtualService can take any team's traffic; list the host names it serves, for example \"shop/shop.example.com\""}
}

test_variants if {
	every h in ["*/*", "./*", "shop/*", "*"] {
		count(g.deny) == 1 with input as req(["shop/shop.example.com", h])
	}
	every h in ["shop/shop.example.com", "*/shop.example.com", "*.example.com", "./api.example.com"] {
		count(g.deny) == 0 with input as req([h])
	}
}

# publicGateways: label maps; a Gateway is public when its selector could select the same pods.
test_public_gateways if {
	cfg := {"istio": {"publicGateways": [{"istio": "ingressgateway"}]}}
	count(g.deny) == 1 with input as req(["*"]) with data.apiguard.config as cfg
	internal := request("CREATE", "networking.istio.io", spec({"istio": "internal-gateway"}, ["*"]))
	count(g.deny) == 0 with input as internal with data.apiguard.config as cfg
	count(g.deny) == 1 with input as internal

	# no selector: every gateway workload
	nosel := request("CREATE", "networking.istio.io", object.remove(spec({}, ["*"]), ["selector"]))
	count(g.deny) == 1 with input as nosel with data.apiguard.config as cfg

	# an empty list: no public gateway
	count(g.deny) == 0 with input as req(["*"]) with data.apiguard.config as {"istio": {"publicGateways": []}}
}

test_not_judged if {
	count(g.deny) == 0 with input as request("DELETE", "networking.istio.io", spec({}, ["*"]))
	count(g.deny) == 0 with input as request("CREATE", "gateway.networking.k8s.io", spec({}, ["*"]))
	count(g.deny) == 1 with input as request("UPDATE", "networking.istio.io", spec({}, ["*"]))
	count(g.deny) == 0 with input as req(["*"]) with data.apiguard.config as {"istio": {"wildcardHostNamespaces": ["istio-*"]}}
}
