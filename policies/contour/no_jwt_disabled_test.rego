package contour.no_jwt_disabled_test

import data.contour.no_jwt_disabled

request(operation, spec) := {"request": {
	"uid": "1",
	"kind": {"group": "projectcontour.io", "version": "v1", "kind": "HTTPProxy"},
	"name": "jwt-verification",
	"namespace": "shop",
	"operation": operation,
	"object": {
		"apiVersion": "projectcontour.io/v1",
		"kind": "HTTPProxy",
		"metadata": {"name": "jwt-verification", "namespace": "shop"},
		"spec": spec,
	},
}}

provider(is_default) := {"name": "provider-1", "issuer": "example.com", "default": is_default, "remoteJWKS": {"uri": "https://example.com/jwks.json"}}

root(providers, routes) := {
	"virtualhost": {"fqdn": "example.com", "tls": {"secretName": "example-com-tls-cert"}, "jwtProviders": providers},
	"routes": routes,
}

verified := {"conditions": [{"prefix": "/"}], "services": [{"name": "s1", "port": 80}]}

css := {"conditions": [{"prefix": "/css"}], "jwtVerificationPolicy": {"disabled": true}, "services": [{"name": "s1", "port": 80}]}

root_msg := "HTTPProxy shop/jwt-verification: spec.routes[1] (prefix /css) sets jwtVerificationPolicy.disabled: true, so its requests reach the service without the verification of the default JWT provider \"provider-1\"; remove jwtVerificationPolicy.disabled, or have the path allowed in apiguard.config.contour.jwtDisabledPaths"

# Contour's own "Setting a default provider" example (jwt-verification docs).
test_disabled_under_default_provider_denied if {
	no_jwt_disabled.deny == {root_msg} with input as request("CREATE", root([provider(true)], [verified, css]))
	no_jwt_disabled.deny == {root_msg} with input as request("AUDIT", root([provider(true)], [verified, css]))
}

test_verified_routes_allowed if {
	count(no_jwt_disabled.deny) == 0 with input as request("CREATE", root([provider(true)], [verified]))
	count(no_jwt_disabled.deny) == 0 with input as request("CREATE", root([provider(true)], [object.union(css, {"jwtVerificationPolicy": {"disabled": false}})]))
	count(no_jwt_disabled.deny) == 0 with input as request("CREATE", root([provider(false)], [object.union(verified, {"jwtVerificationPolicy": {"require": "provider-1"}})]))
}

# Without a default provider, a route without require is not verified anyway: the
# flag changes nothing (computeRoutes: no provider either way).
test_no_default_provider_not_judged if {
	count(no_jwt_disabled.deny) == 0 with input as request("CREATE", root([provider(false)], [css]))
	count(no_jwt_disabled.deny) == 0 with input as request("CREATE", {"virtualhost": {"fqdn": "example.com"}, "routes": [css]})
	count(no_jwt_disabled.deny) == 0 with input as request("CREATE", root([object.remove(provider(true), ["default"])], [css]))
}

# An included proxy's routes get the root's default provider; its root is unknown here.
test_included_proxy_judged if {
	denies := no_jwt_disabled.deny with input as request("CREATE", {"routes": [css]})
	denies == {"HTTPProxy shop/jwt-verification: spec.routes[0] (prefix /css) sets jwtVerificationPolicy.disabled: true, so its requests skip the verification of the including root's default JWT provider and reach the service without a verified token; remove jwtVerificationPolicy.disabled, or have the path allowed in apiguard.config.contour.jwtDisabledPaths"}
}

# Two defaults make Contour reject the proxy; the policy must still decide, not conflict.
test_two_default_providers if {
	second := object.union(provider(true), {"name": "provider-2"})
	denies := no_jwt_disabled.deny with input as request("CREATE", root([provider(true), second], [css]))
	count(denies) == 1
	some msg in denies
	contains(msg, "\"provider-1\", \"provider-2\"")
}

test_delete_and_other_group_not_judged if {
	spec := root([provider(true)], [css])
	del := json.patch(request("DELETE", spec), [{"op": "add", "path": "/request/oldObject", "value": request("DELETE", spec).request.object}])
	count(no_jwt_disabled.deny) == 0 with input as del
	other := json.patch(request("CREATE", spec), [{"op": "replace", "path": "/request/kind/group", "value": "example.com"}])
	count(no_jwt_disabled.deny) == 0 with input as other
}

test_configured_paths if {
	cfg := {"contour": {"jwtDisabledPaths": [{"namespace": "shop", "prefix": "/css"}]}}
	count(no_jwt_disabled.deny) == 0 with input as request("CREATE", root([provider(true)], [verified, css])) with data.apiguard.config as cfg
	count(no_jwt_disabled.deny) == 0 with input as request("CREATE", {"routes": [css]}) with data.apiguard.config as cfg
	wide := object.union(css, {"conditions": [{"regex": "/css/.*|/api/.*"}]})
	count(no_jwt_disabled.deny) == 1 with input as request("CREATE", root([provider(true)], [wide])) with data.apiguard.config as cfg
	count(no_jwt_disabled.deny) == 1 with input as request("CREATE", root([provider(true)], [object.remove(css, ["conditions"])])) with data.apiguard.config as cfg
}
