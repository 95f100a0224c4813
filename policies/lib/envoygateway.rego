# METADATA
# title: How Envoy Gateway reads its objects
# description: >-
#   Envoy Gateway v1.9 semantics shared by the envoygateway.* policies, each from
#   envoyproxy/gateway's own source: which request is an Envoy Gateway object of a
#   kind (group gateway.envoyproxy.io; Tyk's SecurityPolicy and Gateway API's kinds
#   share names), configuration under data.apiguard.config.envoyGateway, how a CORS
#   allowed origin is matched (internal/gatewayapi/securitypolicy.go buildCORS and
#   wildcard2regex: an origin holding "*" becomes a regular expression where each "*"
#   is ".*"), and the TLS versions Envoy reads below 1.2 (internal/xds/translator/
#   listener.go buildTLSVersion: "1.0" and "1.1" map to TLSv1_0 and TLSv1_1,
#   anything else, "Auto" included, to TLS_AUTO, whose minimum Envoy sets to TLSv1_2
#   for clients and servers: envoyproxy/envoy api/envoy/extensions/transport_sockets/
#   tls/v3/common.proto TlsParameters).
#   Not a policy: it defines no deny, violation, warn or patch rule.
package lib.envoygateway

import data.lib.kubernetes as k8s

# judged(kind) holds for a CREATE, UPDATE or AUDIT of an Envoy Gateway object of kind.
judged(kind) if {
	k8s.is_check
	k8s.group == "gateway.envoyproxy.io"
	k8s.kind == kind
}

# setting reads data.apiguard.config.envoyGateway.<key>, falling back to fallback.
setting(key, fallback) := k8s.setting(["envoyGateway", key], fallback)

# globs(key) is the list of namespace globs at envoyGateway.<key>; malformed
# configuration (not a list of strings) means none.
globs(key) := g if {
	g := setting(key, [])
	is_array(g)
	every x in g {
		is_string(x)
	}
} else := []

# exempt(key) holds when the object's namespace matches a glob of envoyGateway.<key>.
exempt(key) if k8s.namespace_in(globs(key))

# legacy_tls(v) holds for a TLSVersion enum value below 1.2 (the CRD's enum is
# Auto, "1.0", "1.1", "1.2", "1.3"; absent and Auto mean Envoy's default, TLS 1.2).
legacy_tls(v) if v in {"1.0", "1.1"}

# any_origin(o) holds for a CORS allowed origin that admits a site anyone can set
# up. The CRD's Origin pattern allows "*", "<scheme>://*" and
# "<scheme>://*.<domain>", each with an optional port; Envoy Gateway turns each "*"
# into ".*" (a full match in Envoy's RE2 matcher), so "*" admits every origin ("null"
# included), "https://*" every https site, and "https://*.com" every site under a
# top-level domain. Envoy's CORS filter then echoes the caller's origin in
# Access-Control-Allow-Origin (envoyproxy/envoy source/extensions/filters/http/cors/
# cors_filter.cc encodeHeaders: latched_origin_). Compared as the schema admits it
# (no spaces), schemes case-insensitively.
any_origin(o) if o == "*"

any_origin(o) if {
	is_string(o)
	regex.match(`^[A-Za-z][A-Za-z0-9+.-]*://\*(:[0-9]{1,5})?$`, o)
}

any_origin(o) if {
	is_string(o)
	regex.match(`^[A-Za-z][A-Za-z0-9+.-]*://\*\.[A-Za-z0-9_-]+\.?(:[0-9]{1,5})?$`, o)
}

# subdomain_wildcard(o) holds for "<scheme>://*.<domain of two labels or more>": every
# subdomain, a taken-over one included.
subdomain_wildcard(o) if {
	is_string(o)
	regex.match(`^[A-Za-z][A-Za-z0-9+.-]*://\*\.[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)+\.?(:[0-9]{1,5})?$`, o)
}

# default_action(auth) is spec.authorization's default action as Envoy Gateway reads
# it: Deny when unset (internal/gatewayapi/securitypolicy.go buildAuthorization,
# "The default action is Deny if not specified").
default_action(auth) := a if {
	a := auth.defaultAction
	is_string(a)
} else := "Deny"
