package httproute.cross_namespace_backend_test

import data.httproute.cross_namespace_backend as policy

request(operation, kind, rules) := {"request": {
	"uid": "1",
	"kind": {"group": "gateway.networking.k8s.io", "version": "v1", "kind": kind},
	"name": "shop",
	"namespace": "demo",
	"operation": operation,
	"object": {
		"apiVersion": "gateway.networking.k8s.io/v1",
		"kind": kind,
		"metadata": {"name": "shop", "namespace": "demo"},
		"spec": {"parentRefs": [{"name": "edge"}], "hostnames": ["shop.example.com"], "rules": rules},
	},
}}

create(rules) := request("CREATE", "HTTPRoute", rules)

backend(extra) := object.union({"name": "api", "port": 8080}, extra)

payments := {"namespace": "payments"}

grant(from, to) := {"name": "g", "from": [from], "to": [to]}

route_from := {"group": "gateway.networking.k8s.io", "kind": "HTTPRoute", "namespace": "demo"}

service_to := {"group": "", "kind": "Service", "name": ""}

inventory(grants) := {"gateways": {}, "referenceGrants": grants}

empty_inventory := inventory({})

deny_msg := `HTTPRoute demo/shop: spec.rules[0].backendRefs[0] points to Service "api" in namespace "payments", and no ReferenceGrant in that namespace allows it; use a backend in namespace "demo", or have a ReferenceGrant created in "payments" with from {group: gateway.networking.k8s.io, kind: HTTPRoute, namespace: demo} and to {group: "", kind: Service, name: api}`

warn_msg := `HTTPRoute demo/shop: spec.rules[0].backendRefs[0] points to Service "api" in namespace "payments"; ReferenceGrants cannot be checked here, so make sure a ReferenceGrant in "payments" has from {group: gateway.networking.k8s.io, kind: HTTPRoute, namespace: demo} and to {group: "", kind: Service, name: api}, or the reference is refused`

# --- Same namespace --------------------------------------------------------

test_same_namespace_backend_allowed if {
	r := create([{"backendRefs": [backend({}), backend({"namespace": "demo"})]}])
	count(policy.deny) == 0 with input as r with data.apiguard.inventory as empty_inventory
	count(policy.warn) == 0 with input as r
}

test_empty_namespace_is_same_namespace if {
	count(policy.deny) == 0 with input as create([{"backendRefs": [backend({"namespace": ""})]}]) with data.apiguard.inventory as empty_inventory
}

# --- Grants known (webhook) ------------------------------------------------

test_cross_namespace_without_grant_denied if {
	r := create([{"backendRefs": [backend(payments)]}])
	denies := policy.deny with input as r with data.apiguard.inventory as empty_inventory
	denies == {deny_msg}
	count(policy.warn) == 0 with input as r with data.apiguard.inventory as empty_inventory
}

test_matching_grant_allowed if {
	inv := inventory({"payments": [grant(route_from, service_to)]})
	count(policy.deny) == 0 with input as create([{"backendRefs": [backend(payments)]}]) with data.apiguard.inventory as inv
}

test_grant_naming_the_backend_allowed if {
	inv := inventory({"payments": [grant(route_from, object.union(service_to, {"name": "api"}))]})
	count(policy.deny) == 0 with input as create([{"backendRefs": [backend(payments)]}]) with data.apiguard.inventory as inv
}

test_grant_without_to_name_field_allowed if {
	inv := inventory({"payments": [grant(route_from, {"group": "", "kind": "Service"})]})
	count(policy.deny) == 0 with input as create([{"backendRefs": [backend(payments)]}]) with data.apiguard.inventory as inv
}

test_grant_naming_another_backend_denied if {
	inv := inventory({"payments": [grant(route_from, object.union(service_to, {"name": "other"}))]})
	count(policy.deny) == 1 with input as create([{"backendRefs": [backend(payments)]}]) with data.apiguard.inventory as inv
}

test_grant_from_other_namespace_denied if {
	inv := inventory({"payments": [grant(object.union(route_from, {"namespace": "other"}), service_to)]})
	count(policy.deny) == 1 with input as create([{"backendRefs": [backend(payments)]}]) with data.apiguard.inventory as inv
}

test_grant_for_other_route_kind_denied if {
	inv := inventory({"payments": [grant(object.union(route_from, {"kind": "GRPCRoute"}), service_to)]})
	count(policy.deny) == 1 with input as create([{"backendRefs": [backend(payments)]}]) with data.apiguard.inventory as inv
}

test_grant_from_other_group_denied if {
	inv := inventory({"payments": [grant(object.union(route_from, {"group": ""}), service_to)]})
	count(policy.deny) == 1 with input as create([{"backendRefs": [backend(payments)]}]) with data.apiguard.inventory as inv
}

test_grant_to_other_kind_denied if {
	inv := inventory({"payments": [grant(route_from, object.union(service_to, {"kind": "Secret"}))]})
	count(policy.deny) == 1 with input as create([{"backendRefs": [backend(payments)]}]) with data.apiguard.inventory as inv
}

test_grant_in_other_namespace_denied if {
	inv := inventory({"demo": [grant(route_from, service_to)]})
	count(policy.deny) == 1 with input as create([{"backendRefs": [backend(payments)]}]) with data.apiguard.inventory as inv
}

test_grant_with_several_entries_allowed if {
	g := {"name": "g", "from": [object.union(route_from, {"namespace": "x"}), route_from], "to": [{"group": "", "kind": "Secret"}, service_to]}
	inv := inventory({"payments": [{"name": "other", "from": [], "to": []}, g]})
	count(policy.deny) == 0 with input as create([{"backendRefs": [backend(payments)]}]) with data.apiguard.inventory as inv
}

test_non_core_backend_needs_matching_group if {
	ref := backend({"namespace": "payments", "group": "example.com", "kind": "Bucket"})
	denies := policy.deny with input as create([{"backendRefs": [ref]}]) with data.apiguard.inventory as empty_inventory
	some msg in denies
	contains(msg, `points to Bucket "api" in namespace "payments"`)
	contains(msg, `to {group: "example.com", kind: Bucket, name: api}`)
	inv := inventory({"payments": [grant(route_from, {"group": "example.com", "kind": "Bucket", "name": ""})]})
	count(policy.deny) == 0 with input as create([{"backendRefs": [ref]}]) with data.apiguard.inventory as inv
	count(policy.deny) == 1 with input as create([{"backendRefs": [ref]}]) with data.apiguard.inventory as inventory({"payments": [grant(route_from, service_to)]})
}

test_one_message_per_reference if {
	rules := [
		{"backendRefs": [backend(payments), backend({})]},
		{"backendRefs": [backend({"namespace": "billing"})]},
	]
	denies := policy.deny with input as create(rules) with data.apiguard.inventory as empty_inventory
	count(denies) == 2
	some msg in denies
	contains(msg, `spec.rules[1].backendRefs[0] points to Service "api" in namespace "billing"`)
}

test_rule_mirror_filter_checked if {
	rule := {
		"filters": [{"type": "RequestMirror", "requestMirror": {"backendRef": backend(payments)}}],
		"backendRefs": [backend({})],
	}
	denies := policy.deny with input as create([rule]) with data.apiguard.inventory as empty_inventory
	some msg in denies
	contains(msg, "spec.rules[0].filters[0].requestMirror.backendRef points to")
}

test_backend_mirror_filter_checked if {
	ref := backend({"filters": [{"type": "RequestMirror", "requestMirror": {"backendRef": backend(payments)}}]})
	denies := policy.deny with input as create([{"backendRefs": [ref]}]) with data.apiguard.inventory as empty_inventory
	some msg in denies
	contains(msg, "spec.rules[0].backendRefs[0].filters[0].requestMirror.backendRef points to")
}

test_grpcroute_checked_with_its_kind if {
	r := request("CREATE", "GRPCRoute", [{"backendRefs": [backend(payments)]}])
	denies := policy.deny with input as r with data.apiguard.inventory as inventory({"payments": [grant(route_from, service_to)]})
	some msg in denies
	startswith(msg, "GRPCRoute demo/shop: ")
	grpc_from := object.union(route_from, {"kind": "GRPCRoute"})
	count(policy.deny) == 0 with input as r with data.apiguard.inventory as inventory({"payments": [grant(grpc_from, service_to)]})
}

# --- Grants unknown (offline) ------------------------------------------------

test_no_inventory_warns if {
	r := create([{"backendRefs": [backend(payments)]}])
	count(policy.deny) == 0 with input as r
	warns := policy.warn with input as r
	warns == {warn_msg}
}

test_inventory_without_grants_section_warns if {
	r := create([{"backendRefs": [backend(payments)]}])
	inv := {"gateways": {}, "hosts": {}}
	count(policy.deny) == 0 with input as r with data.apiguard.inventory as inv
	count(policy.warn) == 1 with input as r with data.apiguard.inventory as inv
}

# Offline, the grants of the input are collected and marked partial: one of
# them allows the reference, and without one the reference is warned about, not
# denied, since the cluster may hold a grant the input does not.
test_partial_grants_allow_or_warn if {
	r := create([{"backendRefs": [backend(payments)]}])
	granted := object.union(inventory({"payments": [grant(route_from, service_to)]}), {"partial": {"referenceGrants": true}})
	count(policy.deny) == 0 with input as r with data.apiguard.inventory as granted
	count(policy.warn) == 0 with input as r with data.apiguard.inventory as granted
	other := object.union(inventory({"payments": [grant(object.union(route_from, {"namespace": "elsewhere"}), service_to)]}), {"partial": {"referenceGrants": true}})
	count(policy.deny) == 0 with input as r with data.apiguard.inventory as other
	policy.warn == {warn_msg} with input as r with data.apiguard.inventory as other
}

# --- Operations and kinds ----------------------------------------------------

test_update_and_audit_checked if {
	rules := [{"backendRefs": [backend(payments)]}]
	count(policy.deny) == 1 with input as request("UPDATE", "HTTPRoute", rules) with data.apiguard.inventory as empty_inventory
	count(policy.deny) == 1 with input as request("AUDIT", "HTTPRoute", rules) with data.apiguard.inventory as empty_inventory
}

test_delete_not_judged if {
	r := {"request": {
		"kind": {"group": "gateway.networking.k8s.io", "version": "v1", "kind": "HTTPRoute"},
		"name": "shop",
		"namespace": "demo",
		"operation": "DELETE",
		"object": null,
		"oldObject": {"metadata": {"name": "shop", "namespace": "demo"}, "spec": {"rules": [{"backendRefs": [backend(payments)]}]}},
	}}
	count(policy.deny) == 0 with input as r with data.apiguard.inventory as empty_inventory
	count(policy.warn) == 0 with input as r
}

test_other_kind_ignored if {
	r := request("CREATE", "TCPRoute", [{"backendRefs": [backend(payments)]}])
	count(policy.deny) == 0 with input as r with data.apiguard.inventory as empty_inventory
	count(policy.warn) == 0 with input as r
}

# --- The cheap first pass (some_cross_namespace) decides nothing on its own ----

test_one_cross_namespace_mirror_among_many_backends if {
	same := [{"backendRefs": [backend({"name": sprintf("web-%d", [i])})]} | some i in numbers.range(0, 39)]
	mirror := {"backendRefs": [backend({"filters": [{"type": "RequestMirror", "requestMirror": {"backendRef": backend(payments)}}]})]}
	denies := policy.deny with input as create(array.concat(same, [mirror])) with data.apiguard.inventory as empty_inventory
	count(denies) == 1
	some msg in denies
	contains(msg, `spec.rules[40].backendRefs[0].filters[0].requestMirror.backendRef points to Service "api" in namespace "payments"`)
}

test_many_same_namespace_backends_allowed if {
	same := [{"backendRefs": [backend({"name": sprintf("web-%d", [i]), "namespace": "demo"})]} | some i in numbers.range(0, 39)]
	count(policy.deny) == 0 with input as create(same) with data.apiguard.inventory as empty_inventory
	count(policy.warn) == 0 with input as create(same)
}
