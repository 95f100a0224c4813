# METADATA
# title: Emissary Mapping CORS must not allow credentials from any origin
# description: >-
#   A getambassador.io/v3alpha1 Mapping whose spec.cors.origins contains "*" or "null"
#   together with spec.cors.credentials: true is denied: any web site could make
#   credentialed calls (cookies, client certificates, HTTP auth) on behalf of a
#   logged-in user and read the answers. Emissary turns each origins entry into an
#   exact Envoy matcher (emissary-ingress/emissary python/ambassador/ir/ircors.py), and
#   Envoy's CORS filter treats a matcher that matches "*" as allow-all and echoes the
#   caller's Origin back with Access-Control-Allow-Credentials: true (envoyproxy/envoy
#   source/extensions/filters/http/cors/cors_filter.cc isOriginAllowed), which browsers
#   accept. "null" is the Origin of sandboxed iframes and file: pages, which any page can
#   create. In v3alpha1 origins is a list; an entry holding commas is judged part by
#   part, since with v2CommaSeparatedOrigins: true it is stored in the v2 storage
#   version as one comma-separated string and split again when read (lib.emissary
#   cors_any_origin). Origins Emissary documents, exact scheme://host[:port] values
#   (www.getambassador.io/docs/emissary/latest/topics/using/cors/), pass. A Mapping
#   without cors inherits the Ambassador Module's cors default, which this policy does
#   not see. getambassador.io v2 and v1 objects are not judged here
#   (kubernetes.known_api_version denies them).
# custom:
#   kinds: [getambassador.io/Mapping]
#   severity: high
#   field: spec.cors.origins
#   remediation: >-
#     List the exact origins (for example https://app.example.com) in
#     spec.cors.origins, or drop credentials: true.
package emissary.mapping_cors

import data.lib.emissary
import data.lib.kubernetes as k8s

deny contains msg if {
	k8s.is_check
	emissary.mapping
	cors := k8s.spec.cors
	is_object(cors)
	cors.credentials == true
	some origin in k8s.array_at(cors, "origins")
	emissary.cors_any_origin(origin)
	msg := sprintf(
		"%s: spec.cors allows credentials from any origin (%q in origins with credentials: true), so any web site can call the API as a logged-in user and read the answer; list the exact origins, for example https://app.example.com",
		[k8s.display, origin],
	)
}
