# METADATA
# title: Contour fallback certificates are reviewed
# description: >-
#   A root HTTPProxy (projectcontour.io) with
#   spec.virtualhost.tls.enableFallbackCertificate: true is warned. Clients that send no
#   SNI are then served this host's routes with the cluster-wide fallback certificate,
#   on one HTTP connection manager shared by every host that opts in, at the minimum
#   TLS version of Contour's configuration, not this host's
#   (projectcontour.io/docs/1.33/config/tls-termination/, "Fallback Certificate": "Per-virtual
#   host security policies are therefore not supported with fallback certificates,
#   including TLS client authentication, external authorization, and JWT
#   verification"; projectcontour/contour internal/dag/httpproxy_processor.go rejects
#   those combinations). It exists for legacy clients without SNI; for any other host
#   it widens what reaches the routes.
# custom:
#   kinds: [projectcontour.io/HTTPProxy]
#   severity: low
#   field: spec.virtualhost.tls.enableFallbackCertificate
#   remediation: >-
#     Remove enableFallbackCertificate unless legacy clients that send no SNI must reach
#     this host.
package contour.fallback_certificate

import data.lib.contour
import data.lib.kubernetes as k8s

warn contains msg if {
	k8s.is_check
	contour.httpproxy
	contour.tls.enableFallbackCertificate == true
	msg := sprintf(
		"%s: spec.virtualhost.tls.enableFallbackCertificate is true, so clients that send no SNI reach this host's routes through a connection manager shared with every fallback host, with the cluster-wide fallback certificate and the cluster-wide minimum TLS version, and without per-host client certificate validation, authorization or JWT verification; remove it unless legacy clients without SNI must be served",
		[k8s.display],
	)
}
