package contour.no_permit_insecure_test

import data.contour.no_permit_insecure

request(operation, spec) := {"request": {
	"uid": "1",
	"kind": {"group": "projectcontour.io", "version": "v1", "kind": "HTTPProxy"},
	"name": "web",
	"namespace": "shop",
	"operation": operation,
	"object": {
		"apiVersion": "projectcontour.io/v1",
		"kind": "HTTPProxy",
		"metadata": {"name": "web", "namespace": "shop"},
		"spec": spec,
	},
}}

root(routes) := {
	"virtualhost": {"fqdn": "shop.example.com", "tls": {"secretName": "shop-tls"}},
	"routes": routes,
}

secure_route := {"conditions": [{"prefix": "/"}], "services": [{"name": "web", "port": 80}]}

insecure_blog := {"conditions": [{"prefix": "/blog"}], "permitInsecure": true, "services": [{"name": "blog", "port": 80}]}

deny_msg := "HTTPProxy shop/web: spec.routes[1] (prefix /blog) sets permitInsecure: true, so it is served over plain HTTP, without the redirect to HTTPS and without the virtual host's authorization or JWT verification; remove permitInsecure, or have the path allowed in apiguard.config.contour.permitInsecurePaths"

# Contour's own "Permitting Insecure Requests" example (tls-termination docs).
test_permit_insecure_denied if {
	no_permit_insecure.deny == {deny_msg} with input as request("CREATE", root([secure_route, insecure_blog]))
	no_permit_insecure.deny == {deny_msg} with input as request("UPDATE", root([secure_route, insecure_blog]))
	no_permit_insecure.deny == {deny_msg} with input as request("AUDIT", root([secure_route, insecure_blog]))
}

test_secure_routes_allowed if {
	count(no_permit_insecure.deny) == 0 with input as request("CREATE", root([secure_route]))
	count(no_permit_insecure.deny) == 0 with input as request("CREATE", root([object.union(insecure_blog, {"permitInsecure": false})]))

	# Only the boolean true turns the redirect off (the CRD types it boolean; a string never reaches Contour).
	count(no_permit_insecure.deny) == 0 with input as request("CREATE", root([object.union(insecure_blog, {"permitInsecure": "true"})]))
}

test_delete_not_judged if {
	count(no_permit_insecure.deny) == 0 with input as json.patch(request("DELETE", root([insecure_blog])), [{"op": "add", "path": "/request/oldObject", "value": request("DELETE", root([insecure_blog])).request.object}])
}

test_other_group_not_judged if {
	req := json.patch(request("CREATE", root([insecure_blog])), [{"op": "replace", "path": "/request/kind/group", "value": "example.com"}])
	count(no_permit_insecure.deny) == 0 with input as req
}

# The flag is per route: an included proxy's route is served insecurely under its root.
test_included_proxy_judged if {
	denies := no_permit_insecure.deny with input as request("CREATE", {"routes": [insecure_blog]})
	count(denies) == 1
	some msg in denies
	contains(msg, "spec.routes[0] (prefix /blog)")
}

# Every route is judged; a route without conditions matches every path.
test_every_route_and_no_condition if {
	denies := no_permit_insecure.deny with input as request("CREATE", root([{"permitInsecure": true, "services": [{"name": "web", "port": 80}]}, insecure_blog]))
	count(denies) == 2
	some msg in denies
	contains(msg, "spec.routes[0] (every path)")
}

test_configured_paths_allowed if {
	acme := {"conditions": [{"prefix": "/.well-known/acme-challenge/"}], "permitInsecure": true, "services": [{"name": "solver", "port": 8089}]}
	cfg := {"contour": {"permitInsecurePaths": [{"namespace": "shop", "prefix": "/.well-known/acme-challenge/"}]}}
	count(no_permit_insecure.deny) == 0 with input as request("CREATE", root([secure_route, acme])) with data.apiguard.config as cfg
	count(no_permit_insecure.deny) == 1 with input as request("CREATE", root([secure_route, acme]))

	# Another namespace's allowance, a shorter path, a regex: still denied.
	count(no_permit_insecure.deny) == 1 with input as request("CREATE", root([secure_route, acme])) with data.apiguard.config as {"contour": {"permitInsecurePaths": [{"namespace": "other", "prefix": "/"}]}}
	count(no_permit_insecure.deny) == 1 with input as request("CREATE", root([insecure_blog])) with data.apiguard.config as {"contour": {"permitInsecurePaths": [{"namespace": "shop", "prefix": "/blog/"}]}}
	regex_route := {"conditions": [{"regex": "/.well-known/acme-challenge/.*|/admin.*"}], "permitInsecure": true, "services": [{"name": "solver", "port": 8089}]}
	count(no_permit_insecure.deny) == 1 with input as request("CREATE", root([regex_route])) with data.apiguard.config as cfg
}
