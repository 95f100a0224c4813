package contour.fallback_certificate_test

import data.contour.fallback_certificate

request(operation, tls) := {"request": {
	"uid": "1",
	"kind": {"group": "projectcontour.io", "version": "v1", "kind": "HTTPProxy"},
	"name": "fallback-tls-example",
	"namespace": "shop",
	"operation": operation,
	"object": {
		"apiVersion": "projectcontour.io/v1",
		"kind": "HTTPProxy",
		"metadata": {"name": "fallback-tls-example", "namespace": "shop"},
		"spec": {
			"virtualhost": {"fqdn": "fallback.bar.com", "tls": tls},
			"routes": [{"services": [{"name": "s1", "port": 80}]}],
		},
	},
}}

fallback := {"secretName": "testsecret", "enableFallbackCertificate": true}

# Contour's own "Fallback Certificate" example (tls-termination docs).
test_fallback_warned if {
	warns := fallback_certificate.warn with input as request("CREATE", fallback)
	warns == {"HTTPProxy shop/fallback-tls-example: spec.virtualhost.tls.enableFallbackCertificate is true, so clients that send no SNI reach this host's routes through a connection manager shared with every fallback host, with the cluster-wide fallback certificate and the cluster-wide minimum TLS version, and without per-host client certificate validation, authorization or JWT verification; remove it unless legacy clients without SNI must be served"}
	count(fallback_certificate.warn) == 1 with input as request("AUDIT", fallback)
}

test_without_fallback_silent if {
	count(fallback_certificate.warn) == 0 with input as request("CREATE", {"secretName": "testsecret"})
	count(fallback_certificate.warn) == 0 with input as request("CREATE", object.union(fallback, {"enableFallbackCertificate": false}))
}

test_delete_and_other_group_not_judged if {
	del := json.patch(request("DELETE", fallback), [{"op": "add", "path": "/request/oldObject", "value": request("DELETE", fallback).request.object}])
	count(fallback_certificate.warn) == 0 with input as del
	other := json.patch(request("CREATE", fallback), [{"op": "replace", "path": "/request/kind/group", "value": "example.com"}])
	count(fallback_certificate.warn) == 0 with input as other
}
