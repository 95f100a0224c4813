# METADATA
# title: Contour routes must not turn external authorization off
# description: >-
#   Contour's external authorization (spec.virtualhost.authorization of a root
#   HTTPProxy, or the global external authorization of Contour's configuration) checks
#   every request with an authorization server, unless an authPolicy turns it off
#   (projectcontour.io/docs/1.33/config/client-authorization/, "Scoping Authorization
#   Policy Settings"). Contour decides per route (projectcontour/contour
#   internal/dag/httpproxy_processor.go computeRoutes): the global setting, overridden by
#   the root's spec.virtualhost.authorization.authPolicy, overridden by the route's own
#   authPolicy whenever the route has one (authPolicy: {} re-enables it). Denied, on
#   projectcontour.io HTTPProxies: a route with authPolicy.disabled: true; and, on a
#   root, spec.virtualhost.authorization.authPolicy.disabled: true, once for each of its
#   routes without an authPolicy of its own and for each of its includes (their routes
#   inherit it unless they set one). What one object shows: an included HTTPProxy (no
#   spec.virtualhost) does not show its root, and a root without an authorization
#   block may still be under Contour's global external authorization, which apiguard
#   cannot see; the route's authPolicy.disabled: true is denied there too, since it
#   turns authorization off wherever authorization applies and does nothing elsewhere.
#   Allowed paths: a route, or an include, whose path conditions (as written in this
#   object: an included proxy's paths are relative to its include's prefix) all fall
#   under a prefix of an entry of data.apiguard.config.contour.authDisabledPaths
#   ([{namespace: <glob>, name: <glob, default "*">, prefix: "/..."}], default none)
#   matching the proxy's namespace and name. Prefixes are string prefixes, as Contour
#   matches them; a route without path condition, or with a regex, needs the prefix
#   "/".
# custom:
#   kinds: [projectcontour.io/HTTPProxy]
#   severity: high
#   field: spec.routes[].authPolicy.disabled
#   remediation: >-
#     Remove authPolicy.disabled (or set it to false) so the route is authorized, or
#     have the public path allowed in apiguard.config.contour.authDisabledPaths.
package contour.no_auth_disabled

import data.lib.contour
import data.lib.kubernetes as k8s

deny contains msg if {
	applies
	some [i, route] in contour.routes
	route.authPolicy.disabled == true
	not allowed(contour.path_conditions(route))
	msg := sprintf(
		"%s: spec.routes[%d] (%s) sets authPolicy.disabled: true, so its requests skip the external authorization server and reach the service unauthenticated; remove authPolicy.disabled, or have the path allowed in apiguard.config.contour.authDisabledPaths",
		[k8s.display, i, contour.route_path_text(route)],
	)
}

deny contains msg if {
	applies
	vhost_disabled
	some [i, route] in contour.routes
	not is_object(object.get(route, "authPolicy", null))
	not allowed(contour.path_conditions(route))
	msg := sprintf(
		"%s: spec.virtualhost.authorization.authPolicy.disabled is true and spec.routes[%d] (%s) has no authPolicy of its own, so its requests skip the external authorization server; remove authPolicy.disabled from the virtual host or give the route authPolicy: {disabled: false}, or have the path allowed in apiguard.config.contour.authDisabledPaths",
		[k8s.display, i, contour.route_path_text(route)],
	)
}

deny contains msg if {
	applies
	vhost_disabled
	some i, include in k8s.array_at(k8s.spec, "includes")
	is_object(include)
	not allowed(contour.include_path_conditions(include))
	msg := sprintf(
		"%s: spec.virtualhost.authorization.authPolicy.disabled is true, so the routes included by spec.includes[%d] (%s, %s) skip the external authorization server unless each sets an authPolicy of its own; remove authPolicy.disabled from the virtual host, or have the path allowed in apiguard.config.contour.authDisabledPaths",
		[k8s.display, i, include_text(include), contour.route_path_text(include)],
	)
}

applies if {
	k8s.is_check
	contour.httpproxy
}

vhost_disabled if contour.virtualhost.authorization.authPolicy.disabled == true

allowed(conditions) if contour.paths_allowed(conditions, contour.allowances("authDisabledPaths"))

include_text(include) := sprintf("HTTPProxy %s/%s", [contour.include_namespace(include), object.get(include, "name", "")])
