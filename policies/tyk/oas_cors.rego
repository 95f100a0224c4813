# METADATA
# title: Tyk OAS CORS must not let any origin in with credentials
# description: >-
#   x-tyk-api-gateway.middleware.global.cors (X-Tyk-CORS) with enabled and
#   allowCredentials true lets the allowed origins read authenticated responses in a
#   victim's browser. Tyk builds its CORS handler with github.com/rs/cors
#   (gateway/api_loader.go), which treats "*" as every origin and a "*" inside an
#   origin as a wildcard; browsers send "null" from sandboxed frames any site can make.
#   An origin "*", "null" or an unbounded wildcard such as "https://*" is denied with
#   credentials (lib.tyk any_origin, shared with tyk.safe_cors).
# custom:
#   kinds: [tyk.tyk.io/TykOasApiDefinition, tyk.tyk.io/TykStreamsApiDefinition, tyk.tyk.io/TykMcpProxyDefinition, ConfigMap]
#   severity: high
#   field: x-tyk-api-gateway.middleware.global.cors.allowedOrigins
#   remediation: >-
#     List the exact origins (https://app.example.com) in allowedOrigins, or set
#     allowCredentials: false.
package tyk.oas_cors

import data.lib.kubernetes as k8s
import data.lib.tyk
import data.lib.tykoas

deny contains msg if {
	k8s.is_check
	some d in tykoas.documents
	tykoas.served(d.gw)
	cors := d.gw.middleware.global.cors
	cors.enabled == true
	cors.allowCredentials == true
	some origin in cors.allowedOrigins
	is_string(origin)
	tyk.any_origin(origin)
	msg := sprintf("%s: %s contains %q with allowCredentials: true, so any web site can read authenticated responses; list exact origins or set allowCredentials: false", [k8s.display, tykoas.field(d.where, "middleware.global.cors.allowedOrigins"), origin])
}
