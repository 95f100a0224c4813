package kong.plugin_inline_secret_test

import data.kong.plugin_inline_secret

request(operation, kind, obj) := {"request": {
	"kind": {"group": "configuration.konghq.com", "version": "v1", "kind": kind},
	"name": "p",
	"namespace": "shop",
	"operation": operation,
	"object": object.union({"apiVersion": "configuration.konghq.com/v1", "kind": kind, "metadata": {"name": "p", "namespace": "shop"}}, obj),
}}

plugin(obj) := request("CREATE", "KongPlugin", obj)

test_aws_lambda_inline_denied if {
	denies := plugin_inline_secret.deny with input as plugin({"plugin": "aws-lambda", "config": {"aws_key": "AKIAEXAMPLE", "aws_secret": "wJalrXUtnFEMI", "aws_region": "us-east-1", "function_name": "f"}})
	denies == {
		"KongPlugin shop/p: plugin aws-lambda holds a credential inline at config.aws_key, so anyone who can read KongPlugins (or the Git repository) reads it; move it into a Secret referenced by configPatches (path /aws_key) or configFrom, or use a Kong vault reference {vault://...}",
		"KongPlugin shop/p: plugin aws-lambda holds a credential inline at config.aws_secret, so anyone who can read KongPlugins (or the Git repository) reads it; move it into a Secret referenced by configPatches (path /aws_secret) or configFrom, or use a Kong vault reference {vault://...}",
	}
}

# Nested keys (redis settings), arrays of secrets (openid-connect client_secret),
# cluster plugins and disabled plugins (the credential is readable all the same).
test_nested_and_arrays if {
	count(plugin_inline_secret.deny) == 1 with input as plugin({"plugin": "rate-limiting", "config": {"policy": "redis", "redis": {"host": "redis", "password": "hunter2"}}})
	count(plugin_inline_secret.deny) == 1 with input as plugin({"plugin": "openid-connect", "config": {"client_id": ["app"], "client_secret": ["s3cr3t"]}})
	count(plugin_inline_secret.deny) == 1 with input as request("AUDIT", "KongClusterPlugin", {"plugin": "session", "config": {"secret": "cookie-key"}})
	count(plugin_inline_secret.deny) == 1 with input as plugin({"plugin": "session", "disabled": true, "config": {"secret": "cookie-key"}})
	count(plugin_inline_secret.deny) == 1 with input as plugin({"plugin": "ai-proxy", "config": {"auth": {"header_name": "Authorization", "header_value": "Bearer sk-123"}}})
}

test_references_allowed if {
	count(plugin_inline_secret.deny) == 0 with input as plugin({"plugin": "aws-lambda", "config": {"aws_key": "{vault://env/aws-key}", "aws_secret": "{vault://env/aws-secret}"}})
	count(plugin_inline_secret.deny) == 0 with input as plugin({"plugin": "aws-lambda", "configPatches": [{"path": "/aws_secret", "valueFrom": {"secretKeyRef": {"name": "aws", "key": "secret"}}}], "config": {"aws_region": "us-east-1"}})
	count(plugin_inline_secret.deny) == 0 with input as plugin({"plugin": "aws-lambda", "configFrom": {"secretKeyRef": {"name": "aws", "key": "config"}}})
	count(plugin_inline_secret.deny) == 0 with input as plugin({"plugin": "rate-limiting", "config": {"redis": {"password": ""}}})
	count(plugin_inline_secret.deny) == 0 with input as plugin({"plugin": "jwt", "config": {"secret_is_base64": false}})
}

test_configuration if {
	count(plugin_inline_secret.deny) == 1 with input as plugin({"plugin": "corp", "config": {"token": "t"}}) with data.apiguard.config as {"kong": {"secretKeys": ["token"]}}
	count(plugin_inline_secret.deny) == 0 with input as plugin({"plugin": "session", "config": {"secret": "k"}}) with data.apiguard.config as {"kong": {"inlineSecretNamespaces": ["shop"]}}
	count(plugin_inline_secret.deny) == 1 with input as request("CREATE", "KongClusterPlugin", {"plugin": "session", "config": {"secret": "k"}}) with data.apiguard.config as {"kong": {"inlineSecretNamespaces": ["*"]}}
}

test_delete_and_other_group_not_judged if {
	r := plugin({"plugin": "session", "config": {"secret": "k"}})
	count(plugin_inline_secret.deny) == 0 with input as json.patch(r, [{"op": "replace", "path": "/request/operation", "value": "DELETE"}, {"op": "add", "path": "/request/oldObject", "value": r.request.object}, {"op": "remove", "path": "/request/object"}])
	count(plugin_inline_secret.deny) == 0 with input as json.patch(r, [{"op": "replace", "path": "/request/kind/group", "value": "example.com"}])
}
