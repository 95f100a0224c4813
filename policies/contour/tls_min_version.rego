# METADATA
# title: Contour virtual hosts must not ask for TLS below 1.2
# description: >-
#   On a root HTTPProxy (projectcontour.io) whose TLS Envoy terminates
#   (spec.virtualhost.tls without passthrough: true),
#   spec.virtualhost.tls.minimumProtocolVersion naming a version below TLS 1.2 ("1.1",
#   "1.0", "TLSv1_1", "SSLv3", ...) is denied. The CRD does not constrain the string.
#   Contour v1.33 keeps exactly "1.2" and "1.3" and reads every other value, an
#   absent one included, as "1.2" (projectcontour/contour internal/annotation/annotations.go
#   TLSVersion, called from internal/dag/httpproxy_processor.go computeHTTPProxy;
#   apis/projectcontour/v1/httpproxy.go: "Any other value defaults to TLS 1.2";
#   projectcontour.io/docs/1.33/config/tls-termination/), and Contour before v1.12
#   negotiated TLS 1.1 when asked (changelogs/CHANGELOG-v1.12.0.md: "Contour no longer
#   supports TLS 1.1"). So such a value asks for a protocol with known weaknesses,
#   which an older or differently configured controller honours. Any other value that
#   is not exactly "1.2" or "1.3" (" 1.3", "TLSv1_3", "1.3.0", "auto") is warned:
#   Contour silently applies TLS 1.2, which is not what it says (a 1.3 spelling) or
#   says nothing. A passthrough virtual host ignores the field (the backend
#   negotiates TLS; contour.tls_passthrough warns about it).
# custom:
#   kinds: [projectcontour.io/HTTPProxy]
#   severity: high
#   field: spec.virtualhost.tls.minimumProtocolVersion
#   remediation: >-
#     Set spec.virtualhost.tls.minimumProtocolVersion to "1.2" or "1.3", spelled
#     exactly so, or leave it out (Contour then uses 1.2).
package contour.tls_min_version

import data.lib.contour
import data.lib.kubernetes as k8s

deny contains msg if {
	applies
	intent := contour.tls_version_intent(version)
	intent in below_12
	msg := sprintf(
		"%s: spec.virtualhost.tls.minimumProtocolVersion is %q, which asks for %s, below TLS 1.2 (Contour before v1.12 negotiates it; later releases ignore the value and use 1.2), so clients may be offered a protocol with known weaknesses; set it to \"1.2\" or \"1.3\"",
		[k8s.display, version, version_text(intent)],
	)
}

warn contains msg if {
	applies
	contour.effective_tls_version(version) != version
	intent := contour.tls_version_intent(version)
	not intent in below_12
	intent != "1.2"
	msg := sprintf(
		"%s: spec.virtualhost.tls.minimumProtocolVersion is %q, %s, so Contour applies its default, TLS 1.2; write exactly \"1.3\" or \"1.2\"",
		[k8s.display, version, unread_text(intent)],
	)
}

applies if {
	k8s.is_check
	contour.httpproxy
	contour.terminates_tls
	is_string(version)
	version != ""
}

version := contour.tls.minimumProtocolVersion

below_12 := {"ssl", "1.0", "1.1"}

version_text("ssl") := "SSL"

version_text(intent) := sprintf("TLS %s", [intent]) if intent != "ssl"

unread_text("1.3") := "which Contour does not read as 1.3 (it keeps only \"1.2\" and \"1.3\", spelled exactly)"

unread_text(intent) := "which is not a version Contour reads (only \"1.2\" and \"1.3\")" if intent != "1.3"
