# METADATA
# title: Contour CORS must not allow credentials from any origin
# description: >-
#   On a root HTTPProxy (projectcontour.io), a spec.virtualhost.corsPolicy whose
#   allowOrigin admits any origin, together with allowCredentials: true, is denied: any
#   web site could make credentialed calls on behalf of a logged-in user. Contour keeps
#   "*" and exact scheme://host[:port] origins as exact matches and passes every other
#   entry to Envoy as a regular expression (projectcontour/contour
#   internal/dag/httpproxy_processor.go toCORSPolicy, internal/envoy/v3/route.go);
#   Envoy allows every origin when an entry matches the string "*", and echoes the
#   caller's origin back (envoyproxy/envoy source/extensions/filters/http/cors/cors_filter.cc
#   isOriginAllowed). So "*", a regex that matches "*" (".*", ".", "\*", ".+"), and a
#   regex that matches "null" (sent by sandboxed iframes, which any page can create) or
#   an arbitrary attacker's https origin, each matched as a whole as Envoy does, admit
#   any origin (lib.contour any_origin). Contour's own CORS page shows "*" with
#   allowCredentials: true (projectcontour.io/docs/1.33/config/cors/); that example is
#   denied. Any origin without credentials is warned. An "https://*.example.com"
#   entry is an exact origin for Contour (it matches only that literal string), not a
#   wildcard, and a regex bounded to a domain is not judged.
# custom:
#   kinds: [projectcontour.io/HTTPProxy]
#   severity: high
#   field: spec.virtualhost.corsPolicy.allowOrigin
#   remediation: >-
#     List the exact origins (for example https://app.example.com) in
#     spec.virtualhost.corsPolicy.allowOrigin instead of "*", "null" or a regex that
#     matches every origin.
package contour.safe_cors

import data.lib.contour
import data.lib.kubernetes as k8s

deny contains msg if {
	applies
	credentials
	some origin in open_origins
	msg := sprintf(
		"%s: spec.virtualhost.corsPolicy allows credentials from any origin (%q in allowOrigin with allowCredentials: true), so any web site can call the API as a logged-in user; list the exact origins in allowOrigin, for example https://app.example.com",
		[k8s.display, origin],
	)
}

warn contains msg if {
	applies
	not credentials
	some origin in open_origins
	msg := sprintf(
		"%s: spec.virtualhost.corsPolicy.allowOrigin contains %q, which admits any origin, so any web site can call the API from a browser; list the exact origins instead, for example https://app.example.com",
		[k8s.display, origin],
	)
}

applies if {
	k8s.is_check
	contour.httpproxy
	is_object(cors)
}

cors := contour.virtualhost.corsPolicy

credentials if cors.allowCredentials == true

open_origins contains origin if {
	some origin in k8s.array_at(cors, "allowOrigin")
	contour.any_origin(origin)
}
