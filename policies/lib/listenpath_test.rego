package lib.listenpath_test

import data.lib.listenpath

test_covered_is_prefix_longest_first if {
	listenpath.covered("/api", "/api")
	listenpath.covered("/api/v2", "/api")
	listenpath.covered("/api-admin", "/api")
	not listenpath.covered("/api", "/api/v2")
}

test_strict_routes_cover_segments_only if {
	not listenpath.covered("/api-admin", "/api") with data.apiguard.config as {"tyk": {"strictRoutes": true}}
	listenpath.covered("/api/v2", "/api") with data.apiguard.config as {"tyk": {"strictRoutes": true}}
	listenpath.covered("/api/v2", "/api/") with data.apiguard.config as {"tyk": {"strictRoutes": true}}
	listenpath.covered("/api", "/api") with data.apiguard.config as {"tyk": {"strictRoutes": true}}
}

test_overlap_every_host if {
	listenpath.overlap("a.example.com", "a.example.com")
	listenpath.overlap("", "a.example.com")
	listenpath.overlap("a.example.com", "")
	not listenpath.overlap("a.example.com", "b.example.com")
}

test_domain_normalised_or_ignored if {
	listenpath.domain_of("A.Example.com.") == "a.example.com"
	listenpath.domain_of(null) == ""
	listenpath.domain_of("a.example.com") == "" with data.apiguard.config as {"tyk": {"customDomains": false}}
}

test_declared_from_spec_and_status if {
	listenpath.declared({"kind": "ApiDefinition", "spec": {"domain": "x.io", "proxy": {"listen_path": "/a"}}}) == {{"path": "/a", "domain": "x.io"}}
	listenpath.declared({"kind": "ApiDefinition", "spec": {"internal": true, "proxy": {"listen_path": "/a"}}}) == set()
	listenpath.declared({"kind": "TykOasApiDefinition", "status": {"listenPath": "/b", "domain": {"name": "x.io", "enabled": true}}}) == {{"path": "/b", "domain": "x.io"}}
	listenpath.declared({"kind": "TykOasApiDefinition", "status": {"listenPath": "/b", "domain": {"name": "x.io", "enabled": false}}}) == {{"path": "/b", "domain": ""}}
	listenpath.declared({"kind": "TykOasApiDefinition", "spec": {}}) == set()
}

test_prefixes if {
	listenpath.prefixes("/ab") == {"/", "/a", "/ab"}
}

test_templates if {
	inv := {"/orders": [], "/orders-and-more-long": [], "/billing": []}

	# "/{rest:.*}" is longer than /orders, tried first, and matches every path.
	"/orders" in listenpath.candidates("/{rest:.*}") with data.apiguard.inventory.listenPaths as inv

	# A variable matches any segment: /orders/billing/... goes to this API.
	"/orders" in listenpath.candidates("/{a}/billing/{b}") with data.apiguard.inventory.listenPaths as inv

	# Shorter than the owner's: registered after it, takes nothing.
	not "/orders-and-more-long" in listenpath.candidates("/{r:.*}") with data.apiguard.inventory.listenPaths as inv

	# A literal part that is not the owner's.
	not "/orders" in listenpath.candidates("/billing/{id}") with data.apiguard.inventory.listenPaths as inv
	"/billing" in listenpath.candidates("/billing/{id}") with data.apiguard.inventory.listenPaths as inv
}
