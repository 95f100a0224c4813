# METADATA
# title: Kong plugins must not run Lua code inside the gateway
# description: >-
#   Denied on configuration.konghq.com KongPlugins and KongClusterPlugins: plugin
#   pre-function or post-function ("allow anyone who can enable the plugin to execute
#   arbitrary code", developer.konghq.com/plugins/pre-function/ and
#   /plugins/post-function/: Lua in config.access, rewrite, header_filter,
#   body_filter, log, certificate and the ws_* phases, run in every worker of the
#   gateway that serves every tenant's traffic, with access to other requests' headers,
#   credentials and upstream connections); exit-transformer, whose config.functions
#   are Lua code run on every response Kong itself produces
#   (developer.konghq.com/plugins/exit-transformer/); and response-transformer-advanced
#   with config.transform.functions, "arbitrary transformation functions written in
#   Lua" (developer.konghq.com/plugins/response-transformer-advanced/). Kong's
#   untrusted_lua sandbox (the default) narrows the Lua globals, not what the code may
#   do to the traffic through the gateway. For the Lua plugins, where the configuration
#   comes from a Secret (configFrom, configPatches) does not matter: the name alone
#   runs code; a response-transformer-advanced whose config.transform comes from a
#   Secret is warned, as apiguard cannot read it. The
#   plugin name is compared exactly, as Kong looks plugins up (KIC copies it as
#   written: Kong/kong-operator ingress-controller/internal/dataplane/kongstate/
#   plugin.go); disabled: true plugins (sent with enabled: false) are not judged.
#   A KongPlugin is allowed in the namespaces matching
#   data.apiguard.config.kong.serverlessNamespaces (globs, default none); a
#   KongClusterPlugin, which any namespace's Ingress can attach by name or which its
#   global: "true" label applies to every route, only with
#   data.apiguard.config.kong.allowClusterServerless: true (default false). Lua
#   templates of request-transformer(-advanced) ($(...) expressions over the request's
#   headers, query and captures) are not judged.
# custom:
#   kinds: [configuration.konghq.com/KongPlugin, configuration.konghq.com/KongClusterPlugin]
#   severity: critical
#   field: plugin
#   remediation: >-
#     Replace the Lua function with a built-in or reviewed custom plugin installed
#     by the platform, or have the namespace allowed in
#     apiguard.config.kong.serverlessNamespaces.
package kong.no_serverless

import data.lib.kong
import data.lib.kubernetes as k8s

deny contains msg if {
	applies
	some what in runs_code
	not allowed
	msg := sprintf(
		"%s: %s, so whoever writes this object runs code inside the gateway that proxies every tenant's traffic; remove the plugin or replace it with a reviewed plugin the platform installs, or have the %s",
		[kong.display, what, allowance],
	)
}

applies if {
	k8s.is_check
	kong.plugin_kind
	not kong.disabled
}

code_plugins := {"pre-function", "post-function", "exit-transformer"}

runs_code contains sprintf("plugin %s runs the Lua of its config", [kong.plugin]) if kong.plugin in code_plugins

runs_code contains "plugin response-transformer-advanced runs the Lua of config.transform.functions" if {
	kong.plugin == "response-transformer-advanced"
	transform_functions
}

transform_functions if count(k8s.array_at(object.get(kong.config, "transform", {}), "functions")) > 0

# config.transform set from a Secret cannot be seen: warned.
warn contains msg if {
	applies
	kong.plugin == "response-transformer-advanced"
	not transform_functions
	kong.hidden("transform")
	not allowed
	msg := sprintf(
		"%s: config.transform of response-transformer-advanced comes from a Secret (%s), which apiguard cannot read, and config.transform.functions runs Lua inside the gateway; set config.transform in the object so it can be judged, or have the %s",
		[kong.display, kong.secret_source, allowance],
	)
}

allowed if {
	kong.cluster_plugin
	k8s.setting(["kong", "allowClusterServerless"], false) == true
}

allowed if {
	not kong.cluster_plugin
	k8s.namespace_in(k8s.setting(["kong", "serverlessNamespaces"], []))
}

allowance := "platform allow it with apiguard.config.kong.allowClusterServerless" if kong.cluster_plugin

else := "namespace allowed in apiguard.config.kong.serverlessNamespaces"
