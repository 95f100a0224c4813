package tyk.oas_upstream_tls_test

import data.lib.tykoas_test as t
import data.tyk.oas_upstream_tls

upstream(u) := t.gw_with({"upstream": object.union({"rateLimit": {"enabled": true, "rate": 1, "per": "1s"}}, u)})

test_insecure_skip_verify_denied if {
	oas_upstream_tls.deny == {concat("", [t.where, `.upstream.tlsTransport.insecureSkipVerify is true, so the gateway accepts any upstream certificate; remove it and trust the upstream's CA instead`])} with input as t.api_input(upstream({"url": "https://api.example.com", "tlsTransport": {"insecureSkipVerify": true}}), {})
}

test_weak_min_version_denied if {
	some m in oas_upstream_tls.deny with input as t.api_input(upstream({"url": "https://api.example.com", "tlsTransport": {"minVersion": "1.1"}}), {})
	contains(m, `minVersion is "1.1"`)
	count(oas_upstream_tls.deny) == 1 with input as t.api_input(upstream({"url": "https://api.example.com", "tlsTransport": {"minVersion": "1.0"}}), {})
	count(oas_upstream_tls.deny) == 0 with input as t.api_input(upstream({"url": "https://api.example.com", "tlsTransport": {"minVersion": "1.2", "insecureSkipVerify": false}}), {})
}

test_plain_http_outside_cluster_warned if {
	oas_upstream_tls.warn == {concat("", [t.where, `.upstream.url is "http://api.example.com/v1", plain HTTP to a host outside the cluster; use https://`])} with input as t.api_input(upstream({"url": "http://api.example.com/v1"}), {})
	count(oas_upstream_tls.warn) == 1 with input as t.api_input(upstream({"url": "HTTP://user@1.2.3.4:80"}), {})
	count(oas_upstream_tls.warn) == 1 with input as t.api_input(upstream({"url": "http://httpbin.org"}), {})

	# Read as lib.tykoas reads every URL host: surrounding spaces, a fragment, user info
	# naming an in-cluster Service, and a two-label name that reads like name.namespace.
	count(oas_upstream_tls.warn) == 1 with input as t.api_input(upstream({"url": " http://api.example.com "}), {})
	count(oas_upstream_tls.warn) == 1 with input as t.api_input(upstream({"url": "http://api.example.com#.svc"}), {})
	count(oas_upstream_tls.warn) == 1 with input as t.api_input(upstream({"url": "http://httpbin.svc@api.example.com/"}), {})
	count(oas_upstream_tls.warn) == 1 with input as t.api_input(upstream({"url": "http://httpbin.demo"}), {})
}

test_in_cluster_http_not_warned if {
	every u in ["http://httpbin", "http://httpbin.demo.svc:8000/x", "http://httpbin.demo.svc.cluster.local"] {
		count(oas_upstream_tls.warn) == 0 with input as t.api_input(upstream({"url": u}), {})
	}
}
