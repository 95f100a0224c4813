# METADATA
# title: Contour routes must not turn JWT verification off
# description: >-
#   A root HTTPProxy (projectcontour.io) can name a default JWT provider
#   (spec.virtualhost.jwtProviders[] with default: true), which Contour applies to every
#   route of the virtual host, included HTTPProxies' routes too, unless the route sets
#   jwtVerificationPolicy.disabled: true (projectcontour.io/docs/1.33/config/jwt-verification/,
#   "Setting a default provider"; projectcontour/contour internal/dag/httpproxy_processor.go
#   computeRoutes: disabled gives the route no provider, otherwise require, otherwise
#   the root's default). A route with jwtVerificationPolicy.disabled: true is denied:
#   its requests reach the service without a verified token. Judged where it can have
#   that effect: on a root that has a default provider, and on an included HTTPProxy
#   (no spec.virtualhost), whose root and its default provider one object does not
#   show. On a root without a default provider the flag changes nothing (a route
#   without require is not verified at all) and is not judged. Allowed paths: a
#   route whose path conditions (as written in this object: an included proxy's paths
#   are relative to its include's prefix) all fall under a prefix of an entry of
#   data.apiguard.config.contour.jwtDisabledPaths ([{namespace: <glob>, name: <glob,
#   default "*">, prefix: "/..."}], default none) matching the proxy's namespace and
#   name, for example static assets; a route without path condition, or with a regex,
#   needs the prefix "/".
# custom:
#   kinds: [projectcontour.io/HTTPProxy]
#   severity: high
#   field: spec.routes[].jwtVerificationPolicy.disabled
#   remediation: >-
#     Remove jwtVerificationPolicy.disabled so the default provider verifies the
#     route's tokens, or have the public path allowed in
#     apiguard.config.contour.jwtDisabledPaths.
package contour.no_jwt_disabled

import data.lib.contour
import data.lib.kubernetes as k8s

deny contains msg if {
	k8s.is_check
	contour.httpproxy
	some [i, route] in contour.routes
	route.jwtVerificationPolicy.disabled == true
	consequence := effect
	not contour.paths_allowed(contour.path_conditions(route), contour.allowances("jwtDisabledPaths"))
	msg := sprintf(
		"%s: spec.routes[%d] (%s) sets jwtVerificationPolicy.disabled: true, so %s; remove jwtVerificationPolicy.disabled, or have the path allowed in apiguard.config.contour.jwtDisabledPaths",
		[k8s.display, i, contour.route_path_text(route), consequence],
	)
}

# effect is what the flag does here; undefined on a root without a default provider,
# where it does nothing.
effect := sprintf("its requests reach the service without the verification of the default JWT provider %s", [concat(", ", sort(default_providers))]) if {
	contour.root
	count(default_providers) > 0
} else := "its requests skip the verification of the including root's default JWT provider and reach the service without a verified token" if {
	not contour.root
}

# A set: two defaults make Contour reject the proxy (MultipleDefaultProvidersSpecified),
# and must not make this rule conflict.
default_providers contains sprintf("%q", [name]) if {
	some p in k8s.array_at(contour.virtualhost, "jwtProviders")
	is_object(p)
	p["default"] == true
	name := object.get(p, "name", "")
}
