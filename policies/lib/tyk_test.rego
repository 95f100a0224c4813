package lib.tyk_test

import data.lib.tyk

api(spec) := {"request": {
	"operation": "CREATE",
	"kind": {"group": "tyk.tyk.io", "version": "v1alpha1", "kind": "ApiDefinition"},
	"object": {"spec": spec},
}}

test_served if {
	tyk.served with input as api({"name": "a"})
	tyk.served with input as api({"active": true, "internal": false})
	not tyk.served with input as api({"internal": true})
}

# The open-source gateway serves an inactive API (TykTechnologies/tyk#1151); only a
# Dashboard withholds it.
test_inactive_served_unless_behind_a_dashboard if {
	tyk.served with input as api({"active": false})
	not tyk.served with input as api({"active": false}) with data.apiguard.config as {"tyk": {"dashboard": true}}
	tyk.served with input as api({"active": true}) with data.apiguard.config as {"tyk": {"dashboard": true}}
	tyk.served with input as api({"active": false}) with data.apiguard.config as {"tyk": {"dashboard": "true"}}
}

test_any_origin if {
	every o in ["*", " * ", "null", "NULL", "https://*", "http://*", "*.example.com", "https://*example.com", "https://app.*", "https://*.com", "https://a*b.example.com"] {
		tyk.any_origin(o)
	}
	every o in ["https://app.example.com", "https://*.example.com", "http://*.example.co.uk:8443"] {
		not tyk.any_origin(o)
	}
}

test_subdomain_wildcard if {
	tyk.subdomain_wildcard("https://*.example.com")
	not tyk.subdomain_wildcard("https://*")
	not tyk.subdomain_wildcard("https://app.example.com")
}

test_catch_all_paths if {
	every p in ["/", "", ".*", "/.*", "^/", "/{rest:.*}", "^/.*$", "/*", "(?i)/", "/{id}", "/.", "^/.+"] {
		tyk.catch_all_path(p)
	}
}

test_narrow_paths if {
	every p in ["/health", "/status/{id}", "^/public/.*", "/{rest}/x", "^/$", "/a", "[", 42, "^/[a-z]+$", "a"] {
		not tyk.catch_all_path(p)
	}
}

# A literal path is judged without a regular expression; the verdict is the one the
# compiled pattern gives.
test_literal_paths_judged_as_their_pattern if {
	every p in ["", "/", "a", "/a", "/Z9", "/public/r001", "/health", "/-", "~", "/users/42", "%2F", "/a:b@c,d=e;f!g&h"] {
		tyk.literal_path(p)
		tyk.catch_all_string(p) == pattern_verdict(p)
	}
	every p in ["/.", ".*", "^/", "/{id}", "/(a)", "/a b", "/a+", "/[a]", "/a|", `/\w`, "/é"] {
		not tyk.literal_path(p)
	}
	tyk.literal_catch_alls == {"", "/"}
}

# catch_all_entries sets aside only entries catch_all_path rejects.
test_catch_all_candidate if {
	every p in tyk.literal_catch_alls {
		regex.match(tyk.catch_all_candidate, p)
	}
	every p in ["/.", ".*", "/{id}", "^/", "(?i)/", "/a b"] {
		regex.match(tyk.catch_all_candidate, p)
	}
	every p in ["/a", "/public/r001", "a", "//"] {
		not regex.match(tyk.catch_all_candidate, p)
	}
	entries := {{"path": p} | some p in ["/", "", "/health", "/.*", "/{id}", "/public/{id}", "//", "a/"]}
	tyk.catch_all_entries(entries) == {{"path": p} | some p in ["/", "", "/.*", "/{id}"]}
	tyk.catch_all_entries(entries) == {e | some e in entries; tyk.catch_all_path(e.path)}
}

pattern_verdict(p) if tyk.pattern_catch_all(p)

else := false

test_spec_functions_for_a_template if {
	tyk.served_spec({"use_keyless": true})
	not tyk.served_spec({"internal": true})
	tyk.served_spec({"active": false})
	not tyk.served_spec({"active": false}) with data.apiguard.config as {"tyk": {"dashboard": true}}
	tyk.keyless_spec({"use_keyless": true})
	not tyk.keyless_spec({"use_keyless": "true"})
	not tyk.keyless_spec({})
}

labelled_request(labels, ns) := {"request": {"operation": "CREATE", "namespace": ns, "object": {"metadata": {"namespace": ns, "labels": labels}}}}

test_public_api_approved if {
	approved := {"apiguard.io/public-api": "approved"}
	cfg := {"tyk": {"keylessNamespaces": ["public-*"]}}
	tyk.public_api_approved with input as labelled_request(approved, "public-docs") with data.apiguard.config as cfg
	not tyk.public_api_approved with input as labelled_request(approved, "demo") with data.apiguard.config as cfg
	not tyk.public_api_approved with input as labelled_request({}, "public-docs") with data.apiguard.config as cfg
	not tyk.public_api_approved with input as labelled_request(approved, "public-docs") with data.apiguard.config as {"tyk": {"keylessNamespaces": "public-*"}}
}

test_catch_all_ignored if {
	spec := {"version_data": {"versions": {"Default": {
		"paths": {"ignored": ["/", "/health"]},
		"extended_paths": {"ignored": [
			{"path": "/{rest:.*}", "method_actions": {"GET": {"action": "no_action"}}},
			{"path": ".*", "method_actions": {"GET": {"action": "reply"}}},
		]},
	}}}}
	tyk.catch_all_ignored(spec) == {
		{"field": `spec.version_data.versions["Default"].paths.ignored[0]`, "path": "/", "methods": "every method"},
		{"field": `spec.version_data.versions["Default"].extended_paths.ignored[0].path`, "path": "/{rest:.*}", "methods": "GET"},
	}
	tyk.catch_all_ignored({}) == set()
}

# ignored_entries: every entry, with the methods Tyk serves it for; an extended entry
# without a no_action method, or malformed, is none.
test_ignored_entries if {
	spec := {"version_data": {"versions": {
		"v1": {
			"paths": {"ignored": ["/health", 7]},
			"extended_paths": {"ignored": [
				{"path": "/status", "method_actions": {"POST": {"action": "no_action"}, "GET": {"action": "no_action"}, "PUT": {"action": "reply"}}},
				{"path": "/mock", "method_actions": {"GET": {"action": "reply"}}},
				{"path": "/x", "method_actions": {"GET": "no_action"}},
				{"path": "/y", "method_actions": "no_action"},
				"/z",
				{"method_actions": {"GET": {"action": "no_action"}}},
			]},
		},
		"v2": "not a version",
	}}}
	tyk.ignored_entries(spec) == {
		{"field": `spec.version_data.versions["v1"].paths.ignored[0]`, "path": "/health", "methods": "every method"},
		{"field": `spec.version_data.versions["v1"].extended_paths.ignored[0].path`, "path": "/status", "methods": "GET, POST"},
	}
	tyk.ignored_entries({"version_data": {"versions": []}}) == set()
	tyk.ignored_entries({"version_data": "x"}) == set()
}

tyk_request(kind, labels) := {"request": {
	"operation": "CREATE",
	"kind": {"group": "tyk.tyk.io", "version": "v1alpha1", "kind": kind},
	"object": {"metadata": {"name": "tpl", "namespace": "demo", "labels": labels}, "spec": {}},
}}

# Tyk Operator skips publishing an ApiDefinition labelled template: "true"
# (apidefinition_controller.go Reconcile) and a TykOasApiDefinition labelled
# tyk.io/template: "true" (tykoasapidefinition_controller.go Reconcile), compared exactly.
test_ingress_template_exact_spelling_per_kind if {
	tyk.ingress_template with input as tyk_request("ApiDefinition", {"template": "true"})
	tyk.ingress_template with input as tyk_request("TykOasApiDefinition", {"tyk.io/template": "true"})
	not tyk.served with input as tyk_request("ApiDefinition", {"template": "true"})
}

test_ingress_template_other_spellings_are_served if {
	every labels in [{"template": "True"}, {"template": "yes"}, {"template": "TRUE"}, {"Template": "true"}, {"tyk.io/template": "true"}, {"template": true}, {}] {
		not tyk.ingress_template with input as tyk_request("ApiDefinition", labels)
		tyk.served with input as tyk_request("ApiDefinition", labels)
	}
	every labels in [{"template": "true"}, {"tyk.io/template": "True"}, {"tyk.io/Template": "true"}, {"tyk.io/template": "1"}] {
		not tyk.ingress_template with input as tyk_request("TykOasApiDefinition", labels)
	}
	every kind in ["TykStreamsApiDefinition", "TykMcpProxyDefinition", "SecurityPolicy"] {
		not tyk.ingress_template with input as tyk_request(kind, {"template": "true", "tyk.io/template": "true"})
	}
}

# An annotation is not a label: the operator reads GetLabels() only.
test_ingress_template_annotation_is_not_the_label if {
	req := json.patch(tyk_request("ApiDefinition", {}), [{"op": "add", "path": "/request/object/metadata/annotations", "value": {"template": "true"}}])
	not tyk.ingress_template with input as req
}

# The same label on another group's kind is not Tyk Operator's.
test_ingress_template_other_group if {
	req := json.patch(tyk_request("ApiDefinition", {"template": "true"}), [{"op": "replace", "path": "/request/kind/group", "value": "example.com"}])
	not tyk.ingress_template with input as req
}

# Adding the label to an API Tyk Operator already created on Tyk withdraws nothing: the
# template branch returns before any call to Tyk, which keeps serving the last spec.
test_ingress_template_already_published_is_served if {
	classic := json.patch(tyk_request("ApiDefinition", {"template": "true"}), [{"op": "add", "path": "/request/object/status", "value": {"api_id": "ZGVtby90cGw"}}])
	not tyk.ingress_template with input as classic
	tyk.served with input as classic
	oas := json.patch(tyk_request("TykOasApiDefinition", {"tyk.io/template": "true"}), [{"op": "add", "path": "/request/object/status", "value": {"id": "ZGVtby90cGw", "ingressTemplate": false}}])
	not tyk.ingress_template with input as oas
	empty := json.patch(tyk_request("ApiDefinition", {"template": "true"}), [{"op": "add", "path": "/request/object/status", "value": {"api_id": "", "ingressTemplate": true}}])
	tyk.ingress_template with input as empty
}
