package tyk.ignored_paths_test

import data.tyk.ignored_paths

request(operation, spec) := {"request": {
	"uid": "1",
	"kind": {"group": "tyk.tyk.io", "version": "v1alpha1", "kind": "ApiDefinition"},
	"name": "orders",
	"namespace": "demo",
	"operation": operation,
	"object": {
		"apiVersion": "tyk.tyk.io/v1alpha1",
		"kind": "ApiDefinition",
		"metadata": {"name": "orders", "namespace": "demo"},
		"spec": object.union({"name": "orders", "protocol": "http", "use_standard_auth": true, "proxy": {"target_url": "http://orders.demo.svc", "listen_path": "/orders"}}, spec),
	},
}}

simple(paths) := {"version_data": {"not_versioned": true, "default_version": "Default", "versions": {"Default": {"name": "Default", "paths": {"ignored": paths}}}}}

extended(path, actions) := {"version_data": {"versions": {"Default": {"name": "Default", "use_extended_paths": true, "extended_paths": {"ignored": [{"path": path, "ignore_case": false, "method_actions": actions}]}}}}}

no_action := {"action": "no_action", "code": 200, "data": "", "headers": {}}

test_catch_all_simple_paths_denied if {
	every p in ["/", "/.*", ".*", "/{rest:.*}", "^/", ""] {
		denies := ignored_paths.deny with input as request("CREATE", simple([p]))
		denies == {sprintf("ApiDefinition demo/orders: spec.version_data.versions[\"Default\"].paths.ignored[0] is %q, which matches every request path, so Tyk serves every method without authentication, rate limits or access rights; remove it and list only exact public paths such as ^/health$ (for a public API use use_keyless with the public-API exception)", [p])}
	}
}

test_catch_all_extended_path_names_methods if {
	denies := ignored_paths.deny with input as request("UPDATE", extended("/{rest:.*}", {"GET": no_action, "POST": no_action}))
	count(denies) == 1
	some msg in denies
	contains(msg, "extended_paths.ignored[0].path is \"/{rest:.*}\"")
	contains(msg, "Tyk serves GET, POST without authentication")
}

test_reply_action_is_not_the_upstream if {
	reply := {"GET": {"action": "reply", "code": 200, "data": "ok", "headers": {}}}
	count(ignored_paths.deny) == 0 with input as request("CREATE", extended("/", reply))
	count(ignored_paths.warn) == 0 with input as request("CREATE", extended("/", reply))
	count(ignored_paths.deny) == 0 with input as request("CREATE", extended("/", {}))
}

test_narrow_path_warned_with_its_name if {
	warns := ignored_paths.warn with input as request("CREATE", simple(["/health"]))
	warns == {"ApiDefinition demo/orders: spec.version_data.versions[\"Default\"].paths.ignored[0] is \"/health\", so Tyk serves every method on it without authentication (the pattern is not anchored: it matches every path containing it); make sure it is public and anchor it, for example ^/health$"}
	count(ignored_paths.deny) == 0 with input as request("CREATE", simple(["/health"]))
}

test_keyless_catch_all_still_denied if {
	count(ignored_paths.deny) == 1 with input as request("CREATE", object.union(simple(["/"]), {"use_keyless": true}))
}

test_inactive_or_internal_not_judged if {
	count(ignored_paths.deny) == 1 with input as request("CREATE", object.union(simple(["/"]), {"active": false}))
	count(ignored_paths.deny) == 0
		with input as request("CREATE", object.union(simple(["/"]), {"active": false}))
		with data.apiguard.config as {"tyk": {"dashboard": true}}
	count(ignored_paths.deny) == 0 with input as request("CREATE", object.union(simple(["/"]), {"internal": true}))
}

test_no_ignored_paths_quiet if {
	count(ignored_paths.deny) == 0 with input as request("CREATE", {})
	count(ignored_paths.warn) == 0 with input as request("CREATE", simple([]))
	count(ignored_paths.warn) == 0 with input as request("CREATE", {"version_data": {"versions": {"Default": "x"}}})
}

test_audit_checked_delete_not if {
	count(ignored_paths.deny) == 1 with input as request("AUDIT", simple(["/"]))
	req := json.patch(request("CREATE", simple(["/"])), [{"op": "replace", "path": "/request/operation", "value": "DELETE"}])
	count(ignored_paths.deny) == 0 with input as req
}

# An ApiDefinition labelled template: "true" is an Ingress template Tyk Operator never
# publishes (controllers/apidefinition_controller.go Reconcile); tyk.ingress_template
# judges its ignored paths on the Ingress that names it. Other spellings are published.
test_ingress_template_not_judged if {
	tpl := json.patch(request("CREATE", simple(["/", "/health"])), [{"op": "add", "path": "/request/object/metadata/labels", "value": {"template": "true"}}])
	count(ignored_paths.deny) == 0 with input as tpl
	count(ignored_paths.warn) == 0 with input as tpl
	misspelt := json.patch(tpl, [{"op": "replace", "path": "/request/object/metadata/labels", "value": {"tyk.io/template": "true"}}])
	count(ignored_paths.deny) == 1 with input as misspelt
	count(ignored_paths.warn) == 1 with input as misspelt
}
