# METADATA
# title: Contour TLS passthrough is reviewed
# description: >-
#   A root HTTPProxy (projectcontour.io) with spec.virtualhost.tls.passthrough: true is
#   warned. Envoy routes the connection by SNI and forwards it still encrypted
#   (projectcontour.io/docs/1.33/config/tls-termination/, "TLS Session Passthrough"), so
#   the backend alone chooses the TLS versions, ciphers and certificate, and none of
#   Contour's HTTP settings apply: computeHTTPProxy reads minimumProtocolVersion, client
#   certificate validation and external authorization only when it terminates TLS
#   (projectcontour/contour internal/dag/httpproxy_processor.go, the `if
#   !tls.Passthrough` branch), and a passthrough host is a TCP proxy with no HTTP filter
#   chain. An authorization block on such a host is accepted by Contour and applied
#   to nothing; the warning says so.
# custom:
#   kinds: [projectcontour.io/HTTPProxy]
#   severity: medium
#   field: spec.virtualhost.tls.passthrough
#   remediation: >-
#     Terminate TLS at Contour (spec.virtualhost.tls.secretName) unless the backend
#     must complete the TLS handshake itself; then make sure the backend enforces TLS
#     1.2 or later and its own authentication.
package contour.tls_passthrough

import data.lib.contour
import data.lib.kubernetes as k8s

warn contains msg if {
	k8s.is_check
	contour.httpproxy
	contour.tls.passthrough == true
	msg := sprintf(
		"%s: spec.virtualhost.tls.passthrough is true, so Envoy forwards the encrypted connection to the backend, which alone chooses the TLS version and certificate, and none of Contour's HTTP settings (authorization, JWT verification, CORS, routes) apply%s; terminate TLS at Contour with spec.virtualhost.tls.secretName unless the backend must see the handshake",
		[k8s.display, authorization_text],
	)
}

authorization_text := " (spec.virtualhost.authorization is set but applied to nothing)" if {
	is_object(contour.virtualhost.authorization)
} else := ""
