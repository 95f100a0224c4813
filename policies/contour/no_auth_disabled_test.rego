package contour.no_auth_disabled_test

import data.contour.no_auth_disabled

request(operation, spec) := {"request": {
	"uid": "1",
	"kind": {"group": "projectcontour.io", "version": "v1", "kind": "HTTPProxy"},
	"name": "api",
	"namespace": "shop",
	"operation": operation,
	"object": {
		"apiVersion": "projectcontour.io/v1",
		"kind": "HTTPProxy",
		"metadata": {"name": "api", "namespace": "shop"},
		"spec": spec,
	},
}}

authorization := {"extensionRef": {"name": "authserver", "namespace": "auth"}}

root(auth, routes) := {
	"virtualhost": {"fqdn": "api.example.com", "tls": {"secretName": "api-tls"}, "authorization": auth},
	"routes": routes,
}

private_route := {"conditions": [{"prefix": "/"}], "services": [{"name": "api", "port": 80}]}

public_route := {"conditions": [{"prefix": "/public"}], "authPolicy": {"disabled": true}, "services": [{"name": "api", "port": 80}]}

route_msg := "HTTPProxy shop/api: spec.routes[1] (prefix /public) sets authPolicy.disabled: true, so its requests skip the external authorization server and reach the service unauthenticated; remove authPolicy.disabled, or have the path allowed in apiguard.config.contour.authDisabledPaths"

test_route_disabled_denied if {
	no_auth_disabled.deny == {route_msg} with input as request("CREATE", root(authorization, [private_route, public_route]))
	no_auth_disabled.deny == {route_msg} with input as request("AUDIT", root(authorization, [private_route, public_route]))
}

test_authorized_routes_allowed if {
	count(no_auth_disabled.deny) == 0 with input as request("CREATE", root(authorization, [private_route]))
	count(no_auth_disabled.deny) == 0 with input as request("CREATE", root(authorization, [json.patch(public_route, [{"op": "replace", "path": "/authPolicy", "value": {"disabled": false}}])]))
	count(no_auth_disabled.deny) == 0 with input as request("CREATE", root(authorization, [json.patch(public_route, [{"op": "replace", "path": "/authPolicy", "value": {"context": {"realm": "public"}}}])]))
}

# An included proxy shows no root, and a root without authorization may be under
# Contour's global external authorization: disabled: true is judged in both.
test_included_and_unauthorized_root_judged if {
	count(no_auth_disabled.deny) == 1 with input as request("CREATE", {"routes": [private_route, public_route]})
	count(no_auth_disabled.deny) == 1 with input as request("CREATE", {"virtualhost": {"fqdn": "api.example.com"}, "routes": [public_route]})
}

test_delete_and_other_group_not_judged if {
	del := json.patch(request("DELETE", root(authorization, [public_route])), [{"op": "add", "path": "/request/oldObject", "value": request("DELETE", root(authorization, [public_route])).request.object}])
	count(no_auth_disabled.deny) == 0 with input as del
	other := json.patch(request("CREATE", root(authorization, [public_route])), [{"op": "replace", "path": "/request/kind/group", "value": "example.com"}])
	count(no_auth_disabled.deny) == 0 with input as other
}

# DisableAuthorization: the virtual host's authPolicy is every route's default, and a
# route's own authPolicy (even {}) overrides it (computeRoutes).
test_virtual_host_disabled if {
	auth := object.union(authorization, {"authPolicy": {"disabled": true}})
	denies := no_auth_disabled.deny with input as request("CREATE", root(auth, [
		private_route,
		object.union(private_route, {"conditions": [{"prefix": "/admin"}], "authPolicy": {}}),
		object.union(private_route, {"conditions": [{"prefix": "/orders"}], "authPolicy": {"disabled": false}}),
	]))
	denies == {"HTTPProxy shop/api: spec.virtualhost.authorization.authPolicy.disabled is true and spec.routes[0] (prefix /) has no authPolicy of its own, so its requests skip the external authorization server; remove authPolicy.disabled from the virtual host or give the route authPolicy: {disabled: false}, or have the path allowed in apiguard.config.contour.authDisabledPaths"}
}

# An authorization block with only authPolicy.disabled opts the host out of Contour's
# global external authorization (computeSecureVirtualHostAuthorization falls back to
# the global server, whose routes then inherit disabled).
test_opt_out_of_global_authorization if {
	denies := no_auth_disabled.deny with input as request("CREATE", root({"authPolicy": {"disabled": true}}, [private_route]))
	count(denies) == 1
}

test_virtual_host_disabled_includes if {
	auth := object.union(authorization, {"authPolicy": {"disabled": true}})
	spec := object.union(root(auth, []), {"includes": [
		{"name": "blog", "namespace": "marketing", "conditions": [{"prefix": "/blog"}]},
		{"name": "status"},
	]})
	denies := no_auth_disabled.deny with input as request("CREATE", spec)
	denies == {
		"HTTPProxy shop/api: spec.virtualhost.authorization.authPolicy.disabled is true, so the routes included by spec.includes[0] (HTTPProxy marketing/blog, prefix /blog) skip the external authorization server unless each sets an authPolicy of its own; remove authPolicy.disabled from the virtual host, or have the path allowed in apiguard.config.contour.authDisabledPaths",
		"HTTPProxy shop/api: spec.virtualhost.authorization.authPolicy.disabled is true, so the routes included by spec.includes[1] (HTTPProxy shop/status, every path) skip the external authorization server unless each sets an authPolicy of its own; remove authPolicy.disabled from the virtual host, or have the path allowed in apiguard.config.contour.authDisabledPaths",
	}
	cfg := {"contour": {"authDisabledPaths": [{"namespace": "shop", "name": "api", "prefix": "/blog"}]}}
	count(no_auth_disabled.deny) == 1 with input as request("CREATE", spec) with data.apiguard.config as cfg
}

test_configured_paths if {
	cfg := {"contour": {"authDisabledPaths": [{"namespace": "shop", "prefix": "/public"}]}}
	count(no_auth_disabled.deny) == 0 with input as request("CREATE", root(authorization, [private_route, public_route])) with data.apiguard.config as cfg

	# "//public" is "/public" once Contour collapses slashes.
	slashes := object.union(public_route, {"conditions": [{"prefix": "//public"}]})
	count(no_auth_disabled.deny) == 0 with input as request("CREATE", root(authorization, [slashes])) with data.apiguard.config as cfg

	# Wider than allowed: "/", no condition, a regex, another proxy name, another namespace.
	wide := [
		object.union(public_route, {"conditions": [{"prefix": "/"}]}),
		object.remove(public_route, ["conditions"]),
		object.union(public_route, {"conditions": [{"regex": "/public.*|/admin.*"}]}),
		object.union(public_route, {"conditions": [{"prefix": "/pub"}]}),
	]
	every r in wide {
		count(no_auth_disabled.deny) == 1 with input as request("CREATE", root(authorization, [r])) with data.apiguard.config as cfg
	}
	count(no_auth_disabled.deny) == 1 with input as request("CREATE", root(authorization, [public_route])) with data.apiguard.config as {"contour": {"authDisabledPaths": [{"namespace": "shop", "name": "web", "prefix": "/public"}]}}
	count(no_auth_disabled.deny) == 1 with input as request("CREATE", root(authorization, [public_route])) with data.apiguard.config as {"contour": {"authDisabledPaths": [{"namespace": "other", "prefix": "/"}]}}

	# A header condition only narrows the route: still under /public.
	narrowed := object.union(public_route, {"conditions": [{"prefix": "/public"}, {"header": {"name": "x-debug", "present": true}}]})
	count(no_auth_disabled.deny) == 0 with input as request("CREATE", root(authorization, [narrowed])) with data.apiguard.config as cfg
}
