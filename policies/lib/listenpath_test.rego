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

	# an ingress template the operator has not published serves nothing; published, or
	# with a label spelling the operator does not read, it is an API like any other
	listenpath.declared({"kind": "ApiDefinition", "metadata": {"labels": {"template": "true"}}, "spec": {"proxy": {"listen_path": "/"}}}) == set()
	listenpath.declared({"kind": "ApiDefinition", "metadata": {"labels": {"template": "true"}}, "status": {"api_id": "a1"}, "spec": {"proxy": {"listen_path": "/"}}}) == {{"path": "/", "domain": ""}}
	listenpath.declared({"kind": "ApiDefinition", "metadata": {"labels": {"template": "True"}}, "spec": {"proxy": {"listen_path": "/"}}}) == {{"path": "/", "domain": ""}}
	listenpath.declared({"kind": "ApiDefinition", "metadata": {"labels": {"tyk.io/template": "true"}}, "spec": {"proxy": {"listen_path": "/"}}}) == {{"path": "/", "domain": ""}}
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

upd(old, new) := {"request": {
	"operation": "UPDATE", "namespace": "demo", "name": "api",
	"kind": {"group": "tyk.tyk.io", "version": "v1alpha1", "kind": "TykOasApiDefinition"},
	"object": new, "oldObject": old,
}}

oas_obj(ref) := {"apiVersion": "tyk.tyk.io/v1alpha1", "kind": "TykOasApiDefinition", "metadata": {"name": "api", "namespace": "demo"}, "spec": {"tykOAS": {"configmapRef": ref}}}

test_ref_of_defaults_the_namespace if {
	listenpath.ref_of(oas_obj({"name": "doc", "keyName": "k"})) == ["demo", "doc", "k"] with input as upd({}, {})
	listenpath.ref_of(oas_obj({"name": "doc", "keyName": "k", "namespace": "demo"})) == ["demo", "doc", "k"] with input as upd({}, {})
	listenpath.ref_of(oas_obj({"name": "doc", "keyName": "k", "namespace": "shared"})) == ["shared", "doc", "k"] with input as upd({}, {})
	listenpath.ref_of({"kind": "TykStreamsApiDefinition", "spec": {"tykStreams": {"configmapRef": {"name": "s", "keyName": "k"}}}}) == ["demo", "s", "k"] with input as upd({}, {})
	not listenpath.ref_of({"kind": "ApiDefinition", "spec": {}}) with input as upd({}, {})
}

# pending_document is empty (not undefined) whenever it does not apply, so held is always
# a set: a different reference, an old status, another kind.
test_pending_document_applies_only_to_an_unreconciled_same_reference if {
	same := upd(oas_obj({"name": "doc", "keyName": "k"}), oas_obj({"name": "doc", "keyName": "k"}))
	listenpath.pending_document(same.request.oldObject) == {{"path": "/x", "domain": ""}} with input as same
		with data.lib.listenpath.doc_claims as {{"path": "/x", "domain": ""}}

	moved := upd(oas_obj({"name": "other", "keyName": "k"}), oas_obj({"name": "doc", "keyName": "k"}))
	listenpath.pending_document(moved.request.oldObject) == set() with input as moved
		with data.lib.listenpath.doc_claims as {{"path": "/x", "domain": ""}}

	reconciled := object.union(oas_obj({"name": "doc", "keyName": "k"}), {"status": {"listenPath": "/y"}})
	listenpath.pending_document(reconciled) == set() with input as upd(reconciled, oas_obj({"name": "doc", "keyName": "k"}))
		with data.lib.listenpath.doc_claims as {{"path": "/x", "domain": ""}}

	# A blank status.listenPath is no status.
	blank := object.union(oas_obj({"name": "doc", "keyName": "k"}), {"status": {"listenPath": " "}})
	listenpath.pending_document(blank) == {{"path": "/x", "domain": ""}} with input as upd(blank, oas_obj({"name": "doc", "keyName": "k"}))
		with data.lib.listenpath.doc_claims as {{"path": "/x", "domain": ""}}
}

# hits look the inventory up once per prefix: they hold exactly the candidates someone
# claimed, with their claims, under either routing mode.
test_hits_are_the_claimed_candidates if {
	a := [{"namespace": "a", "name": "x"}]
	inv := {"/api": a, "/api-admin": a, "/api/": a, "/orders": a, "/bad": {"namespace": "a"}, "/x": a}
	every mine in ["/api-admin/v2", "/api/v2", "/api", "/{rest:.*}", "/orders/{id}", "/bad/x", "/none"] {
		every cfg in [{}, {"tyk": {"strictRoutes": true}}] {
			own := {{"path": mine, "domain": ""}}
			got := listenpath.hits with data.apiguard.inventory.listenPaths as inv with data.apiguard.config as cfg
				with listenpath.own as own
			want := {[m, p, inv[p]] | some m in own; some p in listenpath.candidates(mine); is_array(inv[p])} with data.apiguard.inventory.listenPaths as inv
				with data.apiguard.config as cfg
			got == want
		}
	}
	hits_of("/api-admin", inv, {}) == {"/api", "/api-admin"}
	hits_of("/api-admin", inv, {"tyk": {"strictRoutes": true}}) == {"/api-admin"}
	hits_of("/api", {}, {}) == set()
}

hits_of(path, inv, cfg) := {p |
	some [_, p, _] in listenpath.hits with data.apiguard.inventory.listenPaths as inv
		with data.apiguard.config as cfg
		with listenpath.own as {{"path": path, "domain": ""}}
}

# Each listen path the object serves is charged only with the claims it takes: a second
# path of the same object that hits only its own namespace's claim has no conflict.
test_conflicts_are_charged_to_the_path_that_takes_them if {
	inv := {
		"/api": [{"namespace": "a", "name": "x", "kind": "ApiDefinition"}],
		"/orders": [{"namespace": "b", "name": "z", "kind": "ApiDefinition"}],
	}
	own := {{"path": "/api/v2", "domain": ""}, {"path": "/orders", "domain": ""}}
	got := listenpath.conflicts with data.apiguard.inventory.listenPaths as inv
		with listenpath.own as own
		with input as {"request": {"operation": "CREATE", "namespace": "b", "kind": {"group": "tyk.tyk.io", "version": "v1alpha1", "kind": "ApiDefinition"}, "object": {"metadata": {"namespace": "b", "name": "y"}}}}
	got == {"/api/v2 on every host": ["ApiDefinition a/x (/api on every host)"]}
}
