# METADATA
# title: Envoy Gateway should normalize request headers and paths
# description: >-
#   What a ClientTrafficPolicy turns off in Envoy's request normalization, which
#   routing and SecurityPolicy authorization by path and header rely on. Warned:
#   spec.headers.withUnderscoresAction: Allow (the default, RejectRequest, refuses
#   headers with underscores, clienttrafficpolicy_types.go): backends such as CGI,
#   WSGI or nginx read X_Forwarded_For as X-Forwarded-For, a header the gateway
#   authorized on or sanitized under its other name; spec.path.escapedSlashesAction:
#   KeepUnchanged (default UnescapeAndRedirect, pathsettings_types.go): /admin%2Fx does
#   not match an operation.path /admin/ rule at the gateway but is /admin/x to a
#   backend that decodes it; spec.path.disableMergeSlashes: true: //admin does not
#   match a PathPrefix /admin rule but is served as /admin by most backends.
# custom:
#   kinds: [gateway.envoyproxy.io/ClientTrafficPolicy]
#   severity: medium
#   field: spec.headers.withUnderscoresAction
#   remediation: >-
#     Remove spec.headers.withUnderscoresAction (RejectRequest) or use DropHeader;
#     remove spec.path.escapedSlashesAction (UnescapeAndRedirect) or use
#     RejectRequest; remove spec.path.disableMergeSlashes.
package envoygateway.request_normalization

import data.lib.envoygateway as eg
import data.lib.kubernetes as k8s

warn contains msg if {
	eg.judged("ClientTrafficPolicy")
	k8s.spec.headers.withUnderscoresAction == "Allow"
	msg := sprintf(
		"%s: spec.headers.withUnderscoresAction is Allow, so a header such as X_Forwarded_For reaches backends that read it as X-Forwarded-For, past what the gateway authorized or sanitized; remove it (RejectRequest) or use DropHeader",
		[k8s.display],
	)
}

warn contains msg if {
	eg.judged("ClientTrafficPolicy")
	k8s.spec.path.escapedSlashesAction == "KeepUnchanged"
	msg := sprintf(
		"%s: spec.path.escapedSlashesAction is KeepUnchanged, so /admin%%2Fx escapes path-based routing and authorization rules while a backend that decodes it serves /admin/x; remove it (UnescapeAndRedirect) or use RejectRequest",
		[k8s.display],
	)
}

warn contains msg if {
	eg.judged("ClientTrafficPolicy")
	k8s.spec.path.disableMergeSlashes == true
	msg := sprintf(
		"%s: spec.path.disableMergeSlashes is true, so //admin escapes PathPrefix /admin routing and authorization rules while most backends serve it as /admin; remove it",
		[k8s.display],
	)
}
