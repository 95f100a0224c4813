# METADATA
# title: Contour TLS virtual hosts state their minimum TLS version
# description: >-
#   On a root HTTPProxy (projectcontour.io/v1) whose TLS Contour terminates
#   (spec.virtualhost.tls with a secretName and without passthrough: true), adds
#   spec.virtualhost.tls.minimumProtocolVersion when it is absent (or null): "1.2", or
#   "1.3" when data.apiguard.config.contour.minimumProtocolVersion is "1.3" (any other
#   setting is ignored). Contour applies 1.2 when the field is unset
#   (projectcontour/contour internal/annotation/annotations.go TLSVersion), so "1.2"
#   changes nothing at runtime; it makes the version explicit in the stored object and
#   in Git, where contour.tls_min_version and reviewers see it. A value the user set,
#   "" included, is never changed; a passthrough host is left alone (Contour ignores
#   the field there).
# custom:
#   kinds: [projectcontour.io/HTTPProxy]
#   severity: low
#   remediation: >-
#     Nothing to do: the field is added for you. Set
#     spec.virtualhost.tls.minimumProtocolVersion to "1.3" to require TLS 1.3.
package contour.default_tls_version

import data.lib.kubernetes as k8s

patch contains op if {
	k8s.is_write
	k8s.group == "projectcontour.io"
	k8s.kind == "HTTPProxy"
	k8s.version == "v1"
	tls := input.request.object.spec.virtualhost.tls
	is_object(tls)
	is_string(tls.secretName)
	tls.secretName != ""
	object.get(tls, "passthrough", false) != true
	object.get(tls, "minimumProtocolVersion", null) == null
	op := {"op": "add", "path": "/spec/virtualhost/tls/minimumProtocolVersion", "value": minimum}
}

minimum := v if {
	v := k8s.setting(["contour", "minimumProtocolVersion"], "1.2")
	v in {"1.2", "1.3"}
} else := "1.2"
