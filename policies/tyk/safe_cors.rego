# METADATA
# title: Tyk ApiDefinition CORS must not allow credentials from any origin
# description: >-
#   When CORS is enabled on a Tyk ApiDefinition (tyk.tyk.io, spec.CORS.enable:
#   true), an allowed_origins entry that admits any site, together with
#   allow_credentials: true, is denied: any web site could make credentialed calls
#   on behalf of a logged-in user. Tyk builds its CORS handler with github.com/rs/cors
#   (gateway/api_loader.go handleCORS), which echoes the caller's origin for "*",
#   and reads an origin holding one "*" as prefix*suffix: "https://*" admits every
#   https site, "https://*example.com" admits evilexample.com. The origin "null" is
#   what browsers send from sandboxed iframes and data: URLs, which any site can
#   produce. Such an origin without credentials is warned, and so is a subdomain
#   wildcard (https://*.example.com) with credentials, which trusts every
#   subdomain, a taken-over one included.
# custom:
#   kinds: [tyk.tyk.io/ApiDefinition]
#   severity: high
#   field: spec.CORS.allowed_origins
#   remediation: >-
#     List the exact origins (for example https://app.example.com) in
#     spec.CORS.allowed_origins instead of "*", "null" or a wildcard.
package tyk.safe_cors

import data.lib.kubernetes as k8s
import data.lib.tyk

deny contains msg if {
	applies
	credentials
	some origin in open_origins
	msg := sprintf(
		"%s: spec.CORS allows credentials from any origin (%q in allowed_origins with allow_credentials: true), so any web site can call the API as a logged-in user; list the exact origins in allowed_origins, for example https://app.example.com",
		[k8s.display, origin],
	)
}

warn contains msg if {
	applies
	not credentials
	some origin in open_origins
	msg := sprintf(
		"%s: spec.CORS.allowed_origins contains %q, so any web site can call the API from a browser; list the exact origins instead, for example https://app.example.com",
		[k8s.display, origin],
	)
}

warn contains msg if {
	applies
	credentials
	some origin in k8s.array_at(k8s.spec.CORS, "allowed_origins")
	is_string(origin)
	tyk.subdomain_wildcard(origin)
	msg := sprintf(
		"%s: spec.CORS allows credentials from %q, every subdomain including any that is taken over or user-controlled; list the exact origins instead",
		[k8s.display, origin],
	)
}

applies if {
	k8s.is_check
	k8s.group == "tyk.tyk.io"
	k8s.kind == "ApiDefinition"
	k8s.spec.CORS.enable == true
}

open_origins contains origin if {
	some origin in k8s.array_at(k8s.spec.CORS, "allowed_origins")
	is_string(origin)
	tyk.any_origin(origin)
}

credentials if k8s.spec.CORS.allow_credentials == true
