package apisix.no_inline_code_test

import data.apisix.no_inline_code

req(operation, kind, spec) := {"request": {
	"uid": "1",
	"kind": {"group": "apisix.apache.org", "version": "v2", "kind": kind},
	"name": "x",
	"namespace": "shop",
	"operation": operation,
	"object": {
		"apiVersion": "apisix.apache.org/v2",
		"kind": kind,
		"metadata": {"name": "x", "namespace": "shop"},
		"spec": spec,
	},
}}

lua := {"phase": "rewrite", "functions": ["return function(conf, ctx) ngx.say(os.getenv('HOME')) end"]}

route_with(plugins, match) := {"http": [{
	"name": "r",
	"match": object.union({"hosts": ["api.example.com"], "paths": ["/*"]}, match),
	"backends": [{"serviceName": "web", "servicePort": 80}],
	"plugins": plugins,
}]}

route_req(plugins) := req("CREATE", "ApisixRoute", route_with(plugins, {}))

test_serverless_functions_denied if {
	every name in ["serverless-pre-function", "serverless-post-function"] {
		no_inline_code.deny == {sprintf("ApisixRoute shop/x: spec.http[0].plugins[0] enables %s, whose functions are Lua code APISIX runs inside the gateway on every matching request, with access to all traffic and credentials; use declarative plugins instead, or ship the logic as a reviewed plugin in the gateway image", [name])} with input as route_req([{"name": name, "enable": true, "config": lua}])
	}

	# enable defaults to true; the config may come from a Secret (secretRef).
	count(no_inline_code.deny) == 1 with input as route_req([{"name": "serverless-post-function", "secretRef": "lua-code"}])
	count(no_inline_code.deny) == 1 with input as req("AUDIT", "ApisixRoute", route_with([{"name": "serverless-pre-function", "config": lua}], {}))
}

# A disabled entry is skipped by the controller; another entry of the same name that is
# enabled still runs.
test_disabled_plugin_allowed if {
	count(no_inline_code.deny) == 0 with input as route_req([{"name": "serverless-pre-function", "enable": false, "config": lua}])
	count(no_inline_code.deny) == 1 with input as route_req([
		{"name": "serverless-pre-function", "enable": true, "config": lua},
		{"name": "serverless-pre-function", "enable": false},
	])
}

# Plugin names are exact: APISIX refuses an unknown name, so a near-miss runs nothing.
test_other_names_allowed if {
	count(no_inline_code.deny) == 0 with input as route_req([{"name": "proxy-rewrite", "enable": true, "config": {"uri": "/"}}])
	count(no_inline_code.deny) == 0 with input as route_req([{"name": "Serverless-Pre-Function", "enable": true, "config": lua}])
}

test_stream_plugins_denied if {
	spec := {"stream": [{"name": "s", "protocol": "TCP", "match": {"ingressPort": 9100}, "backend": {"serviceName": "game", "servicePort": 7777}, "plugins": [{"name": "serverless-pre-function", "enable": true, "config": lua}]}]}
	some msg in no_inline_code.deny with input as req("CREATE", "ApisixRoute", spec)
	contains(msg, "spec.stream[0].plugins[0] enables serverless-pre-function")
}

# filter_func is compiled with loadstring and run by APISIX's router.
test_filter_func_denied if {
	spec := route_with([], {"filter_func": "function(vars) return vars['arg_debug'] == '1' end"})
	no_inline_code.deny == {"ApisixRoute shop/x: spec.http[0].match.filter_func is Lua code APISIX compiles and runs inside the gateway while matching every request; match with exprs (Header, Query, Cookie, Variable) instead"} with input as req("CREATE", "ApisixRoute", spec)
	count(no_inline_code.deny) == 0 with input as req("CREATE", "ApisixRoute", route_with([], {"filter_func": "  "}))
}

test_body_transformer_warned if {
	spec := route_with([{"name": "body-transformer", "enable": true, "config": {"request": {"template": "{% os.execute('id') %}"}}}], {})
	some msg in no_inline_code.warn with input as req("CREATE", "ApisixRoute", spec)
	contains(msg, "enables body-transformer")
	count(no_inline_code.deny) == 0 with input as req("CREATE", "ApisixRoute", spec)
}

# The other kinds that carry plugin lists: a consumer's plugins, a PluginConfig a route
# references, a global rule that runs on every request.
test_other_kinds_denied if {
	every kind in ["ApisixConsumer", "ApisixPluginConfig", "ApisixGlobalRule"] {
		some msg in no_inline_code.deny with input as req("CREATE", kind, {"plugins": [{"name": "serverless-pre-function", "enable": true, "config": lua}]})
		contains(msg, "spec.plugins[0] enables serverless-pre-function")
	}
}

test_code_namespaces_allowed if {
	cfg := {"apisix": {"codeNamespaces": ["sh*"]}}
	count(no_inline_code.deny) == 0 with input as route_req([{"name": "serverless-pre-function", "config": lua}]) with data.apiguard.config as cfg
	count(no_inline_code.deny) == 1 with input as route_req([{"name": "serverless-pre-function", "config": lua}]) with data.apiguard.config as {"apisix": {"codeNamespaces": ["platform"]}}
}

test_delete_and_other_groups_not_judged if {
	count(no_inline_code.deny) == 0 with input as req("DELETE", "ApisixRoute", route_with([{"name": "serverless-pre-function", "config": lua}], {}))
	other := json.patch(route_req([{"name": "serverless-pre-function", "config": lua}]), [{"op": "replace", "path": "/request/kind/group", "value": "example.com"}])
	count(no_inline_code.deny) == 0 with input as other
}
