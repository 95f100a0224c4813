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
