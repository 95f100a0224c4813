package tyk.no_keyless_test

import data.tyk.no_keyless

request(operation, labels, spec) := {"request": {
	"uid": "1",
	"kind": {"group": "tyk.tyk.io", "version": "v1alpha1", "kind": "ApiDefinition"},
	"name": "httpbin",
	"namespace": "demo",
	"operation": operation,
	"object": {
		"apiVersion": "tyk.tyk.io/v1alpha1",
		"kind": "ApiDefinition",
		"metadata": {"name": "httpbin", "namespace": "demo", "labels": labels},
		"spec": object.union({"name": "httpbin", "proxy": {"listen_path": "/httpbin"}}, spec),
	},
}}

keyless := {"use_keyless": true}

approved := {"apiguard.io/public-api": "approved"}

public_config := {"tyk": {"keylessNamespaces": ["public-*", "demo"]}}

base_msg := "ApiDefinition demo/httpbin: sets use_keyless: true, so anyone who reaches the gateway can call it; set use_keyless: false and enable an auth method such as use_standard_auth with auth_configs.authToken"

unlabelled_msg := concat("", [base_msg, "; for an intentionally public API, label it apiguard.io/public-api: \"approved\" in a namespace listed in apiguard config tyk.keylessNamespaces"])

wrong_namespace_msg := concat("", [base_msg, "; the label apiguard.io/public-api: \"approved\" only exempts namespaces listed in apiguard config tyk.keylessNamespaces, and \"demo\" is not one of them"])

test_keyless_denied_by_default if {
	denies := no_keyless.deny with input as request("CREATE", {}, keyless)
	denies == {unlabelled_msg}
}

test_label_alone_is_not_enough if {
	denies := no_keyless.deny with input as request("CREATE", approved, keyless)
	denies == {wrong_namespace_msg}
}

test_namespace_alone_is_not_enough if {
	denies := no_keyless.deny with input as request("CREATE", {}, keyless) with data.apiguard.config as public_config
	denies == {unlabelled_msg}
}

test_label_must_say_approved if {
	denies := no_keyless.deny
		with input as request("CREATE", {"apiguard.io/public-api": "requested"}, keyless)
		with data.apiguard.config as public_config
	denies == {unlabelled_msg}
}

test_label_and_namespace_allowed if {
	count(no_keyless.deny) == 0
		with input as request("CREATE", approved, keyless)
		with data.apiguard.config as public_config
}

test_namespace_glob_allowed if {
	req := json.patch(request("CREATE", approved, keyless), [{"op": "replace", "path": "/request/object/metadata/namespace", "value": "public-apis"}])
	count(no_keyless.deny) == 0 with input as req with data.apiguard.config as public_config
}

test_namespace_glob_not_matching_denied if {
	count(no_keyless.deny) == 1
		with input as request("CREATE", approved, keyless)
		with data.apiguard.config as {"tyk": {"keylessNamespaces": ["public-*"]}}
}

test_malformed_config_allows_nothing if {
	count(no_keyless.deny) == 1
		with input as request("CREATE", approved, keyless)
		with data.apiguard.config as {"tyk": {"keylessNamespaces": "demo"}}
	count(no_keyless.deny) == 1
		with input as request("CREATE", approved, keyless)
		with data.apiguard.config as {"tyk": {"keylessNamespaces": [1, null]}}
	count(no_keyless.deny) == 1
		with input as request("CREATE", approved, keyless)
		with data.apiguard.config as {"tyk": "x"}
}

test_not_keyless_allowed if {
	count(no_keyless.deny) == 0 with input as request("CREATE", {}, {"use_keyless": false})
	count(no_keyless.deny) == 0 with input as request("CREATE", {}, {})
	count(no_keyless.deny) == 0 with input as request("CREATE", {}, {"use_keyless": "true"})
}

test_update_and_audit_checked if {
	count(no_keyless.deny) == 1 with input as request("UPDATE", {}, keyless)
	count(no_keyless.deny) == 1 with input as request("AUDIT", {}, keyless)
}

test_delete_not_denied if {
	req := {"request": {
		"kind": {"group": "tyk.tyk.io", "version": "v1alpha1", "kind": "ApiDefinition"},
		"name": "httpbin",
		"namespace": "demo",
		"operation": "DELETE",
		"object": null,
		"oldObject": {"metadata": {"name": "httpbin", "namespace": "demo"}, "spec": keyless},
	}}
	count(no_keyless.deny) == 0 with input as req
}

test_other_kind_or_group_ignored if {
	req := request("CREATE", {}, keyless)
	count(no_keyless.deny) == 0 with input as json.patch(req, [{"op": "replace", "path": "/request/kind/group", "value": "example.com"}])
	count(no_keyless.deny) == 0 with input as json.patch(req, [{"op": "replace", "path": "/request/kind/kind", "value": "SecurityPolicy"}])
}

# The gateway serves an internal API only to tyk:// loops from other APIs
# (gateway/api_loader.go processSpec); a Dashboard withholds inactive APIs, the
# open-source gateway does not (TykTechnologies/tyk#1151).
test_internal_keyless_not_exposure if {
	count(no_keyless.deny) == 0 with input as request("CREATE", {}, object.union(keyless, {"internal": true}))
}

test_inactive_keyless_exposure_unless_behind_a_dashboard if {
	count(no_keyless.deny) == 1 with input as request("CREATE", {}, object.union(keyless, {"active": false}))
	count(no_keyless.deny) == 0
		with input as request("CREATE", {}, object.union(keyless, {"active": false}))
		with data.apiguard.config as {"tyk": {"dashboard": true}}
}

test_active_external_keyless_still_denied if {
	count(no_keyless.deny) == 1 with input as request("CREATE", {}, object.union(keyless, {"active": true, "internal": false}))
	count(no_keyless.deny) == 1 with input as request("UPDATE", {}, object.union(keyless, {"active": "false"}))
}

# An Ingress template: Tyk Operator's ApiDefinition controller returns after
# syncTemplate for an object labelled template: "true" (controllers/
# apidefinition_controller.go Reconcile), so the keyless template is never published
# itself; the Ingress that names it is judged instead (tyk.ingress_template).
test_ingress_template_not_exposure if {
	count(no_keyless.deny) == 0 with input as request("CREATE", {"template": "true"}, keyless)
	count(no_keyless.deny) == 0 with input as request("UPDATE", {"template": "true"}, keyless)
	count(no_keyless.deny) == 0 with input as request("AUDIT", {"template": "true"}, keyless)
}

# Spellings the controller does not honour publish the API: judged as served.
test_ingress_template_misspelt_label_still_denied if {
	every labels in [{"template": "True"}, {"template": "yes"}, {"template": "1"}, {"Template": "true"}, {"tyk.io/template": "true"}, {"apiguard.io/template": "true"}] {
		no_keyless.deny == {unlabelled_msg} with input as request("CREATE", labels, keyless)
	}
}

test_ingress_template_annotation_is_not_the_label if {
	req := json.patch(request("CREATE", {}, keyless), [{"op": "add", "path": "/request/object/metadata/annotations", "value": {"template": "true"}}])
	no_keyless.deny == {unlabelled_msg} with input as req
}

# Removing the label is an UPDATE that makes the operator publish the API.
test_ingress_template_label_removed_is_served if {
	req := object.union(request("UPDATE", {}, keyless), {"request": {"oldObject": {
		"apiVersion": "tyk.tyk.io/v1alpha1",
		"kind": "ApiDefinition",
		"metadata": {"name": "httpbin", "namespace": "demo", "labels": {"template": "true"}},
		"spec": object.union({"name": "httpbin"}, keyless),
	}}})
	no_keyless.deny == {unlabelled_msg} with input as req
}

# Labelling an API the operator already published (status.api_id) withdraws nothing:
# Tyk keeps serving it, so it is still judged (on UPDATE and in audit).
test_ingress_template_label_on_published_api_still_denied if {
	req := json.patch(request("UPDATE", {"template": "true"}, keyless), [{"op": "add", "path": "/request/object/status", "value": {"api_id": "ZGVtby9odHRwYmlu"}}])
	no_keyless.deny == {concat("", [unlabelled_msg, `; the label template: "true" does not withdraw an API Tyk Operator already created on Tyk (status.api_id "ZGVtby9odHRwYmlu"): delete it without the label, so that Tyk Operator removes it from Tyk, then create the template`])} with input as req
	audit := json.patch(req, [{"op": "replace", "path": "/request/operation", "value": "AUDIT"}])
	count(no_keyless.deny) == 1 with input as audit
}
