package tyk.unique_listen_path_test

import data.lib.tykoas_test as t
import data.tyk.unique_listen_path

# The owner: an ApiDefinition in namespace "shop" serving /orders on every host.
inv(path, domain) := {"listenPaths": {path: [{"namespace": "shop", "name": "orders", "kind": "ApiDefinition", "created": "2026-01-01T00:00:00Z", "domain": domain}]}}

classic(ns, path, domain) := {"request": {
	"uid": "1", "operation": "CREATE", "name": "copy", "namespace": ns,
	"kind": {"group": "tyk.tyk.io", "version": "v1alpha1", "kind": "ApiDefinition"},
	"object": {
		"apiVersion": "tyk.tyk.io/v1alpha1", "kind": "ApiDefinition", "metadata": {"name": "copy", "namespace": ns},
		"spec": {"name": "copy", "domain": domain, "use_keyless": false, "proxy": {"listen_path": path, "target_url": "http://copy"}},
	},
}}

oas(path, domain) := t.api_input(t.gw_with({"server": {"listenPath": {"value": path}, "customDomain": domain}}), {})

denied(inp, data_inv) if count(unique_listen_path.deny) == 1 with input as inp with data.apiguard.inventory as data_inv

passes(inp, data_inv) if count(unique_listen_path.deny) == 0 with input as inp with data.apiguard.inventory as data_inv

test_same_listen_path_every_host_is_denied if {
	denied(classic("attacker", "/orders", ""), inv("/orders", ""))
	msg := unique_listen_path.deny with input as classic("attacker", "/orders", "") with data.apiguard.inventory as inv("/orders", "")
	msg == {`ApiDefinition attacker/copy: listen path /orders on every host (spec.proxy.listen_path, or x-tyk-api-gateway.server.listenPath.value with server.customDomain) takes requests Tyk already routes to another namespace's API: ApiDefinition shop/orders (/orders on every host); Tyk matches listen paths as prefixes, longest first, and an API without a custom domain answers on every host, so use a listen path that does not start with theirs, give both APIs distinct custom domains, have that owner remove it, or list it for both namespaces in apiguard.config.tyk.sharedListenPaths`}
}

test_longer_listen_path_takes_the_prefix if {
	denied(classic("attacker", "/orders/admin", ""), inv("/orders", ""))
	denied(classic("attacker", "/orders-admin", ""), inv("/orders", ""))
	denied(classic("attacker", "/orders/", ""), inv("/orders", ""))
}

# The shorter path is matched after the longer one: the owner keeps its requests.
test_shorter_listen_path_passes if {
	passes(classic("attacker", "/ord", ""), inv("/orders", ""))
	passes(classic("attacker", "/", ""), inv("/orders", ""))
}

test_strict_routes_keep_segment_boundary if {
	count(unique_listen_path.deny) == 0 with input as classic("attacker", "/orders-admin", "") with data.apiguard.inventory as inv("/orders", "") with data.apiguard.config as {"tyk": {"strictRoutes": true}}
	count(unique_listen_path.deny) == 1 with input as classic("attacker", "/orders/admin", "") with data.apiguard.inventory as inv("/orders", "") with data.apiguard.config as {"tyk": {"strictRoutes": true}}
}

test_domains if {
	# Distinct custom domains: separate routers.
	passes(classic("attacker", "/orders", "evil.example.com"), inv("/orders", "shop.example.com"))

	# Same domain, in another spelling.
	denied(classic("attacker", "/orders", "Shop.Example.com."), inv("/orders", "shop.example.com"))

	# No domain answers on every host, the owner's too; an owner without one answers on ours.
	denied(classic("attacker", "/orders", ""), inv("/orders", "shop.example.com"))
	denied(classic("attacker", "/orders", "evil.example.com"), inv("/orders", ""))

	# Gateways without enable_custom_domains ignore every domain.
	count(unique_listen_path.deny) == 1 with input as classic("attacker", "/orders", "evil.example.com") with data.apiguard.inventory as inv("/orders", "shop.example.com") with data.apiguard.config as {"tyk": {"customDomains": false}}
}

test_same_namespace_and_no_inventory_pass if {
	passes(classic("shop", "/orders", ""), inv("/orders", ""))
	count(unique_listen_path.deny) == 0 with input as classic("attacker", "/orders", "")
}

test_internal_api_is_not_judged if {
	inp := json.patch(classic("attacker", "/orders", ""), [{"op": "add", "path": "/request/object/spec/internal", "value": true}])
	passes(inp, inv("/orders", ""))
}

test_shared_listen_path if {
	cfg := {"tyk": {"sharedListenPaths": [{"listenPath": "/orders", "namespaces": ["shop", "att*"]}]}}
	count(unique_listen_path.deny) == 0 with input as classic("attacker", "/orders/x", "") with data.apiguard.inventory as inv("/orders", "") with data.apiguard.config as cfg
}

test_tyk_oas_document_is_judged if {
	# t.api_input is a TykOasApiDefinition in namespace demo.
	denied(oas("/orders/v2", {"enabled": false, "name": "shop.example.com"}), inv("/orders", "shop.example.com"))
	passes(oas("/orders/v2", {"enabled": true, "name": "other.example.com"}), inv("/orders", "shop.example.com"))
	denied(oas("/orders/v2", {"enabled": true, "name": "shop.example.com"}), inv("/orders", "shop.example.com"))
}

test_configmap_write_is_judged if {
	gw := t.gw_with({"server": {"listenPath": {"value": "/orders"}}})
	denied(t.configmap_input(gw), inv("/orders", ""))
}

# Ownership by age: an UPDATE keeps a listen path the API already served unless the
# other claim is older; AUDIT reports the younger one.
test_update_and_audit_age if {
	upd := json.patch(classic("attacker", "/orders", ""), [
		{"op": "replace", "path": "/request/operation", "value": "UPDATE"},
		{"op": "add", "path": "/request/object/metadata/creationTimestamp", "value": "2025-01-01T00:00:00Z"},
		{"op": "add", "path": "/request/oldObject", "value": classic("attacker", "/orders", "").request.object},
	])
	passes(upd, inv("/orders", ""))
	younger := json.patch(upd, [{"op": "replace", "path": "/request/object/metadata/creationTimestamp", "value": "2027-01-01T00:00:00Z"}])
	denied(younger, inv("/orders", ""))
	audit := json.patch(younger, [{"op": "replace", "path": "/request/operation", "value": "AUDIT"}])
	denied(audit, inv("/orders", ""))
}

# The inventory projects a Tyk OAS API's status; an UPDATE of it keeps what it served.
test_oas_status_is_held_on_update if {
	base := oas("/orders", {"enabled": false, "name": ""})
	status := {"listenPath": "/orders", "domain": {"enabled": false, "name": ""}}
	obj := object.union(base.request.object, {"status": status, "metadata": {"creationTimestamp": "2025-01-01T00:00:00Z"}})
	upd := object.union(base, {"request": {"operation": "UPDATE", "object": obj, "oldObject": obj}})
	passes(upd, inv("/orders", ""))
}

# A ConfigMap write keeps the listen path its document already served when it is the
# older claim, and is denied when it moves onto another namespace's.
test_configmap_update_ages if {
	gw := t.gw_with({"server": {"listenPath": {"value": "/orders"}}})
	inp := t.configmap_input(gw)
	obj := object.union(inp.request.object, {"metadata": {"creationTimestamp": "2025-01-01T00:00:00Z"}})
	kept := object.union(inp, {"request": {"object": obj, "oldObject": obj}})
	passes(kept, inv("/orders", ""))
	moved_old := object.union(obj, {"data": {"oas.json": json.marshal({"openapi": "3.0.3", "x-tyk-api-gateway": t.gw_with({"server": {"listenPath": {"value": "/mine"}}})})}})
	moved := object.union(inp, {"request": {"object": obj, "oldObject": moved_old}})
	denied(moved, inv("/orders", ""))
}

# A gorilla/mux variable in the listen path: "/{rest:.*}" is longer than "/orders", so
# Tyk registers it first, and it matches every path.
test_template_listen_path_is_denied if {
	denied(classic("attacker", "/{rest:.*}", ""), inv("/orders", ""))
	passes(classic("attacker", "/{r}", ""), inv("/orders", ""))
}

test_kv_listen_path_is_warned if {
	w := unique_listen_path.warn with input as classic("attacker", "env://ORDERS_PATH", "")
	count(w) == 1
	count(unique_listen_path.warn) == 0 with input as classic("attacker", "/orders", "")
}

# TykStreamsApiDefinition and TykMcpProxyDefinition keep their listen path in the same
# x-tyk-api-gateway document (server.listenPath.value, server.customDomain), read from the
# resolved ConfigMap at admission, before Tyk Operator writes any status.
kind_input(kind, field, path) := json.patch(oas(path, {"enabled": false, "name": ""}), [
	{"op": "replace", "path": "/request/kind/kind", "value": kind},
	{"op": "replace", "path": "/request/object/kind", "value": kind},
	{"op": "replace", "path": "/request/object/spec", "value": {field: {"configmapRef": t.ref}}},
])

test_streams_and_mcp_documents_are_judged if {
	denied(kind_input("TykStreamsApiDefinition", "tykStreams", "/orders/events"), inv("/orders", ""))
	denied(kind_input("TykMcpProxyDefinition", "tykMCP", "/orders"), inv("/orders", ""))
	passes(kind_input("TykMcpProxyDefinition", "tykMCP", "/mcp"), inv("/orders", ""))
}

# Their status.domain is a plain string (Tyk Operator v1.4.2 CRDs), the Tyk OAS kind's an
# object: both are read as the domain the API held.
test_streams_status_domain_string_is_held_on_update if {
	base := json.patch(kind_input("TykStreamsApiDefinition", "tykStreams", "/orders"), [{"op": "replace", "path": "/references/configmaps/demo~1httpbin-oas/data/oas.json", "value": json.marshal({"openapi": "3.0.3", "x-tyk-api-gateway": t.gw_with({"server": {"listenPath": {"value": "/orders"}, "customDomain": {"enabled": true, "name": "api.example.com"}}})})}])
	obj := object.union(base.request.object, {"status": {"listenPath": "/orders", "domain": "api.example.com"}, "metadata": {"creationTimestamp": "2025-01-01T00:00:00Z"}})
	upd := object.union(base, {"request": {"operation": "UPDATE", "object": obj, "oldObject": obj}})
	passes(upd, inv("/orders", "api.example.com"))

	# Read as no domain, the held claim would not be the one the document makes.
	unheld := object.union(upd, {"request": {"oldObject": object.union(obj, {"status": {"domain": "other.example.com"}})}})
	denied(unheld, inv("/orders", "api.example.com"))
}

# An UPDATE of a Tyk OAS API that Tyk Operator has not reconciled yet (no status) and that
# names the same ConfigMap key keeps its document's listen path by age, as an Ingress keeps
# its hosts: the older API is not denied because a younger claim from another namespace
# slipped in while its status was missing (or offline, where manifests carry no status).
pending_update(created, old_ref) := upd if {
	base := oas("/orders", {"enabled": false, "name": ""})
	obj := object.union(base.request.object, {"metadata": {"creationTimestamp": created}})
	old := object.union(obj, {"spec": {"tykOAS": {"configmapRef": old_ref}}})
	upd := object.union(base, {"request": {"operation": "UPDATE", "object": obj, "oldObject": old}})
}

test_pending_oas_update_keeps_its_document_by_age if {
	# Older than the claim (2026-01-01): kept.
	passes(pending_update("2025-01-01T00:00:00Z", t.ref), inv("/orders", ""))

	# The default namespace spelt out on one side is the same ConfigMap.
	passes(pending_update("2025-01-01T00:00:00Z", object.union(t.ref, {"namespace": "demo"})), inv("/orders", ""))

	# Younger: the other namespace claimed it first.
	denied(pending_update("2027-01-01T00:00:00Z", t.ref), inv("/orders", ""))

	# Age unknown: the safe side.
	unknown := json.patch(pending_update("2025-01-01T00:00:00Z", t.ref), [{"op": "remove", "path": "/request/object/metadata/creationTimestamp"}])
	denied(unknown, inv("/orders", ""))
}

# Attacker: an UPDATE that points the API at another ConfigMap (or key) whose document
# serves another namespace's listen path is a new claim, whatever the API's age.
test_pending_oas_update_moving_the_reference_is_a_new_claim if {
	denied(pending_update("2025-01-01T00:00:00Z", {"name": "harmless-oas", "keyName": "oas.json"}), inv("/orders", ""))
	denied(pending_update("2025-01-01T00:00:00Z", {"name": "httpbin-oas", "keyName": "old.json"}), inv("/orders", ""))
	denied(pending_update("2025-01-01T00:00:00Z", object.union(t.ref, {"namespace": "other"})), inv("/orders", ""))
}

# Attacker: once Tyk Operator has written a status, that status is what the API held. A
# document that now says another namespace's listen path (a ConfigMap edit no webhook
# judged) is a move, judged as new even for an older API.
test_reconciled_oas_update_moving_the_document_is_a_new_claim if {
	upd := pending_update("2025-01-01T00:00:00Z", t.ref)
	status := {"status": {"listenPath": "/mine", "domain": {"enabled": false, "name": ""}}}
	moved := object.union(upd, {"request": {"object": object.union(upd.request.object, status), "oldObject": object.union(upd.request.oldObject, status)}})
	denied(moved, inv("/orders", ""))
}

# The same for the other two document kinds.
test_pending_streams_and_mcp_update_keep_their_document if {
	every kind, field in {"TykStreamsApiDefinition": "tykStreams", "TykMcpProxyDefinition": "tykMCP"} {
		kept_and_moved(kind, field)
	}
}

kept_and_moved(kind, field) if {
	base := kind_input(kind, field, "/orders")
	obj := object.union(base.request.object, {"metadata": {"creationTimestamp": "2025-01-01T00:00:00Z"}})
	upd := object.union(base, {"request": {"operation": "UPDATE", "object": obj, "oldObject": obj}})
	passes(upd, inv("/orders", ""))
	moved := object.union(upd, {"request": {"oldObject": object.union(obj, {"spec": {field: {"configmapRef": {"name": "elsewhere", "keyName": "oas.json"}}}})}})
	denied(moved, inv("/orders", ""))
}
