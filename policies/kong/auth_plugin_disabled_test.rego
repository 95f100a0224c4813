package kong.auth_plugin_disabled_test

import data.kong.auth_plugin_disabled

request(operation, kind, obj) := {"request": {
	"kind": {"group": "configuration.konghq.com", "version": "v1", "kind": kind},
	"name": "auth",
	"namespace": "shop",
	"operation": operation,
	"object": object.union({"apiVersion": "configuration.konghq.com/v1", "kind": kind, "metadata": {"name": "auth", "namespace": "shop"}}, obj),
}}

plugin(obj) := request("CREATE", "KongPlugin", obj)

test_disabled_auth_denied if {
	auth_plugin_disabled.deny == {"KongPlugin shop/auth: authentication plugin key-auth has disabled: true, so Kong skips it and the routes that name it in konghq.com/plugins are served without authentication; remove disabled: true, or detach the plugin from those routes"} with input as plugin({"plugin": "key-auth", "disabled": true})
	count(auth_plugin_disabled.deny) == 1 with input as request("AUDIT", "KongClusterPlugin", {"plugin": "openid-connect", "disabled": true})
	count(auth_plugin_disabled.deny) == 1 with input as request("UPDATE", "KongPlugin", {"plugin": "basic-auth", "disabled": true})
}

# disabled is a boolean in the CRD; false or absent keeps the plugin enabled.
test_enabled_auth_allowed if {
	count(auth_plugin_disabled.deny) == 0 with input as plugin({"plugin": "key-auth", "disabled": false})
	count(auth_plugin_disabled.deny) == 0 with input as plugin({"plugin": "key-auth"})
	count(auth_plugin_disabled.warn) == 0 with input as plugin({"plugin": "key-auth"})
}

test_non_auth_plugin_not_judged if {
	count(auth_plugin_disabled.deny) == 0 with input as plugin({"plugin": "rate-limiting", "disabled": true})
	count(auth_plugin_disabled.deny) == 1 with input as plugin({"plugin": "corp-sso", "disabled": true}) with data.apiguard.config as {"kong": {"authPlugins": ["corp-sso"]}}
}

# A plugin runs only on the protocols it lists: key-auth on https only lets plain HTTP
# requests through unauthenticated where the route also accepts http.
test_protocols_narrowed_warned if {
	auth_plugin_disabled.warn == {"KongPlugin shop/auth: authentication plugin key-auth runs only on protocols [\"https\"], so a request a route accepts over http skips it unauthenticated; leave protocols unset, or make sure every route it is attached to accepts only the listed protocols"} with input as plugin({"plugin": "key-auth", "protocols": ["https"]})
	count(auth_plugin_disabled.warn) == 1 with input as plugin({"plugin": "jwt", "protocols": ["grpc", "grpcs"]})
	count(auth_plugin_disabled.warn) == 0 with input as plugin({"plugin": "jwt", "protocols": ["http", "https"]})
	count(auth_plugin_disabled.warn) == 0 with input as plugin({"plugin": "jwt", "protocols": ["grpcs", "http", "https"]})
	count(auth_plugin_disabled.warn) == 0 with input as plugin({"plugin": "cors", "protocols": ["https"]})
}

test_delete_and_other_group_not_judged if {
	r := request("DELETE", "KongPlugin", {"plugin": "key-auth", "disabled": true})
	count(auth_plugin_disabled.deny) == 0 with input as json.patch(r, [{"op": "add", "path": "/request/oldObject", "value": r.request.object}, {"op": "remove", "path": "/request/object"}])
	count(auth_plugin_disabled.deny) == 0 with input as json.patch(plugin({"plugin": "key-auth", "disabled": true}), [{"op": "replace", "path": "/request/kind/group", "value": "example.com"}])
}
