# METADATA
# title: Envoy Gateway SecurityPolicy CORS must not allow credentials from any origin
# description: >-
#   spec.cors.allowOrigins entries that admit any site ("*", "<scheme>://*", or a
#   wildcard over a top-level domain such as "https://*.com", each with an optional
#   port, the forms the CRD's Origin pattern allows), together with
#   allowCredentials: true, are denied: Envoy Gateway turns each "*" into ".*"
#   (internal/gatewayapi/securitypolicy.go buildCORS, wildcard2regex) and Envoy's
#   CORS filter echoes the caller's origin in Access-Control-Allow-Origin with
#   Access-Control-Allow-Credentials: true (envoyproxy/envoy source/extensions/filters/
#   http/cors/cors_filter.cc encodeHeaders), so any web site can make credentialed
#   calls on behalf of a logged-in user (Envoy Gateway's own CORS type notes that the
#   spec's literal-wildcard rule for credentialed requests is not applied). Such an
#   origin without credentials is warned, as tyk.safe_cors does, and so is a subdomain
#   wildcard (https://*.example.com) with credentials, which trusts every subdomain, a
#   taken-over one included.
# custom:
#   kinds: [gateway.envoyproxy.io/SecurityPolicy]
#   severity: high
#   field: spec.cors.allowOrigins
#   remediation: >-
#     List the exact origins (for example https://app.example.com) in
#     spec.cors.allowOrigins instead of "*" or a wildcard, or drop allowCredentials.
package envoygateway.safe_cors

import data.lib.envoygateway as eg
import data.lib.kubernetes as k8s

deny contains msg if {
	eg.judged("SecurityPolicy")
	credentials
	some origin in origins
	eg.any_origin(origin)
	msg := sprintf(
		"%s: spec.cors allows credentials from any origin (%q in allowOrigins with allowCredentials: true), so any web site can call the API as a logged-in user; list the exact origins in allowOrigins, for example https://app.example.com",
		[k8s.display, origin],
	)
}

warn contains msg if {
	eg.judged("SecurityPolicy")
	not credentials
	some origin in origins
	eg.any_origin(origin)
	msg := sprintf(
		"%s: spec.cors.allowOrigins contains %q, so any web site can call the API from a browser; list the exact origins instead, for example https://app.example.com",
		[k8s.display, origin],
	)
}

warn contains msg if {
	eg.judged("SecurityPolicy")
	credentials
	some origin in origins
	eg.subdomain_wildcard(origin)
	msg := sprintf(
		"%s: spec.cors allows credentials from %q, every subdomain including any that is taken over or user-controlled; list the exact origins instead",
		[k8s.display, origin],
	)
}

origins := k8s.array_at(k8s.spec.cors, "allowOrigins")

credentials if k8s.spec.cors.allowCredentials == true
