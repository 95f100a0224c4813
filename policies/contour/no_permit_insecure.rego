# METADATA
# title: Contour routes must not permit plain HTTP
# description: >-
#   A route of a Contour HTTPProxy (projectcontour.io) with permitInsecure: true is
#   denied. Contour serves a TLS virtual host's routes on the plain HTTP listener only
#   to answer with a 301 redirect to HTTPS; permitInsecure turns the redirect off for
#   that route, which is then served over plain HTTP (projectcontour.io/docs/1.33/config/tls-termination/,
#   "Permitting Insecure Requests"; projectcontour/contour internal/dag/httpproxy_processor.go
#   computeRoutes: HTTPSUpgrade = routeEnforceTLS(enforceTLS, route.PermitInsecure &&
#   !p.DisablePermitInsecure)). On that listener none of the virtual host's
#   authorization or JWT verification applies: Contour adds the ext_authz and jwt_authn
#   filters to the TLS virtual host's filter chain only (internal/xdscache/v3/listener.go),
#   so such a route is also reachable without the host's authentication. Routes of
#   included HTTPProxies (no spec.virtualhost) are judged too: the flag is per route and
#   takes effect under whichever root includes them. A route whose path conditions
#   all fall under a prefix that data.apiguard.config.contour.permitInsecurePaths allows
#   for the proxy's namespace and name (for example an ACME HTTP-01 challenge path) is
#   not denied. Contour's own disablePermitInsecure setting makes the field inert
#   cluster-wide; apiguard cannot see it, so the field is judged regardless.
# custom:
#   kinds: [projectcontour.io/HTTPProxy]
#   severity: high
#   field: spec.routes[].permitInsecure
#   remediation: >-
#     Remove permitInsecure from the route (Contour then redirects plain HTTP to
#     HTTPS), or have the path allowed in
#     apiguard.config.contour.permitInsecurePaths.
package contour.no_permit_insecure

import data.lib.contour
import data.lib.kubernetes as k8s

deny contains msg if {
	k8s.is_check
	contour.httpproxy
	some [i, route] in contour.routes
	route.permitInsecure == true
	not contour.paths_allowed(contour.path_conditions(route), contour.allowances("permitInsecurePaths"))
	msg := sprintf(
		"%s: spec.routes[%d] (%s) sets permitInsecure: true, so it is served over plain HTTP, without the redirect to HTTPS and without the virtual host's authorization or JWT verification; remove permitInsecure, or have the path allowed in apiguard.config.contour.permitInsecurePaths",
		[k8s.display, i, contour.route_path_text(route)],
	)
}
