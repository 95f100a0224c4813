package traefik.plugins_test

import data.traefik.plugins as policy

req(op, spec) := {"request": {
	"uid": "1",
	"kind": {"group": "traefik.io", "version": "v1alpha1", "kind": "Middleware"},
	"name": "plug",
	"namespace": "shop",
	"operation": op,
	"object": {"apiVersion": "traefik.io/v1alpha1", "kind": "Middleware", "metadata": {"name": "plug", "namespace": "shop"}, "spec": spec},
}}

plugin := {"plugin": {"geoblock": {"allowedCountries": ["FR"]}}}

test_plugin_warned if {
	policy.warn == {"Middleware shop/plug: spec.plugin runs the plugin(s) geoblock inside Traefik on every request of the routes that use this Middleware; use a built-in middleware, or ask the platform team to allow plugins in \"shop\" (traefik.pluginNamespaces)"} with input as req("CREATE", plugin)
	count(policy.deny) == 0 with input as req("CREATE", plugin)
	count(policy.warn) == 1 with input as req("AUDIT", plugin)
}

test_deny_mode if {
	count(policy.deny) == 1 with input as req("CREATE", plugin) with data.apiguard.config as {"traefik": {"plugins": "deny"}}
	count(policy.warn) == 0 with input as req("CREATE", plugin) with data.apiguard.config as {"traefik": {"plugins": "deny"}}

	# Anything but "deny" warns.
	count(policy.deny) == 0 with input as req("CREATE", plugin) with data.apiguard.config as {"traefik": {"plugins": "Deny"}}
}

test_allowed if {
	count(policy.warn) == 0 with input as req("CREATE", plugin) with data.apiguard.config as {"traefik": {"pluginNamespaces": ["sh*"], "plugins": "deny"}}
	count(policy.deny) == 0 with input as req("CREATE", plugin) with data.apiguard.config as {"traefik": {"pluginNamespaces": ["sh*"], "plugins": "deny"}}
	count(policy.warn) == 0 with input as req("CREATE", {"headers": {"frameDeny": true}})
	count(policy.warn) == 0 with input as req("CREATE", {"plugin": {}})
}

test_not_judged if {
	count(policy.warn) == 0 with input as req("DELETE", plugin)
	count(policy.warn) == 0 with input as json.patch(req("CREATE", plugin), [{"op": "replace", "path": "/request/kind/group", "value": "traefik.containo.us"}])
}
