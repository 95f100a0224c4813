# METADATA
# title: Envoy Gateway client certificate validation should be required and verified
# description: >-
#   A ClientTrafficPolicy's spec.tls.clientValidation turns on mutual TLS. Envoy
#   Gateway reads its mode, RequireAndVerify when unset, except that the deprecated
#   optional: true without a mode means VerifyIfGiven (internal/gatewayapi/
#   clienttrafficpolicy.go; a set mode wins over optional). Warned, each mode by what
#   it lets in (helpers.go convertClientValidationModeType): VerifyIfGiven (and
#   optional: true) accepts clients with no certificate; Request accepts no
#   certificate or one that fails verification; RequireAny accepts any certificate,
#   a self-signed one included. Under those modes a client certificate proves
#   nothing, while backends reading x-forwarded-client-cert or authorization on
#   Envoy's connection.mtls attribute may trust it. allowExpiredCertificate: true is
#   warned too: an expired (for example a leaked, never revoked) certificate is
#   accepted.
# custom:
#   kinds: [gateway.envoyproxy.io/ClientTrafficPolicy]
#   severity: medium
#   field: spec.tls.clientValidation
#   remediation: >-
#     Remove spec.tls.clientValidation.optional and allowExpiredCertificate and leave
#     mode unset (RequireAndVerify), or authenticate clients another way on the routes
#     reached without a certificate.
package envoygateway.client_validation

import data.lib.envoygateway as eg
import data.lib.kubernetes as k8s

warn contains msg if {
	eg.judged("ClientTrafficPolicy")
	cv := k8s.spec.tls.clientValidation
	is_object(cv)
	mode := effective_mode(cv)
	weak[mode]
	msg := sprintf(
		"%s: spec.tls.clientValidation %s means %s, so %s; leave mode unset (RequireAndVerify) and remove optional",
		[k8s.display, spelled(cv), mode, weak[mode]],
	)
}

warn contains msg if {
	eg.judged("ClientTrafficPolicy")
	k8s.spec.tls.clientValidation.allowExpiredCertificate == true
	msg := sprintf(
		"%s: spec.tls.clientValidation.allowExpiredCertificate is true, so an expired client certificate (a leaked one included) is still accepted; remove it",
		[k8s.display],
	)
}

effective_mode(cv) := m if {
	m := cv.mode
	is_string(m)
} else := "VerifyIfGiven" if {
	cv.optional == true
} else := "RequireAndVerify"

spelled(cv) := sprintf("mode %q", [cv.mode]) if is_string(cv.mode)

else := "optional: true"

weak := {
	"VerifyIfGiven": "a client without a certificate is let in",
	"Request": "a client without a certificate, or with one that fails verification, is let in",
	"RequireAny": "any certificate, a self-signed one included, is accepted",
}
