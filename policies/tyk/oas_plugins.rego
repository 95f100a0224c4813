# METADATA
# title: Tyk OAS custom plugins run code in the gateway
# description: >-
#   Custom plugins (x-tyk-api-gateway.middleware.global.pluginConfig.driver otto,
#   python, lua, grpc, goplugin or javascript, with prePlugins,
#   postAuthenticationPlugins, postPlugins, responsePlugins, per-operation postPlugins,
#   or server.authentication.custom) run code inside the gateway with access to every
#   request and session. Warned by default; data.apiguard.config.tyk.plugins: deny
#   denies them, and tyk.pluginNamespaces (globs) allows them silently in the listed
#   namespaces.
# custom:
#   kinds: [tyk.tyk.io/TykOasApiDefinition, tyk.tyk.io/TykStreamsApiDefinition, tyk.tyk.io/TykMcpProxyDefinition, ConfigMap]
#   severity: medium
#   field: x-tyk-api-gateway.middleware.global
#   remediation: >-
#     Have the plugin reviewed and its namespace listed in tyk.pluginNamespaces, or use
#     Tyk's built-in middleware instead.
package tyk.oas_plugins

import data.lib.kubernetes as k8s
import data.lib.tykoas

findings contains msg if {
	k8s.is_check
	some d in tykoas.documents
	tykoas.served(d.gw)
	not allowed_namespace
	some hook in tykoas.plugin_hooks(d.gw)
	driver := object.get(d.gw, ["middleware", "global", "pluginConfig", "driver"], "unset")
	msg := sprintf("%s enables a custom plugin (driver %s), which runs code inside the gateway; have it reviewed and its namespace listed in apiguard config tyk.pluginNamespaces", [concat(": ", [k8s.display, tykoas.field(d.where, hook)]), driver])
}

allowed_namespace if k8s.namespace_in([p | some p in k8s.array_at(k8s.config.tyk, "pluginNamespaces"); is_string(p)])

deny_mode if k8s.setting(["tyk", "plugins"], "warn") == "deny"

deny contains msg if {
	deny_mode
	some msg in findings
}

warn contains msg if {
	not deny_mode
	some msg in findings
}
