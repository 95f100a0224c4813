# METADATA
# title: Istio DestinationRule must verify upstream certificates
# description: >-
#   A DestinationRule (networking.istio.io; v1, v1beta1 and v1alpha3, one
#   schema) with tls.insecureSkipVerify: true in any of its TLS settings
#   (spec.trafficPolicy, its portLevelSettings, and every subset's
#   trafficPolicy and portLevelSettings) is denied: the proxy then "skip[s]
#   verifying the CA signature and SAN for the server certificate" (istio.io/api
#   networking/v1alpha3/destination_rule.proto ClientTLSSettings), so anyone
#   who can intercept the connection can impersonate the upstream and read
#   the traffic and credentials sent to it.
# custom:
#   kinds: [networking.istio.io/DestinationRule]
#   severity: high
#   field: spec.trafficPolicy.tls.insecureSkipVerify
#   remediation: >-
#     Remove insecureSkipVerify and give the upstream's CA in
#     credentialName, caCertCredentialName or caCertificates, with
#     subjectAltNames.
package istio.dr_insecure_skip_verify

import data.lib.istio
import data.lib.kubernetes as k8s

deny contains msg if {
	k8s.is_check
	istio.networking
	k8s.kind == "DestinationRule"
	some s in istio.dr_tls_settings(k8s.spec)
	s.tls.insecureSkipVerify == true
	msg := sprintf(
		"%s: %s.insecureSkipVerify is true, so the proxy accepts any certificate from %q and anyone who intercepts the connection can impersonate it; remove it and give the upstream's CA (credentialName, caCertCredentialName or caCertificates) with subjectAltNames",
		[k8s.display, istio.tls_path(s), object.get(k8s.spec, "host", "")],
	)
}
