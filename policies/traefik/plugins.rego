# METADATA
# title: Traefik plugin middlewares run third-party code
# description: >-
#   A Middleware (traefik.io) with spec.plugin runs a plugin, Go code interpreted by
#   Yaegi inside the Traefik process or a WebAssembly module, with every request of
#   every route that uses it (doc.traefik.io/traefik/v3.7/reference/routing-configuration/http/middlewares/overview/#community-middlewares;
#   traefik/traefik v3.7.13 pkg/plugins). Which plugins exist is static
#   configuration, but the Middleware decides which one a route runs and with what
#   settings. Warned; data.apiguard.config.traefik.plugins: deny denies it instead.
#   Namespaces in traefik.pluginNamespaces (globs) are allowed silently.
# custom:
#   kinds: [traefik.io/Middleware]
#   severity: medium
#   field: spec.plugin
#   remediation: >-
#     Use Traefik's built-in middlewares, or ask the platform team to allow plugins
#     in this namespace (traefik.pluginNamespaces).
package traefik.plugins

import data.lib.kubernetes as k8s
import data.lib.traefik

deny contains msg if {
	mode == "deny"
	some msg in messages
}

warn contains msg if {
	mode != "deny"
	some msg in messages
}

messages contains msg if {
	k8s.is_check
	traefik.kind("Middleware")
	plugin := k8s.spec.plugin
	is_object(plugin)
	count(plugin) > 0
	not k8s.namespace_in(traefik.setting("pluginNamespaces", []))
	msg := sprintf(
		"%s: spec.plugin runs the plugin(s) %s inside Traefik on every request of the routes that use this Middleware; use a built-in middleware, or ask the platform team to allow plugins in %q (traefik.pluginNamespaces)",
		[k8s.display, concat(", ", sort(object.keys(plugin))), k8s.namespace],
	)
}

mode := m if {
	m := traefik.setting("plugins", "warn")
	m == "deny"
} else := "warn"
