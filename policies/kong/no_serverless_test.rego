package kong.no_serverless_test

import data.kong.no_serverless

request(operation, kind, obj) := {"request": {
	"kind": {"group": "configuration.konghq.com", "version": "v1", "kind": kind},
	"name": "fn",
	"namespace": ns(kind),
	"operation": operation,
	"object": object.union({"apiVersion": "configuration.konghq.com/v1", "kind": kind, "metadata": meta(kind)}, obj),
}}

ns("KongPlugin") := "shop"

ns("KongClusterPlugin") := ""

meta("KongPlugin") := {"name": "fn", "namespace": "shop"}

meta("KongClusterPlugin") := {"name": "fn"}

lua := {"access": ["kong.log.err('hi')"]}

pre := {"plugin": "pre-function", "config": lua}

msg_pre := "KongPlugin shop/fn: plugin pre-function runs the Lua of its config, so whoever writes this object runs code inside the gateway that proxies every tenant's traffic; remove the plugin or replace it with a reviewed plugin the platform installs, or have the namespace allowed in apiguard.config.kong.serverlessNamespaces"

test_pre_function_denied if {
	no_serverless.deny == {msg_pre} with input as request("CREATE", "KongPlugin", pre)
	no_serverless.deny == {msg_pre} with input as request("UPDATE", "KongPlugin", pre)
	no_serverless.deny == {msg_pre} with input as request("AUDIT", "KongPlugin", pre)
}

test_post_function_and_exit_transformer_denied if {
	count(no_serverless.deny) == 1 with input as request("CREATE", "KongPlugin", {"plugin": "post-function", "config": {"log": ["return"]}})
	count(no_serverless.deny) == 1 with input as request("CREATE", "KongPlugin", {"plugin": "exit-transformer", "config": {"functions": ["return function(status, body, headers) return status, body, headers end"]}})
}

# The name alone runs code: Lua read from a Secret is still Lua (configFrom,
# configPatches), and an empty config still installs the plugin.
test_code_from_secret_denied if {
	count(no_serverless.deny) == 1 with input as request("CREATE", "KongPlugin", {"plugin": "pre-function", "configFrom": {"secretKeyRef": {"name": "lua", "key": "config"}}})
	count(no_serverless.deny) == 1 with input as request("CREATE", "KongPlugin", {"plugin": "pre-function", "configPatches": [{"path": "/access", "valueFrom": {"secretKeyRef": {"name": "lua", "key": "access"}}}]})
	count(no_serverless.deny) == 1 with input as request("CREATE", "KongPlugin", {"plugin": "pre-function"})
}

test_cluster_plugin if {
	no_serverless.deny == {"KongClusterPlugin fn: plugin pre-function runs the Lua of its config, so whoever writes this object runs code inside the gateway that proxies every tenant's traffic; remove the plugin or replace it with a reviewed plugin the platform installs, or have the platform allow it with apiguard.config.kong.allowClusterServerless"} with input as request("CREATE", "KongClusterPlugin", pre)
	count(no_serverless.deny) == 0 with input as request("CREATE", "KongClusterPlugin", pre) with data.apiguard.config as {"kong": {"allowClusterServerless": true}}

	# a namespace allowance never covers a cluster plugin, whatever namespace the request carries
	count(no_serverless.deny) == 1 with input as json.patch(request("CREATE", "KongClusterPlugin", pre), [{"op": "replace", "path": "/request/namespace", "value": "platform"}]) with data.apiguard.config as {"kong": {"serverlessNamespaces": ["*"]}}

	# the string "true" is not the boolean the setting needs
	count(no_serverless.deny) == 1 with input as request("CREATE", "KongClusterPlugin", pre) with data.apiguard.config as {"kong": {"allowClusterServerless": "true"}}
}

test_namespace_allowance if {
	count(no_serverless.deny) == 0 with input as request("CREATE", "KongPlugin", pre) with data.apiguard.config as {"kong": {"serverlessNamespaces": ["sh*"]}}
	count(no_serverless.deny) == 1 with input as request("CREATE", "KongPlugin", pre) with data.apiguard.config as {"kong": {"serverlessNamespaces": ["platform"]}}
}

test_response_transformer_advanced_functions if {
	count(no_serverless.deny) == 1 with input as request("CREATE", "KongPlugin", {"plugin": "response-transformer-advanced", "config": {"transform": {"functions": ["return function(data) return data end"]}}})
	count(no_serverless.deny) == 0 with input as request("CREATE", "KongPlugin", {"plugin": "response-transformer-advanced", "config": {"remove": {"json": ["secret"]}}})
	count(no_serverless.deny) == 0 with input as request("CREATE", "KongPlugin", {"plugin": "response-transformer-advanced", "config": {"transform": {"functions": []}}})

	# functions read from a Secret cannot be seen: warned
	count(no_serverless.warn) == 1 with input as request("CREATE", "KongPlugin", {"plugin": "response-transformer-advanced", "configPatches": [{"path": "/transform", "valueFrom": {"secretKeyRef": {"name": "t", "key": "t"}}}]})
	count(no_serverless.warn) == 1 with input as request("CREATE", "KongPlugin", {"plugin": "response-transformer-advanced", "configFrom": {"secretKeyRef": {"name": "t", "key": "t"}}})
	count(no_serverless.warn) == 0 with input as request("CREATE", "KongPlugin", {"plugin": "response-transformer-advanced", "configPatches": [{"path": "/remove", "valueFrom": {"secretKeyRef": {"name": "t", "key": "t"}}}]})
}

# Kong looks plugins up by exact name: "Pre-Function" is no plugin (Kong refuses the
# configuration), and request-transformer's $(...) templates are not judged.
test_other_plugins_not_judged if {
	count(no_serverless.deny) == 0 with input as request("CREATE", "KongPlugin", {"plugin": "Pre-Function", "config": lua})
	count(no_serverless.deny) == 0 with input as request("CREATE", "KongPlugin", {"plugin": "request-transformer", "config": {"add": {"headers": ["x-user:$(headers.user)"]}}})
	count(no_serverless.deny) == 0 with input as request("CREATE", "KongPlugin", {"plugin": "key-auth"})
}

# disabled: true is sent with enabled: false; enabling it again is an UPDATE judged here.
test_disabled_not_judged if {
	count(no_serverless.deny) == 0 with input as request("CREATE", "KongPlugin", object.union(pre, {"disabled": true}))
	count(no_serverless.deny) == 1 with input as request("CREATE", "KongPlugin", object.union(pre, {"disabled": false}))
}

test_delete_and_other_group_not_judged if {
	r := request("DELETE", "KongPlugin", pre)
	del := json.patch(r, [{"op": "add", "path": "/request/oldObject", "value": r.request.object}, {"op": "remove", "path": "/request/object"}])
	count(no_serverless.deny) == 0 with input as del
	other := json.patch(request("CREATE", "KongPlugin", pre), [{"op": "replace", "path": "/request/kind/group", "value": "example.com"}])
	count(no_serverless.deny) == 0 with input as other
}
