package tyk.require_auth_test

import data.tyk.require_auth

base_spec := {
	"name": "httpbin",
	"protocol": "http",
	"active": true,
	"proxy": {"target_url": "http://httpbin.demo.svc:8000", "listen_path": "/httpbin", "strip_listen_path": true},
}

token := {"authToken": {"auth_header_name": "Authorization"}}

request(operation, spec) := {"request": {
	"uid": "1",
	"kind": {"group": "tyk.tyk.io", "version": "v1alpha1", "kind": "ApiDefinition"},
	"name": "httpbin",
	"namespace": "demo",
	"operation": operation,
	"object": {
		"apiVersion": "tyk.tyk.io/v1alpha1",
		"kind": "ApiDefinition",
		"metadata": {"name": "httpbin", "namespace": "demo"},
		"spec": object.union(base_spec, spec),
	},
}}

no_auth_msg := "ApiDefinition demo/httpbin: enables no authentication method, so Tyk falls back to token auth (a key in the Authorization header) without saying so; state it with use_standard_auth: true and auth_configs.authToken.auth_header_name: Authorization, or enable use_oauth2, enable_jwt, use_basic_auth or use_mutual_tls_auth"

plugin_msg(flags) := sprintf("ApiDefinition demo/httpbin: sets %s but spec.custom_middleware.auth_check has no name, so no plugin checks credentials and Tyk falls back to token auth (a key in the Authorization header); set custom_middleware.auth_check (name and path) and custom_middleware.driver, or use_standard_auth: true with auth_configs.authToken", [flags])

auth_check := {"driver": "grpc", "auth_check": {"name": "MyAuth", "path": ""}}

# The policy never denies: Tyk falls back to token auth (gateway/api_loader.go).
never_denies(spec) if not require_auth.deny with input as request("CREATE", spec)

test_standard_auth_with_token_quiet if {
	count(require_auth.warn) == 0 with input as request("CREATE", {"use_keyless": false, "use_standard_auth": true, "auth_configs": token})
}

# Without auth_configs.authToken Tyk reads the key from the Authorization header
# (gateway/middleware.go getAuthToken): still stated token auth.
test_standard_auth_without_token_quiet if {
	count(require_auth.warn) == 0 with input as request("CREATE", {"use_standard_auth": true})
}

test_each_builtin_method_quiet if {
	every method in require_auth.auth_methods {
		count(require_auth.warn) == 0 with input as request("CREATE", {"use_keyless": false, method: true})
	}
}

test_no_fields_warned_not_denied if {
	warns := require_auth.warn with input as request("CREATE", {})
	warns == {no_auth_msg}
	never_denies({})
}

test_use_openid_counts_for_nothing if {
	# Not in Tyk Operator's CRD: the API server prunes it before Tyk sees it.
	warns := require_auth.warn with input as request("CREATE", {"use_openid": true})
	warns == {no_auth_msg}
}

test_token_without_standard_auth_warned if {
	warns := require_auth.warn with input as request("CREATE", {"use_standard_auth": false, "auth_configs": token})
	warns == {no_auth_msg}
}

test_plugin_flag_without_auth_check_warned if {
	warns := require_auth.warn with input as request("CREATE", {"enable_coprocess_auth": true})
	warns == {plugin_msg("enable_coprocess_auth")}
	warns2 := require_auth.warn with input as request("CREATE", {"use_go_plugin_auth": true, "enable_coprocess_auth": true, "custom_middleware": {"driver": "goplugin", "auth_check": {"name": " ", "path": "x.so"}}})
	warns2 == {plugin_msg("enable_coprocess_auth and use_go_plugin_auth")}
	never_denies({"enable_coprocess_auth": true})
}

test_plugin_flag_with_auth_check_quiet if {
	count(require_auth.warn) == 0 with input as request("CREATE", {"enable_coprocess_auth": true, "custom_middleware": auth_check})
	count(require_auth.warn) == 0 with input as request("CREATE", {"use_go_plugin_auth": true, "custom_middleware": auth_check})
}

test_auth_check_without_flag_warned if {
	warns := require_auth.warn with input as request("CREATE", {"custom_middleware": auth_check})
	warns == {no_auth_msg}
}

test_keyless_not_judged_here if {
	count(require_auth.warn) == 0 with input as request("CREATE", {"use_keyless": true})
}

test_auth_methods_false_warned if {
	spec := {m: false | some m in array.concat(require_auth.auth_methods, require_auth.plugin_methods)}
	warns := require_auth.warn with input as request("CREATE", spec)
	warns == {no_auth_msg}
}

test_string_true_is_not_true if {
	warns := require_auth.warn with input as request("CREATE", {"enable_jwt": "true", "use_keyless": "true"})
	warns == {no_auth_msg}
}

test_update_and_audit_checked if {
	count(require_auth.warn) == 1 with input as request("UPDATE", {})
	count(require_auth.warn) == 1 with input as request("AUDIT", {})
}

test_message_names_object_without_namespace if {
	req := json.patch(request("CREATE", {}), [
		{"op": "remove", "path": "/request/namespace"},
		{"op": "remove", "path": "/request/object/metadata/namespace"},
	])
	warns := require_auth.warn with input as req
	some msg in warns
	startswith(msg, "ApiDefinition httpbin: ")
}

test_delete_not_judged if {
	req := {"request": {
		"kind": {"group": "tyk.tyk.io", "version": "v1alpha1", "kind": "ApiDefinition"},
		"name": "httpbin",
		"namespace": "demo",
		"operation": "DELETE",
		"object": null,
		"oldObject": {"metadata": {"name": "httpbin", "namespace": "demo"}, "spec": {}},
	}}
	count(require_auth.warn) == 0 with input as req
}

test_other_group_and_kind_ignored if {
	req := json.patch(request("CREATE", {}), [{"op": "replace", "path": "/request/kind/group", "value": "example.com"}])
	count(require_auth.warn) == 0 with input as req
	req2 := json.patch(request("CREATE", {}), [{"op": "replace", "path": "/request/kind/kind", "value": "SecurityPolicy"}])
	count(require_auth.warn) == 0 with input as req2
}
