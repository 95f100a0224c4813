package emissary.mapping_plain_upstream_test

import data.emissary.mapping_plain_upstream

request(operation, spec) := {"request": {
	"uid": "1",
	"kind": {"group": "getambassador.io", "version": "v3alpha1", "kind": "Mapping"},
	"name": "httpbin",
	"namespace": "shop",
	"operation": operation,
	"object": {
		"apiVersion": "getambassador.io/v3alpha1",
		"kind": "Mapping",
		"metadata": {"name": "httpbin", "namespace": "shop"},
		"spec": object.union({"hostname": "shop.example.com", "prefix": "/httpbin/"}, spec),
	},
}}

warn_msg := "Mapping shop/httpbin: spec.service \"http://httpbin.org\" sends plain HTTP to \"httpbin.org\", outside the cluster, so requests and the credentials they carry cross the network unencrypted; use https:// in spec.service or name a TLSContext in spec.tls"

# Emissary's own routing example (howtos/route): service http://httpbin.org.
test_plain_external_warned if {
	every op in ["CREATE", "UPDATE", "AUDIT"] {
		mapping_plain_upstream.warn == {warn_msg} with input as request(op, {"service": "http://httpbin.org"})
	}
}

# ircluster.py: no scheme, an unknown scheme, or "http://" is plain HTTP unless a
# TLSContext is named; " https://" (leading space) is an unknown scheme.
test_variants_warned if {
	every s in [
		"httpbin.org", "httpbin.org:443", "HTTP://httpbin.org", "ftp://httpbin.org", " https://httpbin.org",
		"http://user:pw@api.example.com:8080/x", "http://8.8.8.8", "http://134744072", "http://[2606:4700::1]:80",
		"http://api.example.com.", "quote.default", "http://quote.team-a.svc.cluster.local.evil.com",
	] {
		count(mapping_plain_upstream.warn) == 1 with input as request("CREATE", {"service": s})
	}
}

test_tls_or_in_cluster_allowed if {
	every spec in [
		{"service": "https://httpbin.org"},
		{"service": "HTTPS://httpbin.org:8443"},
		{"service": "http://httpbin.org", "tls": "upstream-ctx"},
		{"service": "httpbin.org", "tls": "upstream-ctx"},
		{"service": "quote"},
		{"service": "quote:8080"},
		{"service": "http://quote.shop"},
		{"service": "quote.team-a.svc"},
		{"service": "http://quote.team-a.svc.cluster.local:80"},
		{"service": "10.96.0.10:80"},
		{"service": "http://127.0.0.1:8500"},
		{"service": "http://[fd00::1]:80"},
	] {
		count(mapping_plain_upstream.warn) == 0 with input as request("CREATE", spec)
	}
}

test_config if {
	count(mapping_plain_upstream.warn) == 0 with input as request("CREATE", {"service": "quote.team-a"})
		with data.apiguard.config as {"emissary": {"serviceNamespaces": ["team-*"]}}
	count(mapping_plain_upstream.warn) == 1 with input as request("CREATE", {"service": "quote.team-a"})
	count(mapping_plain_upstream.warn) == 0 with input as request("CREATE", {"service": "quote.team-a.svc.corp.local"})
		with data.apiguard.config as {"emissary": {"clusterDomains": ["corp.local."]}}
	count(mapping_plain_upstream.warn) == 1 with input as request("CREATE", {"service": "quote.team-a.svc.cluster.local"})
		with data.apiguard.config as {"emissary": {"clusterDomains": ["corp.local"]}}
}

test_delete_and_other_group_not_judged if {
	req := request("DELETE", {"service": "http://httpbin.org"})
	del := json.patch(req, [{"op": "add", "path": "/request/oldObject", "value": req.request.object}])
	count(mapping_plain_upstream.warn) == 0 with input as del
	other := json.patch(request("CREATE", {"service": "http://httpbin.org"}), [{"op": "replace", "path": "/request/kind/group", "value": "example.com"}])
	count(mapping_plain_upstream.warn) == 0 with input as other
}
