# METADATA
# title: APISIX objects must not run inline Lua in the gateway
# description: >-
#   Code written into an apisix.apache.org object runs inside every APISIX worker, with
#   the gateway's access to all traffic, credentials and upstreams. Denied: an enabled
#   serverless-pre-function or serverless-post-function plugin (its functions are Lua
#   source APISIX loads and runs in the chosen phase; apache/apisix
#   apisix/plugins/serverless/init.lua), wherever a plugin list is: an ApisixRoute's
#   http[] and stream[] rules, an ApisixConsumer's, ApisixPluginConfig's or
#   ApisixGlobalRule's spec.plugins (a global rule runs on every request); and an
#   ApisixRoute http[].match.filter_func, which the controller copies to the route
#   (apisixroute.go buildRoute) and APISIX compiles with loadstring and calls while
#   matching every request (apisix/http/route.lua create_radixtree_uri_router). Warned:
#   an enabled body-transformer, whose request and response templates are compiled by
#   lua-resty-template (apisix/plugins/body-transformer.lua template.compile), where a
#   {% ... %} block is Lua code. A disabled plugin (enable: false, which the controller
#   drops, or config._meta.disable: true, which APISIX skips) is not judged. Namespaces in apisix.codeNamespaces (globs) are allowed.
# custom:
#   kinds:
#     - apisix.apache.org/ApisixRoute
#     - apisix.apache.org/ApisixConsumer
#     - apisix.apache.org/ApisixPluginConfig
#     - apisix.apache.org/ApisixGlobalRule
#   severity: critical
#   field: spec.http[].plugins
#   remediation: >-
#     Use APISIX's declarative plugins (proxy-rewrite, response-rewrite, ...) instead of
#     inline Lua, or ship the logic as a reviewed custom plugin in the gateway image;
#     allow a namespace that must run inline code in apisix.codeNamespaces.
package apisix.no_inline_code

import data.lib.apisix
import data.lib.kubernetes as k8s

code_plugins := {"serverless-pre-function", "serverless-post-function"}

deny contains msg if {
	applies
	some [where, name, _] in apisix.running_plugins
	name in code_plugins
	msg := sprintf(
		"%s: %s enables %s, whose functions are Lua code APISIX runs inside the gateway on every matching request, with access to all traffic and credentials; use declarative plugins instead, or ship the logic as a reviewed plugin in the gateway image",
		[k8s.display, where, name],
	)
}

deny contains msg if {
	applies
	apisix.route
	some i, rule in k8s.array_at(k8s.spec, "http")
	f := rule.match.filter_func
	is_string(f)
	trim_space(f) != ""
	msg := sprintf(
		"%s: spec.http[%d].match.filter_func is Lua code APISIX compiles and runs inside the gateway while matching every request; match with exprs (Header, Query, Cookie, Variable) instead",
		[k8s.display, i],
	)
}

warn contains msg if {
	applies
	some [where, "body-transformer", _] in apisix.running_plugins
	msg := sprintf(
		"%s: %s enables body-transformer, whose templates lua-resty-template compiles to Lua ({%% ... %%} blocks run as code inside the gateway); review the templates, or allow the namespace in apisix.codeNamespaces",
		[k8s.display, where],
	)
}

applies if {
	k8s.group == apisix.group
	k8s.kind in {"ApisixRoute", "ApisixConsumer", "ApisixPluginConfig", "ApisixGlobalRule"}
	k8s.is_check
	not k8s.namespace_in(k8s.setting(["apisix", "codeNamespaces"], []))
}
