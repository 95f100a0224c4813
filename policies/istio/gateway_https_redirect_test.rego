package istio.gateway_https_redirect_test

import data.istio.gateway_https_redirect as g

request(op, group, spec) := {"request": {
	"uid": "1",
	"kind": {"group": group, "version": "v1", "kind": "Gateway"},
	"name": "edge",
	"namespace": "shop",
	"operation": op,
	"object": {
		"apiVersion": sprintf("%s/v1", [group]),
		"kind": "Gateway",
		"metadata": {"name": "edge", "namespace": "shop"},
		"spec": spec,
	},
}}

req(servers) := request("CREATE", "networking.istio.io", {"selector": {"istio": "ingressgateway"}, "servers": servers})

http(hosts) := {"port": {"number": 80, "name": "http", "protocol": "HTTP"}, "hosts": hosts}

https(hosts) := {"port": {"number": 443, "name": "https", "protocol": "HTTPS"}, "hosts": hosts, "tls": {"mode": "SIMPLE", "credentialName": "shop-tls"}}

test_same_host_downgrade_denied if {
	denies := g.deny with input as req([http(["shop.example.com"]), https(["shop.example.com"])])
	denies == {"Gateway shop/edge: spec.servers[0] serves shop.example.com over plain HTTP without tls.httpsRedirect, while this Gateway also serves them over TLS, so clients can be downgraded to clear text and their cookies and credentials read; set spec.servers[0].tls.httpsRedirect: true"}
	count(g.warn) == 0 with input as req([http(["shop.example.com"]), https(["shop.example.com"])])
}

# Host overlap: namespace prefixes, case, "*" and "*.suffix" on either side.
test_overlap_variants_denied if {
	every pair in [
		[["shop/shop.example.com"], ["*/SHOP.example.com"]],
		[["*"], ["shop.example.com"]],
		[["shop.example.com"], ["*"]],
		[["*.example.com"], ["shop.example.com"]],
		[["a.b.example.com"], ["*.example.com"]],
		[["./*"], ["api.example.com"]],
	] {
		count(g.deny) == 1 with input as req([http(pair[0]), https(pair[1])])
	}
	count(g.deny) == 0 with input as req([http(["a.example.com"]), https(["b.example.com"])])
	count(g.deny) == 0 with input as req([http(["example.com"]), https(["*.example.com"])])
}

# Protocols are parsed case-insensitively; h2c and gRPC are plain text too; TLS servers count as HTTPS.
test_protocol_spellings if {
	every p in ["http", "Http", "HTTP2", "http_proxy", "GRPC", "grpc-web"] {
		s := object.union(http(["shop.example.com"]), {"port": {"number": 80, "name": "p", "protocol": p}})
		count(g.deny) == 1 with input as req([s, https(["shop.example.com"])])
	}
	tls := {"port": {"number": 443, "name": "tls", "protocol": "TLS"}, "hosts": ["shop.example.com"], "tls": {"mode": "PASSTHROUGH"}}
	count(g.deny) == 1 with input as req([http(["shop.example.com"]), tls])
}

test_redirect_passes if {
	s := object.union(http(["shop.example.com"]), {"tls": {"httpsRedirect": true}})
	count(g.deny) == 0 with input as req([s, https(["shop.example.com"])])
	count(g.warn) == 0 with input as req([s, https(["shop.example.com"])])
	s2 := object.union(http(["shop.example.com"]), {"tls": {"httpsRedirect": false}})
	count(g.deny) == 1 with input as req([s2, https(["shop.example.com"])])
}

test_plain_only_warned_on_public if {
	warns := g.warn with input as req([http(["shop.example.com"])])
	warns == {"Gateway shop/edge: spec.servers[0] serves a public gateway over plain HTTP without tls.httpsRedirect, so its traffic is readable and modifiable on the network; add an HTTPS server and set tls.httpsRedirect: true here"}
	count(g.deny) == 0 with input as req([http(["shop.example.com"])])
	count(g.warn) == 0 with input as req([http(["shop.example.com"])])
		with data.apiguard.config as {"istio": {"publicGateways": [{"istio": "public-gateway"}]}}
	count(g.warn) == 1 with input as req([http(["shop.example.com"])])
		with data.apiguard.config as {"istio": {"publicGateways": [{"istio": "ingressgateway"}]}}

	# the downgrade is denied on internal gateways too
	count(g.deny) == 1 with input as req([http(["shop.example.com"]), https(["shop.example.com"])])
		with data.apiguard.config as {"istio": {"publicGateways": []}}
}

test_not_judged if {
	spec := {"servers": [http(["shop.example.com"]), https(["shop.example.com"])]}
	count(g.deny) == 0 with input as request("DELETE", "networking.istio.io", spec)
	count(g.deny) == 0 with input as request("CREATE", "gateway.networking.k8s.io", spec)
	count(g.deny) == 1 with input as request("AUDIT", "networking.istio.io", spec)
	count(g.deny) == 0 with input as request("CREATE", "networking.istio.io", spec)
		with data.apiguard.config as {"istio": {"plainHttpNamespaces": ["shop"]}}
}
