package tyk.require_auth_test

import data.tyk.require_auth

base_spec := {
	"name": "httpbin",
	"protocol": "http",
	"active": true,
	"proxy": {"target_url": "http://httpbin.demo.svc:8000", "listen_path": "/httpbin", "strip_listen_path": true},
}

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

keyless_msg := "ApiDefinition demo/httpbin: sets use_keyless: true, so anyone who reaches the gateway can call it; set use_keyless: false and enable an auth method such as use_standard_auth: true"

no_auth_msg := "ApiDefinition demo/httpbin: enables no authentication method; set use_keyless: false and enable an auth method such as use_standard_auth: true"

test_standard_auth_allowed if {
	count(require_auth.deny) == 0 with input as request("CREATE", {"use_keyless": false, "use_standard_auth": true})
}

test_each_auth_method_allowed if {
	every method in require_auth.auth_methods {
		count(require_auth.deny) == 0 with input as request("CREATE", {"use_keyless": false, method: true})
	}
}

test_auth_method_without_keyless_field_allowed if {
	count(require_auth.deny) == 0 with input as request("CREATE", {"enable_jwt": true})
}

test_keyless_denied if {
	denies := require_auth.deny with input as request("CREATE", {"use_keyless": true})
	denies == {keyless_msg}
}

test_keyless_with_auth_method_denied if {
	denies := require_auth.deny with input as request("CREATE", {"use_keyless": true, "use_standard_auth": true})
	denies == {keyless_msg}
}

test_no_auth_method_denied if {
	denies := require_auth.deny with input as request("CREATE", {"use_keyless": false})
	denies == {no_auth_msg}
}

test_no_fields_denied if {
	denies := require_auth.deny with input as request("CREATE", {})
	denies == {no_auth_msg}
}

test_auth_methods_false_denied if {
	spec := {m: false | some m in require_auth.auth_methods}
	denies := require_auth.deny with input as request("CREATE", spec)
	denies == {no_auth_msg}
}

test_string_true_is_not_true if {
	denies := require_auth.deny with input as request("CREATE", {"use_standard_auth": "true"})
	denies == {no_auth_msg}
}

test_update_checked if {
	count(require_auth.deny) == 1 with input as request("UPDATE", {"use_keyless": true})
}

test_audit_checked if {
	count(require_auth.deny) == 1 with input as request("AUDIT", {"use_keyless": true})
}

test_delete_not_denied if {
	req := {"request": {
		"kind": {"group": "tyk.tyk.io", "version": "v1alpha1", "kind": "ApiDefinition"},
		"name": "httpbin",
		"namespace": "demo",
		"operation": "DELETE",
		"object": null,
		"oldObject": {"metadata": {"name": "httpbin", "namespace": "demo"}, "spec": {"use_keyless": true}},
	}}
	count(require_auth.deny) == 0 with input as req
}

test_other_group_ignored if {
	req := json.patch(request("CREATE", {"use_keyless": true}), [{
		"op": "replace",
		"path": "/request/kind/group",
		"value": "example.com",
	}])
	count(require_auth.deny) == 0 with input as req
}

test_exempt_namespaces_are_applied_by_the_engine_not_the_policy if {
	count(require_auth.deny) == 1
		with input as request("CREATE", {"use_keyless": true})
		with data.apiguard.config as {"exemptNamespaces": ["demo"]}
}
