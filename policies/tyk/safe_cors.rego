# METADATA
# title: Tyk ApiDefinition CORS must not allow credentials from any origin
# description: >-
#   When CORS is enabled on a Tyk ApiDefinition (tyk.tyk.io, spec.CORS.enable:
#   true), an allowed_origins entry "*" together with allow_credentials: true is
#   denied: any web site could make credentialed calls on behalf of a logged-in
#   user. "*" without credentials is warned.
# custom:
#   kinds: [tyk.tyk.io/ApiDefinition]
#   severity: high
#   field: spec.CORS
#   remediation: >-
#     List the exact origins (for example https://app.example.com) in
#     spec.CORS.allowed_origins instead of "*".
package tyk.safe_cors

import data.lib.kubernetes as k8s

deny contains msg if {
	applies
	any_origin
	credentials
	msg := sprintf(
		"%s: spec.CORS allows credentials from any origin (\"*\" in allowed_origins with allow_credentials: true), so any web site can call the API as a logged-in user; list the exact origins in allowed_origins, for example https://app.example.com",
		[k8s.display],
	)
}

warn contains msg if {
	applies
	any_origin
	not credentials
	msg := sprintf(
		"%s: spec.CORS.allowed_origins contains \"*\", so any web site can call the API from a browser; list the exact origins instead, for example https://app.example.com",
		[k8s.display],
	)
}

applies if {
	k8s.is_check
	k8s.group == "tyk.tyk.io"
	k8s.kind == "ApiDefinition"
	k8s.spec.CORS.enable == true
}

any_origin if "*" in k8s.array_at(k8s.spec.CORS, "allowed_origins")

credentials if k8s.spec.CORS.allow_credentials == true
