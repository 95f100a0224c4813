package contour.tls_passthrough_test

import data.contour.tls_passthrough

request(operation, virtualhost) := {"request": {
	"uid": "1",
	"kind": {"group": "projectcontour.io", "version": "v1", "kind": "HTTPProxy"},
	"name": "example",
	"namespace": "shop",
	"operation": operation,
	"object": {
		"apiVersion": "projectcontour.io/v1",
		"kind": "HTTPProxy",
		"metadata": {"name": "example", "namespace": "shop"},
		"spec": {
			"virtualhost": virtualhost,
			"tcpproxy": {"services": [{"name": "tcpservice", "port": 8080}]},
		},
	},
}}

passthrough := {"fqdn": "tcp.example.com", "tls": {"passthrough": true}}

warn_msg := "HTTPProxy shop/example: spec.virtualhost.tls.passthrough is true, so Envoy forwards the encrypted connection to the backend, which alone chooses the TLS version and certificate, and none of Contour's HTTP settings (authorization, JWT verification, CORS, routes) apply; terminate TLS at Contour with spec.virtualhost.tls.secretName unless the backend must see the handshake"

# Contour's own "TLS Session Passthrough" example (tls-termination docs).
test_passthrough_warned if {
	tls_passthrough.warn == {warn_msg} with input as request("CREATE", passthrough)
	tls_passthrough.warn == {warn_msg} with input as request("AUDIT", passthrough)
}

# Contour accepts authorization on a passthrough host (only a missing TLS block is
# refused) and applies it to nothing.
test_passthrough_with_authorization if {
	vh := object.union(passthrough, {"authorization": {"extensionRef": {"name": "authserver", "namespace": "auth"}}})
	warns := tls_passthrough.warn with input as request("CREATE", vh)
	count(warns) == 1
	some msg in warns
	contains(msg, "(spec.virtualhost.authorization is set but applied to nothing)")
}

test_terminated_tls_silent if {
	count(tls_passthrough.warn) == 0 with input as request("CREATE", {"fqdn": "tcp.example.com", "tls": {"secretName": "tcp-tls"}})
	count(tls_passthrough.warn) == 0 with input as request("CREATE", {"fqdn": "tcp.example.com", "tls": {"secretName": "tcp-tls", "passthrough": false}})
}

test_delete_and_other_group_not_judged if {
	del := json.patch(request("DELETE", passthrough), [{"op": "add", "path": "/request/oldObject", "value": request("DELETE", passthrough).request.object}])
	count(tls_passthrough.warn) == 0 with input as del
	other := json.patch(request("CREATE", passthrough), [{"op": "replace", "path": "/request/kind/group", "value": "example.com"}])
	count(tls_passthrough.warn) == 0 with input as other
}
