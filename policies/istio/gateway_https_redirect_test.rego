package istio.gateway_https_redirect_test

import data.istio.gateway_https_redirect as g
import data.lib.istio

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

# The set lookups (issue 19: no scan of every TLS host per plain host) decide exactly
# as istio.hosts_overlap on every pair: equal names, "*" either side, wildcards
# either side, a wildcard never covering its own base name, trailing and doubled
# dots, a leading dot, a suffix that is not at a label boundary, non-ASCII names.
test_overlap_lookups_agree_with_pairwise_definition if {
	names := [
		"shop.example.com", "SHOP.example.com", "*", "*.example.com", "*.shop.example.com",
		"a.shop.example.com", "example.com", "*.com", "com", "xexample.com", "*.xexample.com",
		"shop.example.com.", "*.", "a..example.com", "*..example.com", ".example.com",
		"bücher.example.com", "*.bücher.example.com", "localhost", "*.localhost",
		long_name, concat("", ["*.", long_name]),
	]
	every a in names {
		every t in names {
			looked_up(a, t) == pairwise(a, t)
		}
	}
}

looked_up(a, t) if {
	g.overlaps_tls(0) with input as req([http([a]), https([t])])
} else := false

pairwise(a, t) if {
	istio.hosts_overlap(istio.server_dns(a), istio.server_dns(t))
} else := false

# One plain server among many TLS servers: only the overlapping hosts are named.
test_many_servers if {
	tls := array.concat(
		[https([sprintf("h%d.example.com", [i])]) | some i in numbers.range(0, 49)],
		[https(["*.w.example.com"])],
	)
	plain := http(["h7.example.com", "*.h9.example.com", "other.example.net", "a.b.w.example.com", "w.example.com", "*.example.com"])
	denies := g.deny with input as req(array.concat([plain], tls))
	denies == {"Gateway shop/edge: spec.servers[0] serves *.example.com, a.b.w.example.com, h7.example.com over plain HTTP without tls.httpsRedirect, while this Gateway also serves them over TLS, so clients can be downgraded to clear text and their cookies and credentials read; set spec.servers[0].tls.httpsRedirect: true"}
}

# A name of 300 characters, longer than Istio accepts (max 255).
long_name := concat("", [concat("", ["x" | some _ in numbers.range(1, 288)]), ".example.com"])

# Names longer than 255 characters (which Istio rejects) are still compared by equality,
# "*" and wildcards of valid length; only a wildcard whose own suffix is longer than
# 255 characters, which no accepted Gateway has, is not expanded. A name of 40,000
# labels costs one pass, not one per label.
test_long_names if {
	count(g.deny) == 1 with input as req([http([long_name]), https(["*.example.com"])])
	count(g.deny) == 1 with input as req([http([long_name]), https([long_name])])
	count(g.deny) == 1 with input as req([http(["*.example.com"]), https([long_name])])
	count(g.deny) == 0 with input as req([http([concat("", ["a.", long_name])]), https([concat("", ["*.", long_name])])])
	huge := concat(".", ["a" | some _ in numbers.range(1, 40000)])
	count(g.deny) == 1 with input as req([http([concat(".", [huge, "example.com"])]), https(["*.example.com"])])
	count(g.warn) == 1 with input as req([http([huge]), https([concat(".", ["*", huge])])])
}
