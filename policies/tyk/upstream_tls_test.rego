package tyk.upstream_tls_test

import data.tyk.upstream_tls

request(operation, proxy) := {"request": {
	"uid": "1",
	"kind": {"group": "tyk.tyk.io", "version": "v1alpha1", "kind": "ApiDefinition"},
	"name": "httpbin",
	"namespace": "demo",
	"operation": operation,
	"object": {
		"apiVersion": "tyk.tyk.io/v1alpha1",
		"kind": "ApiDefinition",
		"metadata": {"name": "httpbin", "namespace": "demo"},
		"spec": {"name": "httpbin", "proxy": object.union({"listen_path": "/httpbin"}, proxy)},
	},
}}

target(url) := request("CREATE", {"target_url": url})

insecure := {"target_url": "https://httpbin.org", "transport": {"ssl_insecure_skip_verify": true}}

insecure_msg := "ApiDefinition demo/httpbin: spec.proxy.transport.ssl_insecure_skip_verify is true, so the gateway accepts any upstream certificate; remove it and have the gateway trust the upstream's CA, or pin the upstream key with spec.pinned_public_keys"

test_insecure_skip_verify_denied if {
	denies := upstream_tls.deny with input as request("CREATE", insecure)
	denies == {insecure_msg}
}

test_skip_verify_false_allowed if {
	count(upstream_tls.deny) == 0 with input as request("CREATE", {"target_url": "https://a.example.com", "transport": {"ssl_insecure_skip_verify": false}})
	count(upstream_tls.deny) == 0 with input as request("CREATE", {"target_url": "https://a.example.com", "transport": {"ssl_insecure_skip_verify": "true"}})
	count(upstream_tls.deny) == 0 with input as request("CREATE", {"target_url": "https://a.example.com"})
}

test_external_http_warned if {
	warns := upstream_tls.warn with input as target("http://httpbin.org/get")
	warns == {"ApiDefinition demo/httpbin: spec.proxy.target_url \"http://httpbin.org/get\" sends traffic to httpbin.org unencrypted over plain HTTP; use an https:// URL"}
	count(upstream_tls.deny) == 0 with input as target("http://httpbin.org/get")
}

test_external_http_variants_warned if {
	every url in [
		"HTTP://Example.COM",
		"http://api.example.com:8080",
		"http://user:pw@api.example.com:8080/x",
		"http://example.com?x=1",
		"http://example.com#frag",
		"http://10.0.0.7:80",
		"http://[fd00::1]:8080/",
		"http://svc.other-namespace",
		"  http://example.com  ",
	] {
		count(upstream_tls.warn) == 1 with input as target(url)
	}
}

test_in_cluster_http_allowed if {
	every url in [
		"http://httpbin",
		"http://httpbin:8000/path",
		"http://httpbin.demo",
		"http://httpbin.demo:8000",
		"http://httpbin.demo.svc",
		"http://httpbin.other.svc:8000",
		"http://httpbin.other.svc.cluster.local:8000/x",
		"HTTP://HTTPBIN.OTHER.SVC.CLUSTER.LOCAL",
	] {
		count(upstream_tls.warn) == 0 with input as target(url)
	}
}

test_https_and_other_values_allowed if {
	every url in ["https://httpbin.org", "tcp://db.example.com:5432", "http://", "http://:8080", ""] {
		count(upstream_tls.warn) == 0 with input as target(url)
	}
	count(upstream_tls.warn) == 0 with input as request("CREATE", {"target_url": 42})
	count(upstream_tls.warn) == 0 with input as request("CREATE", {})
}

test_target_list_warned_per_entry if {
	req := request("CREATE", {
		"target_url": "https://lb.example.com",
		"enable_load_balancing": true,
		"target_list": ["http://a.example.com", "http://b.demo.svc", "http://c.example.com", 7],
	})
	warns := upstream_tls.warn with input as req
	warns == {
		"ApiDefinition demo/httpbin: spec.proxy.target_list[0] \"http://a.example.com\" sends traffic to a.example.com unencrypted over plain HTTP; use an https:// URL",
		"ApiDefinition demo/httpbin: spec.proxy.target_list[2] \"http://c.example.com\" sends traffic to c.example.com unencrypted over plain HTTP; use an https:// URL",
	}
}

test_update_and_audit_checked if {
	count(upstream_tls.deny) == 1 with input as request("UPDATE", insecure)
	count(upstream_tls.deny) == 1 with input as request("AUDIT", insecure)
	count(upstream_tls.warn) == 1 with input as request("AUDIT", {"target_url": "http://example.com"})
}

test_delete_not_judged if {
	req := {"request": {
		"kind": {"group": "tyk.tyk.io", "version": "v1alpha1", "kind": "ApiDefinition"},
		"name": "httpbin",
		"namespace": "demo",
		"operation": "DELETE",
		"object": null,
		"oldObject": {"metadata": {"name": "httpbin", "namespace": "demo"}, "spec": {"proxy": object.union(insecure, {"target_url": "http://example.com"})}},
	}}
	count(upstream_tls.deny) == 0 with input as req
	count(upstream_tls.warn) == 0 with input as req
}

test_other_kind_or_group_ignored if {
	req := request("CREATE", object.union(insecure, {"target_url": "http://example.com"}))
	other_group := json.patch(req, [{"op": "replace", "path": "/request/kind/group", "value": "example.com"}])
	other_kind := json.patch(req, [{"op": "replace", "path": "/request/kind/kind", "value": "SecurityPolicy"}])
	count(upstream_tls.deny) == 0 with input as other_group
	count(upstream_tls.warn) == 0 with input as other_group
	count(upstream_tls.deny) == 0 with input as other_kind
	count(upstream_tls.warn) == 0 with input as other_kind
}

min_version(v) := request("CREATE", {"target_url": "https://a.example.com", "transport": {"ssl_min_version": v}})

test_tls10_and_tls11_minimum_denied if {
	denies := upstream_tls.deny with input as min_version(769)
	denies == {"ApiDefinition demo/httpbin: spec.proxy.transport.ssl_min_version is 769 (TLS 1.0), so the gateway accepts an upstream connection downgraded to it; set ssl_min_version: 771 (TLS 1.2) or 772 (TLS 1.3)"}
	denies11 := upstream_tls.deny with input as min_version(770)
	denies11 == {"ApiDefinition demo/httpbin: spec.proxy.transport.ssl_min_version is 770 (TLS 1.1), so the gateway accepts an upstream connection downgraded to it; set ssl_min_version: 771 (TLS 1.2) or 772 (TLS 1.3)"}
}

test_tls12_and_tls13_minimum_allowed if {
	count(upstream_tls.deny) == 0 with input as min_version(771)
	count(upstream_tls.deny) == 0 with input as min_version(772)
	count(upstream_tls.deny) == 0 with input as min_version("769")
}
