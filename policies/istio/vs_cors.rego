# METADATA
# title: Istio VirtualService CORS must not allow credentials from any origin
# description: >-
#   A VirtualService (networking.istio.io; v1, v1beta1 and v1alpha3, one
#   schema) http[].corsPolicy with allowCredentials: true and an origin
#   matcher that admits any web site is denied: any site could make
#   credentialed calls on behalf of a logged-in user. Istio hands
#   allowOrigins to Envoy's CORS filter as string matchers and "the outgoing
#   Access-Control-Allow-Origin would be set to the origin as provided by the
#   client" (istio.io/api networking/v1alpha3/virtual_service.proto); Envoy
#   allows every origin when a matcher matches the literal "*"
#   (envoyproxy/envoy source/extensions/filters/http/cors/cors_filter.cc
#   isOriginAllowed). A matcher admits any site when it matches "*", "null"
#   (the origin of sandboxed iframes and data: URLs, which any site can
#   produce), or a probe origin such as https://attacker.invalid: exact "*",
#   prefix "" or "https://", regex ".*" or "https://.*" (RE2, whole string).
#   The deprecated allowOrigin strings are read as exact matchers.
# custom:
#   kinds: [networking.istio.io/VirtualService]
#   severity: high
#   field: spec.http[].corsPolicy.allowOrigins
#   remediation: >-
#     List the exact origins in allowOrigins (for example exact:
#     https://app.example.com), or set allowCredentials: false.
package istio.vs_cors

import data.lib.istio
import data.lib.kubernetes as k8s

deny contains msg if {
	k8s.is_check
	istio.networking
	k8s.kind == "VirtualService"
	some i, route in k8s.array_at(k8s.spec, "http")
	cors := route.corsPolicy
	cors.allowCredentials == true
	some m in matchers(cors)
	admitted := [p | some p in probes; admits(m, p)]
	count(admitted) > 0
	probe := admitted[0]
	msg := sprintf(
		"%s: spec.http[%d].corsPolicy allows credentials from any origin (%s matches %q with allowCredentials: true), so any web site can call the API as a logged-in user; list the exact origins in allowOrigins, for example exact: https://app.example.com",
		[k8s.display, i, text(m), probe],
	)
}

probes := ["*", "null", "https://attacker.invalid", "http://attacker.invalid"]

# matchers are allowOrigins' string matchers and the deprecated allowOrigin
# strings, read as exact matchers.
matchers(cors) := array.concat(
	[{"kind": kind, "value": v, "field": "allowOrigins", "index": j} |
		some j, o in k8s.array_at(cors, "allowOrigins")
		some kind in ["exact", "prefix", "regex"]
		v := o[kind]
		is_string(v)
	],
	[{"kind": "exact", "value": v, "field": "allowOrigin", "index": j} |
		some j, v in k8s.array_at(cors, "allowOrigin")
		is_string(v)
	],
)

text(m) := sprintf("allowOrigins[%d].%s %q", [m.index, m.kind, m.value]) if m.field == "allowOrigins"

else := sprintf("allowOrigin[%d] %q", [m.index, m.value])

admits(m, probe) if {
	m.kind == "exact"
	m.value == probe
}

admits(m, probe) if {
	m.kind == "prefix"
	startswith(probe, m.value)
}

admits(m, probe) if {
	m.kind == "regex"
	regex.is_valid(m.value)
	regex.match(sprintf("^(?:%s)$", [m.value]), probe)
}
