package apisix.require_auth_test

import data.apisix.require_auth

req(operation, spec) := {"request": {
	"uid": "1",
	"kind": {"group": "apisix.apache.org", "version": "v2", "kind": "ApisixRoute"},
	"name": "orders",
	"namespace": "shop",
	"operation": operation,
	"object": {
		"apiVersion": "apisix.apache.org/v2",
		"kind": "ApisixRoute",
		"metadata": {"name": "orders", "namespace": "shop"},
		"spec": spec,
	},
}}

rule(extra) := object.union(
	{
		"name": "orders-api",
		"match": {"hosts": ["api.example.com"], "paths": ["/orders/*"]},
		"backends": [{"serviceName": "orders", "servicePort": 80}],
	},
	extra,
)

route(extra) := {"ingressClassName": "apisix", "http": [rule(extra)]}

plugin(name, config) := {"name": name, "enable": true, "config": config}

denied(spec) if count(require_auth.deny) == 1 with input as req("CREATE", spec)

allowed(spec) if count(require_auth.deny) == 0 with input as req("CREATE", spec)

test_no_authentication_denied if {
	require_auth.deny == {"ApisixRoute shop/orders: spec.http[0] (orders-api) on ingress class \"apisix\" has no authentication, so anyone on the internet can call it; set authentication: {enable: true, type: keyAuth} (or another type) or enable an auth plugin, or list the route in apisix.publicRoutes if it is meant to be public"} with input as req("CREATE", route({}))
	denied(route({})) with input as req("AUDIT", route({}))
	count(require_auth.deny) == 1 with input as req("UPDATE", route({}))
}

# authentication.enable true adds an auth plugin whatever the type (unknown types fall
# back to basic-auth, apisixroute.go addAuthenticationPlugins).
test_authentication_enabled_allowed if {
	allowed(route({"authentication": {"enable": true, "type": "keyAuth"}}))
	allowed(route({"authentication": {"enable": true, "type": "jwtAuth"}}))
	allowed(route({"authentication": {"enable": true, "type": "unknownType"}}))
}

# enable false (or a type without enable) adds nothing.
test_authentication_disabled_denied if {
	denied(route({"authentication": {"enable": false, "type": "keyAuth"}}))
	some msg in require_auth.deny with input as req("CREATE", route({"authentication": {"enable": false, "type": "keyAuth"}}))
	contains(msg, "(authentication.enable is not true)")
	denied(route({"authentication": {"enable": "true", "type": "keyAuth"}}))
}

test_auth_plugins_count if {
	every name in ["key-auth", "jwt-auth", "basic-auth", "hmac-auth", "openid-connect", "forward-auth", "wolf-rbac", "ldap-auth", "multi-auth"] {
		allowed(route({"plugins": [plugin(name, {})]}))
	}

	# enable defaults to true (CRD default).
	allowed(route({"plugins": [{"name": "key-auth"}]}))
}

# A disabled auth plugin is skipped (loadRoutePlugins: `if !plugin.Enable { continue }`).
test_disabled_auth_plugin_denied if {
	denied(route({"plugins": [{"name": "key-auth", "enable": false}]}))
}

# The last enabled entry of a name is the one that runs; a later disabled one changes
# nothing.
test_duplicate_plugin_entries if {
	denied(route({"plugins": [plugin("key-auth", {}), plugin("key-auth", {"anonymous_consumer": "anon"})]}))
	allowed(route({"plugins": [plugin("key-auth", {"anonymous_consumer": "anon"}), plugin("key-auth", {})]}))
	allowed(route({"plugins": [plugin("key-auth", {}), {"name": "key-auth", "enable": false, "config": {"anonymous_consumer": "anon"}}]}))
}

# Auth plugins that admit requests without credentials do not count.
test_weakened_auth_plugins_denied if {
	denied(route({"plugins": [plugin("key-auth", {"anonymous_consumer": "anon"})]}))
	denied(route({"plugins": [plugin("jwt-auth", {"anonymous_consumer": "guest"})]}))
	denied(route({"plugins": [plugin("openid-connect", {"unauth_action": "pass", "discovery": "https://idp.example.com/.well-known/openid-configuration"})]}))
	denied(route({"plugins": [plugin("forward-auth", {"uri": "http://auth.auth.svc", "allow_degradation": true})]}))
	some msg in require_auth.deny with input as req("CREATE", route({"plugins": [plugin("key-auth", {"anonymous_consumer": "anon"})]}))
	contains(msg, "key-auth: anonymous_consumer \"anon\" admits requests without credentials")
	allowed(route({"plugins": [plugin("openid-connect", {"unauth_action": "deny"})]}))
	allowed(route({"plugins": [plugin("forward-auth", {"allow_degradation": false})]}))
	allowed(route({"plugins": [plugin("key-auth", {"anonymous_consumer": ""})]}))

	# APISIX's own plugin switches: _meta.disable skips the plugin, _meta.filter runs it
	# only for requests that match (apisix/plugin.lua check_disable, meta_filter).
	denied(route({"plugins": [plugin("key-auth", {"_meta": {"disable": true}})]}))
	denied(route({"plugins": [plugin("key-auth", {}), plugin("key-auth", {"_meta": {"disable": true}})]}))
	denied(route({"plugins": [plugin("jwt-auth", {"_meta": {"filter": [["http_x_internal", "==", "1"]]}})]}))
	allowed(route({"plugins": [plugin("jwt-auth", {"_meta": {"priority": 5000}})]}))
}

# authentication.enable wins over a weakened plugin of the same name: the controller
# adds its auth plugin last, replacing the user's entry.
test_authentication_overrides_weakened_plugin if {
	allowed(route({"authentication": {"enable": true, "type": "keyAuth"}, "plugins": [plugin("key-auth", {"anonymous_consumer": "anon"})]}))
}

# Plugins that do not authenticate do not count.
test_other_plugins_denied if {
	denied(route({"plugins": [plugin("ip-restriction", {"whitelist": ["10.0.0.0/8"]}), plugin("limit-count", {"count": 10, "time_window": 60})]}))
	denied(route({"match": {"hosts": ["api.example.com"], "paths": ["/*"], "remoteAddrs": ["10.0.0.0/8"]}}))
}

test_plugin_config if {
	spec := route({"plugin_config_name": "platform-auth"})
	denied(spec)
	some msg in require_auth.deny with input as req("CREATE", spec)
	contains(msg, "ApisixPluginConfig shop/platform-auth is not in apisix.authPluginConfigs")
	cfg := {"apisix": {"authPluginConfigs": [{"namespace": "apisix", "name": "platform-*"}]}}
	count(require_auth.deny) == 1 with input as req("CREATE", spec) with data.apiguard.config as cfg
	other_ns := route({"plugin_config_name": "platform-auth", "plugin_config_namespace": "apisix"})
	count(require_auth.deny) == 0 with input as req("CREATE", other_ns) with data.apiguard.config as cfg
	weakened := route({"plugin_config_name": "platform-auth", "plugin_config_namespace": "apisix", "plugins": [plugin("key-auth", {"anonymous_consumer": "anon"})]})
	count(require_auth.deny) == 1 with input as req("CREATE", weakened) with data.apiguard.config as cfg
}

test_public_routes if {
	cfg := {"apisix": {"publicRoutes": [{"namespace": "shop", "name": "orders", "rule": "orders-*"}]}}
	count(require_auth.deny) == 0 with input as req("CREATE", route({})) with data.apiguard.config as cfg
	count(require_auth.deny) == 1 with input as req("CREATE", route({})) with data.apiguard.config as {"apisix": {"publicRoutes": [{"namespace": "web"}]}}
	count(require_auth.deny) == 1 with input as req("CREATE", route({})) with data.apiguard.config as {"apisix": {"publicRoutes": [{"namespace": "shop", "rule": "health"}]}}
	count(require_auth.deny) == 0 with input as req("CREATE", route({})) with data.apiguard.config as {"apisix": {"publicRoutes": [{"namespace": "sh*"}]}}
}

test_ingress_classes if {
	cfg := {"apisix": {"publicIngressClasses": ["apisix-public"]}}
	count(require_auth.deny) == 0 with input as req("CREATE", route({})) with data.apiguard.config as cfg
	public := object.union(route({}), {"ingressClassName": "apisix-public"})
	count(require_auth.deny) == 1 with input as req("CREATE", public) with data.apiguard.config as cfg

	# A route without a class goes to the default IngressClass: public unless named.
	unclassed := object.remove(route({}), ["ingressClassName"])
	some msg in require_auth.deny with input as req("CREATE", unclassed) with data.apiguard.config as cfg
	contains(msg, "on the default ingress class")
	count(require_auth.deny) == 0 with input as req("CREATE", unclassed) with data.apiguard.config as {"apisix": {"publicIngressClasses": ["apisix-public"], "defaultIngressClass": "apisix-internal"}}
	count(require_auth.deny) == 1 with input as req("CREATE", unclassed) with data.apiguard.config as {"apisix": {"publicIngressClasses": ["apisix-public"], "defaultIngressClass": "apisix-public"}}

	# A malformed list leaves every class public.
	count(require_auth.deny) == 1 with input as req("CREATE", route({})) with data.apiguard.config as {"apisix": {"publicIngressClasses": "apisix-public"}}
}

test_each_rule_judged if {
	spec := {"http": [rule({"authentication": {"enable": true, "type": "keyAuth"}}), object.union(rule({}), {"name": "open"})]}
	some msg in require_auth.deny with input as req("CREATE", spec)
	count(require_auth.deny) == 1 with input as req("CREATE", spec)
	contains(msg, "spec.http[1] (open)")
}

test_stream_only_route_not_judged if {
	allowed({"stream": [{"name": "tcp", "protocol": "TCP", "match": {"ingressPort": 9100}, "backend": {"serviceName": "game", "servicePort": 7777}}]})
}

test_delete_and_other_groups_not_judged if {
	count(require_auth.deny) == 0 with input as req("DELETE", route({}))
	other := json.patch(req("CREATE", route({})), [{"op": "replace", "path": "/request/kind/group", "value": "example.com"}])
	count(require_auth.deny) == 0 with input as other
}
