package istio.gateway_tls_test

import data.istio.gateway_tls as g

request(op, group, servers) := {"request": {
	"uid": "1",
	"kind": {"group": group, "version": "v1alpha3", "kind": "Gateway"},
	"name": "edge",
	"namespace": "shop",
	"operation": op,
	"object": {
		"apiVersion": sprintf("%s/v1alpha3", [group]),
		"kind": "Gateway",
		"metadata": {"name": "edge", "namespace": "shop"},
		"spec": {"selector": {"istio": "ingressgateway"}, "servers": servers},
	},
}}

server(protocol, tls) := {"port": {"number": 443, "name": "s", "protocol": protocol}, "hosts": ["shop.example.com"], "tls": tls}

req(tls) := request("CREATE", "networking.istio.io", [server("HTTPS", object.union({"mode": "SIMPLE", "credentialName": "c"}, tls))])

test_old_versions_denied if {
	denies := g.deny with input as req({"minProtocolVersion": "TLSV1_0"})
	denies == {"Gateway shop/edge: spec.servers[0].tls.minProtocolVersion is TLSV1_0, so clients can connect with a deprecated TLS version open to downgrade and known attacks; use TLSV1_2 or later"}
	count(g.deny) == 1 with input as req({"minProtocolVersion": "TLSV1_1"})
	count(g.deny) == 1 with input as req({"maxProtocolVersion": "TLSV1_1"})
	count(g.deny) == 2 with input as req({"minProtocolVersion": "TLSV1_0", "maxProtocolVersion": "TLSV1_1"})
}

# TLS_AUTO and no minimum are TLS 1.2 (gateway.proto).
test_modern_pass if {
	every tls in [{}, {"minProtocolVersion": "TLS_AUTO"}, {"minProtocolVersion": "TLSV1_2"}, {"minProtocolVersion": "TLSV1_3", "maxProtocolVersion": "TLS_AUTO"}] {
		count(g.deny) == 0 with input as req(tls)
	}
}

test_insecure_skip_verify if {
	denies := g.deny with input as req({"mode": "MUTUAL", "insecureSkipVerify": true})
	denies == {"Gateway shop/edge: spec.servers[0].tls.insecureSkipVerify is true, so connections are let through even when the client certificate fails validation; remove it"}
	count(g.deny) == 0 with input as req({"mode": "MUTUAL", "insecureSkipVerify": false})
}

# Passthrough and plain servers do not terminate TLS; TLS servers do.
test_scope if {
	count(g.deny) == 0 with input as request("CREATE", "networking.istio.io", [server("TLS", {"mode": "PASSTHROUGH", "minProtocolVersion": "TLSV1_0"})])
	count(g.deny) == 0 with input as request("CREATE", "networking.istio.io", [server("TLS", {"mode": "AUTO_PASSTHROUGH", "minProtocolVersion": "TLSV1_0"})])
	count(g.deny) == 1 with input as request("CREATE", "networking.istio.io", [server("TLS", {"mode": "SIMPLE", "credentialName": "c", "minProtocolVersion": "TLSV1_0"})])
	count(g.deny) == 1 with input as request("CREATE", "networking.istio.io", [server("https", {"credentialName": "c", "minProtocolVersion": "TLSV1_1"})])
	count(g.deny) == 0 with input as request("CREATE", "networking.istio.io", [server("HTTP", {"httpsRedirect": true, "minProtocolVersion": "TLSV1_0"})])
	count(g.deny) == 0 with input as request("DELETE", "networking.istio.io", [server("HTTPS", {"minProtocolVersion": "TLSV1_0"})])
	count(g.deny) == 0 with input as request("CREATE", "gateway.networking.k8s.io", [server("HTTPS", {"minProtocolVersion": "TLSV1_0"})])
}

# Among many servers (terminating is one object comprehension, issue 19), each finding
# names its own server: plain HTTP and passthrough servers are skipped.
test_many_servers_indexed if {
	servers := [s |
		some i in numbers.range(0, 39)
		s := server_at(i)
	]
	denies := g.deny with input as request("CREATE", "networking.istio.io", servers)
	denies == {
		"Gateway shop/edge: spec.servers[5].tls.minProtocolVersion is TLSV1_1, so clients can connect with a deprecated TLS version open to downgrade and known attacks; use TLSV1_2 or later",
		"Gateway shop/edge: spec.servers[35].tls.minProtocolVersion is TLSV1_1, so clients can connect with a deprecated TLS version open to downgrade and known attacks; use TLSV1_2 or later",
	}
}

server_at(i) := server("HTTPS", {"mode": "SIMPLE", "credentialName": "c", "minProtocolVersion": "TLSV1_1"}) if i % 30 == 5

else := server("TLS", {"mode": "PASSTHROUGH", "minProtocolVersion": "TLSV1_0"}) if i % 10 == 3

else := object.union(server("HTTP", {}), {"tls": {"minProtocolVersion": "TLSV1_0"}}) if i % 10 == 7

else := server("HTTPS", {"mode": "SIMPLE", "credentialName": "c", "minProtocolVersion": "TLSV1_2"})
