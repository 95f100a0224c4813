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

no_auth_msg := "ApiDefinition demo/httpbin: enables no authentication method; enable one such as use_standard_auth: true with auth_configs.authToken.auth_header_name: Authorization, use_oauth2, enable_jwt or use_openid"

no_token_msg := "ApiDefinition demo/httpbin: sets use_standard_auth: true but has no spec.auth_configs.authToken; add auth_configs.authToken (for example auth_header_name: Authorization) or enable another auth method"

test_standard_auth_with_token_allowed if {
	count(require_auth.deny) == 0 with input as request("CREATE", {"use_keyless": false, "use_standard_auth": true, "auth_configs": token})
}

test_each_other_auth_method_allowed if {
	every method in require_auth.auth_methods {
		count(require_auth.deny) == 0 with input as request("CREATE", {"use_keyless": false, method: true})
	}
}

test_auth_method_without_keyless_field_allowed if {
	count(require_auth.deny) == 0 with input as request("CREATE", {"enable_jwt": true})
}

test_standard_auth_without_token_denied if {
	denies := require_auth.deny with input as request("CREATE", {"use_standard_auth": true})
	denies == {no_token_msg}
}

test_standard_auth_with_malformed_token_denied if {
	denies := require_auth.deny with input as request("CREATE", {"use_standard_auth": true, "auth_configs": {"authToken": "yes"}})
	denies == {no_token_msg}
}

test_token_without_standard_auth_denied if {
	denies := require_auth.deny with input as request("CREATE", {"use_standard_auth": false, "auth_configs": token})
	denies == {no_auth_msg}
}

test_standard_auth_without_token_but_other_method_allowed if {
	count(require_auth.deny) == 0 with input as request("CREATE", {"use_standard_auth": true, "use_oauth2": true})
}

test_keyless_not_judged_here if {
	count(require_auth.deny) == 0 with input as request("CREATE", {"use_keyless": true})
}

test_keyless_false_without_auth_denied if {
	denies := require_auth.deny with input as request("CREATE", {"use_keyless": false})
	denies == {no_auth_msg}
}

test_no_fields_denied if {
	denies := require_auth.deny with input as request("CREATE", {})
	denies == {no_auth_msg}
}

test_auth_methods_false_denied if {
	spec := {m: false | some m in array.concat(require_auth.auth_methods, ["use_standard_auth"])}
	denies := require_auth.deny with input as request("CREATE", spec)
	denies == {no_auth_msg}
}

test_string_true_is_not_true if {
	denies := require_auth.deny with input as request("CREATE", {"enable_jwt": "true", "use_keyless": "true"})
	denies == {no_auth_msg}
}

test_update_checked if {
	count(require_auth.deny) == 1 with input as request("UPDATE", {})
}

test_audit_checked if {
	count(require_auth.deny) == 1 with input as request("AUDIT", {})
}

test_message_names_object_without_namespace if {
	req := json.patch(request("CREATE", {}), [
		{"op": "remove", "path": "/request/namespace"},
		{"op": "remove", "path": "/request/object/metadata/namespace"},
	])
	denies := require_auth.deny with input as req
	some msg in denies
	startswith(msg, "ApiDefinition httpbin: ")
}

test_delete_not_denied if {
	req := {"request": {
		"kind": {"group": "tyk.tyk.io", "version": "v1alpha1", "kind": "ApiDefinition"},
		"name": "httpbin",
		"namespace": "demo",
		"operation": "DELETE",
		"object": null,
		"oldObject": {"metadata": {"name": "httpbin", "namespace": "demo"}, "spec": {}},
	}}
	count(require_auth.deny) == 0 with input as req
}

test_other_group_ignored if {
	req := json.patch(request("CREATE", {}), [{"op": "replace", "path": "/request/kind/group", "value": "example.com"}])
	count(require_auth.deny) == 0 with input as req
}

test_other_kind_ignored if {
	req := json.patch(request("CREATE", {}), [{"op": "replace", "path": "/request/kind/kind", "value": "SecurityPolicy"}])
	count(require_auth.deny) == 0 with input as req
}

test_exempt_namespaces_are_applied_by_the_engine_not_the_policy if {
	count(require_auth.deny) == 1
		with input as request("CREATE", {})
		with data.apiguard.config as {"exemptNamespaces": ["demo"]}
}
