package tyk.safe_cors_test

import data.tyk.safe_cors

request(operation, cors) := {"request": {
	"uid": "1",
	"kind": {"group": "tyk.tyk.io", "version": "v1alpha1", "kind": "ApiDefinition"},
	"name": "httpbin",
	"namespace": "demo",
	"operation": operation,
	"object": {
		"apiVersion": "tyk.tyk.io/v1alpha1",
		"kind": "ApiDefinition",
		"metadata": {"name": "httpbin", "namespace": "demo"},
		"spec": {"name": "httpbin", "CORS": cors},
	},
}}

star_with_credentials := {"enable": true, "allowed_origins": ["https://app.example.com", "*"], "allow_credentials": true}

star_only := {"enable": true, "allowed_origins": ["*"]}

deny_msg := "ApiDefinition demo/httpbin: spec.CORS allows credentials from any origin (\"*\" in allowed_origins with allow_credentials: true), so any web site can call the API as a logged-in user; list the exact origins in allowed_origins, for example https://app.example.com"

warn_msg := "ApiDefinition demo/httpbin: spec.CORS.allowed_origins contains \"*\", so any web site can call the API from a browser; list the exact origins instead, for example https://app.example.com"

test_star_with_credentials_denied if {
	denies := safe_cors.deny with input as request("CREATE", star_with_credentials)
	denies == {deny_msg}
	count(safe_cors.warn) == 0 with input as request("CREATE", star_with_credentials)
}

test_star_without_credentials_warned if {
	warns := safe_cors.warn with input as request("CREATE", star_only)
	warns == {warn_msg}
	count(safe_cors.deny) == 0 with input as request("CREATE", star_only)
	count(safe_cors.warn) == 1 with input as request("CREATE", object.union(star_only, {"allow_credentials": false}))
	count(safe_cors.warn) == 1 with input as request("CREATE", object.union(star_only, {"allow_credentials": "true"}))
}

test_explicit_origins_allowed if {
	cors := {"enable": true, "allowed_origins": ["https://app.example.com"], "allow_credentials": true}
	count(safe_cors.deny) == 0 with input as request("CREATE", cors)
	count(safe_cors.warn) == 0 with input as request("CREATE", cors)
}

# rs/cors reads one "*" as prefix*suffix: a scheme and a dot-led domain bound it to
# that domain's subdomains, warned with credentials (a taken-over subdomain gets in).
test_subdomain_wildcard_is_not_any_origin if {
	cors := {"enable": true, "allowed_origins": ["https://*.example.com"], "allow_credentials": true}
	count(safe_cors.deny) == 0 with input as request("CREATE", cors)
	count(safe_cors.warn) == 1 with input as request("CREATE", cors)
	count(safe_cors.warn) == 0 with input as request("CREATE", object.union(cors, {"allow_credentials": false}))
}

test_unbounded_wildcards_and_null_are_any_origin if {
	every origin in ["https://*", "null", "https://*example.com", "https://app.*"] {
		cors := {"enable": true, "allowed_origins": ["https://app.example.com", origin], "allow_credentials": true}
		denies := safe_cors.deny with input as request("CREATE", cors)
		count(denies) == 1
		some msg in denies
		contains(msg, sprintf("(%q in allowed_origins", [origin]))
		count(safe_cors.warn) == 1 with input as request("CREATE", object.union(cors, {"allow_credentials": false}))
	}
}

test_cors_disabled_ignored if {
	every cors in [
		object.union(star_with_credentials, {"enable": false}),
		object.remove(star_with_credentials, ["enable"]),
		object.union(star_with_credentials, {"enable": "true"}),
	] {
		count(safe_cors.deny) == 0 with input as request("CREATE", cors)
		count(safe_cors.warn) == 0 with input as request("CREATE", cors)
	}
}

test_lower_case_cors_key_is_not_read if {
	req := json.patch(request("CREATE", star_with_credentials), [{"op": "move", "from": "/request/object/spec/CORS", "path": "/request/object/spec/cors"}])
	count(safe_cors.deny) == 0 with input as req
}

test_malformed_origins_ignored if {
	cors := {"enable": true, "allowed_origins": "*", "allow_credentials": true}
	count(safe_cors.deny) == 0 with input as request("CREATE", cors)
	count(safe_cors.warn) == 0 with input as request("CREATE", cors)
}

test_update_and_audit_checked if {
	count(safe_cors.deny) == 1 with input as request("UPDATE", star_with_credentials)
	count(safe_cors.deny) == 1 with input as request("AUDIT", star_with_credentials)
	count(safe_cors.warn) == 1 with input as request("AUDIT", star_only)
}

test_delete_not_judged if {
	req := {"request": {
		"kind": {"group": "tyk.tyk.io", "version": "v1alpha1", "kind": "ApiDefinition"},
		"name": "httpbin",
		"namespace": "demo",
		"operation": "DELETE",
		"object": null,
		"oldObject": {"metadata": {"name": "httpbin", "namespace": "demo"}, "spec": {"CORS": star_with_credentials}},
	}}
	count(safe_cors.deny) == 0 with input as req
	count(safe_cors.warn) == 0 with input as req
}

test_other_kind_or_group_ignored if {
	req := request("CREATE", star_with_credentials)
	count(safe_cors.deny) == 0 with input as json.patch(req, [{"op": "replace", "path": "/request/kind/group", "value": "example.com"}])
	count(safe_cors.deny) == 0 with input as json.patch(req, [{"op": "replace", "path": "/request/kind/kind", "value": "SecurityPolicy"}])
}
