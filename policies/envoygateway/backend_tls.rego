# METADATA
# title: Envoy Gateway Backend TLS must verify the upstream
# description: >-
#   A Backend (gateway.envoyproxy.io/v1alpha1) with spec.tls.insecureSkipVerify: true
#   makes Envoy accept any certificate from the upstream (api/v1alpha1/
#   backend_types.go: "InsecureSkipVerify indicates whether the upstream's
#   certificate verification should be skipped"; the CRD refuses it together with a
#   CA), so anyone on the path can impersonate the backend and read or change the
#   traffic, credentials included. spec.tls.minVersion "1.0" or "1.1" lets the
#   connection fall to deprecated TLS (RFC 8996). Both are denied; unset
#   insecureSkipVerify (false) and minVersion unset or Auto (TLS 1.2) pass.
# custom:
#   kinds: [gateway.envoyproxy.io/Backend]
#   severity: high
#   field: spec.tls.insecureSkipVerify
#   remediation: >-
#     Remove spec.tls.insecureSkipVerify and trust the upstream's CA with
#     spec.tls.caCertificateRefs (or wellKnownCACertificates: System for a public
#     endpoint); set minVersion to "1.2" or more, or remove it.
package envoygateway.backend_tls

import data.lib.envoygateway as eg
import data.lib.kubernetes as k8s

deny contains msg if {
	eg.judged("Backend")
	k8s.spec.tls.insecureSkipVerify == true
	msg := sprintf(
		"%s: spec.tls.insecureSkipVerify is true, so Envoy accepts any certificate from the upstream and anyone on the path can impersonate it; remove insecureSkipVerify and set spec.tls.caCertificateRefs (or wellKnownCACertificates: System)",
		[k8s.display],
	)
}

deny contains msg if {
	eg.judged("Backend")
	v := k8s.spec.tls.minVersion
	eg.legacy_tls(v)
	msg := sprintf(
		"%s: spec.tls.minVersion is %q, so the connection to the upstream can use deprecated TLS %s; set minVersion to \"1.2\" or \"1.3\", or remove it",
		[k8s.display, v, v],
	)
}
