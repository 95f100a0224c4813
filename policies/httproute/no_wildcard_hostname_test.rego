package httproute.no_wildcard_hostname_test

import data.httproute.no_wildcard_hostname as policy

request(operation, kind, namespace, spec) := {"request": {
	"uid": "1",
	"kind": {"group": "gateway.networking.k8s.io", "version": "v1", "kind": kind},
	"name": "shop",
	"namespace": namespace,
	"operation": operation,
	"object": {
		"apiVersion": "gateway.networking.k8s.io/v1",
		"kind": kind,
		"metadata": {"name": "shop", "namespace": namespace},
		"spec": spec,
	},
}}

route(parent_refs, hostnames) := {
	"parentRefs": parent_refs,
	"hostnames": hostnames,
	"rules": [{"backendRefs": [{"name": "shop", "port": 8080}]}],
}

create(spec) := request("CREATE", "HTTPRoute", "demo", spec)

inventory := {"gateways": {
	"infra/edge": {"gatewayClassName": "public", "listeners": [{"name": "https", "protocol": "HTTPS", "port": 443}]},
	"infra/internal": {"gatewayClassName": "internal", "listeners": [{"name": "http", "protocol": "HTTP", "port": 80}]},
}}

edge := {"name": "edge", "namespace": "infra"}

internal := {"name": "internal", "namespace": "infra"}

only_public := {"gateway": {"publicClasses": ["public"]}}

# --- Wildcards and missing hostnames on public parents -------------------------

test_explicit_hostname_allowed if {
	count(policy.deny) == 0 with input as create(route([edge], ["shop.example.com"])) with data.apiguard.inventory as inventory
}

test_wildcard_on_public_gateway_denied if {
	denies := policy.deny with input as create(route([edge], ["shop.example.com", "*.example.com"])) with data.apiguard.inventory as inventory
	denies == {`HTTPRoute demo/shop: hostname "*.example.com" is a wildcard on public Gateway infra/edge; list each explicit hostname instead`}
}

test_missing_hostnames_on_public_gateway_denied if {
	spec := object.remove(route([edge], []), ["hostnames"])
	denies := policy.deny with input as create(spec) with data.apiguard.inventory as inventory
	denies == {"HTTPRoute demo/shop: spec.hostnames is empty, so the route answers for every hostname of public Gateway infra/edge; list the explicit hostnames it serves in spec.hostnames"}
}

test_empty_hostnames_denied if {
	count(policy.deny) == 1 with input as create(route([edge], [])) with data.apiguard.inventory as inventory
}

test_empty_string_hostname_counts_as_missing if {
	denies := policy.deny with input as create(route([edge], [""])) with data.apiguard.inventory as inventory
	some msg in denies
	contains(msg, "spec.hostnames is empty")
}

test_one_message_per_wildcard if {
	count(policy.deny) == 2 with input as create(route([edge], ["*.a.example.com", "*.b.example.com"])) with data.apiguard.inventory as inventory
}

test_internal_gateway_public_by_default if {
	count(policy.deny) == 1 with input as create(route([internal], ["*.example.com"])) with data.apiguard.inventory as inventory
}

test_internal_gateway_allowed_when_classes_configured if {
	count(policy.deny) == 0
		with input as create(route([internal], ["*.example.com"]))
		with data.apiguard.inventory as inventory
		with data.apiguard.config as only_public
}

test_public_class_configured_denied if {
	count(policy.deny) == 1
		with input as create(route([edge], ["*.example.com"]))
		with data.apiguard.inventory as inventory
		with data.apiguard.config as only_public
}

test_any_public_parent_is_enough if {
	denies := policy.deny with input as create(route([internal, edge], []))
		with data.apiguard.inventory as inventory
		with data.apiguard.config as only_public
	some msg in denies
	contains(msg, "public Gateway infra/edge")
	not contains(msg, "infra/internal")
}

test_unknown_gateway_treated_as_public if {
	denies := policy.deny with input as create(route([{"name": "edge"}], ["*.example.com"]))
	denies == {`HTTPRoute demo/shop: hostname "*.example.com" is a wildcard on Gateway demo/edge (not in apiguard's inventory, so treated as public); list each explicit hostname instead`}
}

test_unknown_gateway_public_even_when_classes_configured if {
	count(policy.deny) == 1
		with input as create(route([{"name": "other", "namespace": "infra"}], ["*.example.com"]))
		with data.apiguard.inventory as inventory
		with data.apiguard.config as only_public
}

test_unknown_parent_kind_treated_as_public if {
	ref := {"group": "gateway.networking.k8s.io", "kind": "ListenerSet", "name": "team"}
	denies := policy.deny with input as create(route([ref], ["*.example.com"])) with data.apiguard.inventory as inventory
	some msg in denies
	contains(msg, "ListenerSet demo/team (not resolvable by apiguard, so treated as public)")
}

test_service_parent_not_public if {
	ref := {"group": "", "kind": "Service", "name": "shop"}
	count(policy.deny) == 0 with input as create(route([ref], ["*.example.com"]))
}

test_no_parent_refs_not_public if {
	count(policy.deny) == 0 with input as create({"hostnames": ["*.example.com"]})
}

test_malformed_public_classes_means_all_public if {
	count(policy.deny) == 1
		with input as create(route([internal], ["*.example.com"]))
		with data.apiguard.inventory as inventory
		with data.apiguard.config as {"gateway": {"publicClasses": "public"}}
}

test_inventory_gateway_without_class_public_by_default if {
	inv := {"gateways": {"infra/edge": {"listeners": []}}}
	count(policy.deny) == 1 with input as create(route([edge], ["*.example.com"])) with data.apiguard.inventory as inv
}

test_grpcroute_checked if {
	spec := route([edge], ["*.example.com"])
	denies := policy.deny with input as request("CREATE", "GRPCRoute", "demo", spec) with data.apiguard.inventory as inventory
	some msg in denies
	startswith(msg, "GRPCRoute demo/shop: ")
}

test_update_and_audit_checked if {
	spec := route([edge], ["*.example.com"])
	count(policy.deny) == 1 with input as request("UPDATE", "HTTPRoute", "demo", spec) with data.apiguard.inventory as inventory
	count(policy.deny) == 1 with input as request("AUDIT", "HTTPRoute", "demo", spec) with data.apiguard.inventory as inventory
}

test_delete_not_denied if {
	r := {"request": {
		"kind": {"group": "gateway.networking.k8s.io", "version": "v1", "kind": "HTTPRoute"},
		"name": "shop",
		"namespace": "demo",
		"operation": "DELETE",
		"object": null,
		"oldObject": {"metadata": {"name": "shop", "namespace": "demo"}, "spec": route([edge], ["*.example.com"])},
	}}
	count(policy.deny) == 0 with input as r with data.apiguard.inventory as inventory
}

test_other_kind_ignored if {
	count(policy.deny) == 0 with input as request("CREATE", "TLSRoute", "demo", route([edge], ["*.example.com"]))
}

# --- Allowed host suffixes ---------------------------------------------------

suffixes := {"ingress": {"allowedHostSuffixes": {
	"*": ["example.com"],
	"payments": [".Pay.Example.org"],
	"locked": [],
	"broken": "example.net",
}}}

test_no_suffixes_configured_allows_any_host if {
	count(policy.deny) == 0 with input as create(route([edge], ["shop.anything.io"])) with data.apiguard.inventory as inventory
}

test_host_under_default_suffix_allowed if {
	count(policy.deny) == 0
		with input as create(route([edge], ["shop.example.com", "example.com"]))
		with data.apiguard.inventory as inventory
		with data.apiguard.config as suffixes
}

test_host_outside_default_suffix_denied if {
	denies := policy.deny with input as create(route([edge], ["shop.example.org"]))
		with data.apiguard.inventory as inventory
		with data.apiguard.config as suffixes
	denies == {`HTTPRoute demo/shop: hostname "shop.example.org" is not under a host suffix allowed for namespace "demo" (allowed suffixes: example.com); use a hostname under one of them, or have the suffix added to apiguard.config.ingress.allowedHostSuffixes`}
}

test_suffix_matches_on_label_boundary if {
	count(policy.deny) == 1
		with input as create(route([edge], ["shopexample.com"]))
		with data.apiguard.inventory as inventory
		with data.apiguard.config as suffixes
}

test_namespace_entry_wins_over_star if {
	r := request("CREATE", "HTTPRoute", "payments", route([edge], ["api.pay.example.org", "shop.example.com"]))
	denies := policy.deny with input as r with data.apiguard.inventory as inventory with data.apiguard.config as suffixes
	count(denies) == 1
	some msg in denies
	contains(msg, `hostname "shop.example.com" is not under a host suffix allowed for namespace "payments" (allowed suffixes: .pay.example.org)`)
}

test_empty_namespace_entry_allows_nothing if {
	r := request("CREATE", "HTTPRoute", "locked", route([edge], ["shop.example.com"]))
	denies := policy.deny with input as r with data.apiguard.inventory as inventory with data.apiguard.config as suffixes
	count(denies) == 1
	some msg in denies
	contains(msg, "(allowed suffixes: none)")
}

test_leading_dot_suffix_means_strict_subdomains if {
	r := request("CREATE", "HTTPRoute", "payments", route([edge], ["pay.example.org"]))
	count(policy.deny) == 1 with input as r with data.apiguard.inventory as inventory with data.apiguard.config as suffixes
}

test_suffix_normalised_like_ingress if {
	cfg := {"ingress": {"allowedHostSuffixes": {"*": [" *.Example.com. ", "", ".", 7]}}}
	count(policy.deny) == 0 with input as create(route([edge], ["a.example.com"])) with data.apiguard.inventory as inventory with data.apiguard.config as cfg
	count(policy.deny) == 1 with input as create(route([edge], ["example.com"])) with data.apiguard.inventory as inventory with data.apiguard.config as cfg
}

test_malformed_namespace_entry_falls_back_to_star if {
	r := request("CREATE", "HTTPRoute", "broken", route([edge], ["shop.example.com"]))
	count(policy.deny) == 0 with input as r with data.apiguard.inventory as inventory with data.apiguard.config as suffixes
}

test_no_matching_entry_allows_any_host if {
	cfg := {"ingress": {"allowedHostSuffixes": {"payments": ["pay.example.org"]}}}
	count(policy.deny) == 0 with input as create(route([edge], ["shop.example.com"])) with data.apiguard.inventory as inventory with data.apiguard.config as cfg
}

test_malformed_suffix_config_allows_any_host if {
	cfg := {"ingress": {"allowedHostSuffixes": ["example.com"]}}
	count(policy.deny) == 0 with input as create(route([edge], ["shop.example.org"])) with data.apiguard.inventory as inventory with data.apiguard.config as cfg
}

test_suffixes_checked_on_non_public_parent if {
	count(policy.deny) == 1
		with input as create(route([internal], ["shop.example.org"]))
		with data.apiguard.inventory as inventory
		with data.apiguard.config as object.union(suffixes, only_public)
}

test_wildcard_judged_by_its_suffix if {
	denies := policy.deny with input as create(route([edge], ["*.shop.example.com", "*.example.org"]))
		with data.apiguard.inventory as inventory
		with data.apiguard.config as suffixes
	count(denies) == 3
}

test_hostnames_compared_in_lower_case if {
	count(policy.deny) == 0
		with input as create(route([edge], ["Shop.Example.COM"]))
		with data.apiguard.inventory as inventory
		with data.apiguard.config as suffixes
}

# --- Judged against the listeners it attaches to (issue 14, class 12) ---------

named_listeners := {"gateways": {"infra/shared": {"gatewayClassName": "public", "listeners": [
	{"name": "foo", "protocol": "HTTPS", "port": 443, "hostname": "foo.example.com", "allowedRoutesFrom": "Selector"},
	{"name": "bar", "protocol": "HTTPS", "port": 443, "hostname": "bar.example.com", "allowedRoutesFrom": "All"},
	{"name": "http", "protocol": "HTTP", "port": 80, "allowedRoutesFrom": "All"},
	{"name": "wild", "protocol": "HTTPS", "port": 8443, "hostname": "*.example.com", "allowedRoutesFrom": "All"},
	{"name": "infra-only", "protocol": "HTTPS", "port": 9443, "allowedRoutesFrom": "Same"},
	{"name": "passthrough", "protocol": "TLS", "port": 443, "allowedRoutesFrom": "All"},
]}}}

shared(extra) := object.union({"name": "shared", "namespace": "infra"}, extra)

test_no_hostnames_on_listeners_with_hostnames_allowed if {
	count(policy.deny) == 0 with input as create(route([shared({"sectionName": "foo"})], [])) with data.apiguard.inventory as named_listeners
	count(policy.deny) == 0 with input as create(route([shared({"sectionName": "foo"}), shared({"sectionName": "bar"})], [])) with data.apiguard.inventory as named_listeners
}

test_no_hostnames_on_a_listener_without_hostname_denied if {
	denies := policy.deny with input as create(route([shared({"sectionName": "http"})], [])) with data.apiguard.inventory as named_listeners
	denies == {"HTTPRoute demo/shop: spec.hostnames is empty, so the route answers for every hostname of public Gateway infra/shared; list the explicit hostnames it serves in spec.hostnames"}
}

test_no_section_name_attaches_to_every_listener_that_accepts if {
	# foo, bar, http and wild accept a route from demo; http has no hostname.
	denies := policy.deny with input as create(route([shared({})], [])) with data.apiguard.inventory as named_listeners
	count(denies) == 2
	some m in denies
	contains(m, "spec.hostnames is empty")
}

test_port_selects_listeners if {
	count(policy.deny) == 0 with input as create(route([shared({"port": 443})], [])) with data.apiguard.inventory as named_listeners
	count(policy.deny) == 1 with input as create(route([shared({"port": 80})], [])) with data.apiguard.inventory as named_listeners
}

test_listener_wildcard_served_without_hostnames_denied if {
	denies := policy.deny with input as create(route([shared({"sectionName": "wild"})], [])) with data.apiguard.inventory as named_listeners
	denies == {`HTTPRoute demo/shop: through the listeners it attaches to, the route serves the wildcard hostname "*.example.com" on public Gateway infra/shared (spec.hostnames is empty or wider); list each explicit hostname in spec.hostnames instead`}
}

test_wildcard_hostname_narrowed_by_listener_allowed if {
	count(policy.deny) == 0 with input as create(route([shared({"sectionName": "foo"})], ["*.example.com"])) with data.apiguard.inventory as named_listeners
}

test_listeners_that_refuse_the_route_do_not_count if {
	# infra-only admits routes from infra only and passthrough carries TLSRoutes:
	# the route attaches to nothing there, so it keeps today's verdict.
	count(policy.deny) == 1 with input as create(route([shared({"sectionName": "infra-only"})], [])) with data.apiguard.inventory as named_listeners
	count(policy.deny) == 1 with input as create(route([shared({"sectionName": "passthrough"})], [])) with data.apiguard.inventory as named_listeners
	count(policy.deny) == 1 with input as create(route([shared({"sectionName": "missing"})], [])) with data.apiguard.inventory as named_listeners
}

test_unknown_parent_keeps_todays_verdict if {
	count(policy.deny) == 1 with input as create(route([shared({"sectionName": "foo"}), {"name": "elsewhere"}], [])) with data.apiguard.inventory as named_listeners
}

test_listener_hostnames_judged_by_suffix if {
	config := {"ingress": {"allowedHostSuffixes": {"demo": ["bar.example.com"]}}}
	denies := policy.deny with input as create(route([shared({"sectionName": "foo"})], []))
		with data.apiguard.inventory as named_listeners
		with data.apiguard.config as config
	denies == {`HTTPRoute demo/shop: hostname "foo.example.com" is not under a host suffix allowed for namespace "demo" (allowed suffixes: bar.example.com); use a hostname under one of them, or have the suffix added to apiguard.config.ingress.allowedHostSuffixes`}
}

# --- The suffix shortcut (suffix_candidates) decides nothing on its own --------

test_hostname_equal_to_strict_suffix_denied if {
	r := request("CREATE", "HTTPRoute", "payments", route([edge], [".pay.example.org", "api.pay.example.org"]))
	denies := policy.deny with input as r with data.apiguard.inventory as inventory with data.apiguard.config as suffixes
	denies == {`HTTPRoute payments/shop: hostname ".pay.example.org" is not under a host suffix allowed for namespace "payments" (allowed suffixes: .pay.example.org); use a hostname under one of them, or have the suffix added to apiguard.config.ingress.allowedHostSuffixes`}
}

test_dotted_hostname_under_plain_suffix_allowed if {
	count(policy.deny) == 0
		with input as create(route([edge], [".example.com", "example.com", "a.b.example.com"]))
		with data.apiguard.inventory as inventory
		with data.apiguard.config as suffixes
}

test_one_hostname_outside_among_many if {
	hosts := array.concat([sprintf("h%d.example.com", [i]) | some i in numbers.range(0, 59)], ["shop.example.org", "badexample.com"])
	denies := policy.deny with input as create(route([edge], hosts))
		with data.apiguard.inventory as inventory
		with data.apiguard.config as suffixes
	count(denies) == 2
	some a in denies
	contains(a, `hostname "shop.example.org" is not under`)
	some b in denies
	contains(b, `hostname "badexample.com" is not under`)
}

test_one_wildcard_among_many if {
	hosts := array.concat([sprintf("h%d.example.com", [i]) | some i in numbers.range(0, 59)], ["*.example.com"])
	denies := policy.deny with input as create(route([edge], hosts)) with data.apiguard.inventory as inventory
	denies == {`HTTPRoute demo/shop: hostname "*.example.com" is a wildcard on public Gateway infra/edge; list each explicit hostname instead`}
}

test_several_suffixes_any_may_match if {
	cfg := {"ingress": {"allowedHostSuffixes": {"*": ["example.com", ".example.org", "shop.example.net"]}}}
	r := create(route([edge], ["a.example.com", "b.example.org", "shop.example.net", "x.shop.example.net", "example.org", "example.net"]))
	denies := policy.deny with input as r with data.apiguard.inventory as inventory with data.apiguard.config as cfg
	count(denies) == 2
	some a in denies
	contains(a, `hostname "example.org" is not under`)
	some b in denies
	contains(b, `hostname "example.net" is not under`)
}

# --- Explicit hostnames only (explicit_hostnames_only) ---------------------------

wildcard_inventory := {"gateways": {"infra/edge": {"gatewayClassName": "public", "listeners": [
	{"name": "wild", "protocol": "HTTPS", "port": 443, "hostname": "*.example.com"},
	{"name": "other", "protocol": "HTTPS", "port": 443, "hostname": "shop.example.org"},
]}}}

test_explicit_hostnames_on_wildcard_listener_judged_on_their_own if {
	count(policy.deny) == 0
		with input as create(route([edge], ["a.example.com", "b.example.com"]))
		with data.apiguard.inventory as wildcard_inventory
		with data.apiguard.config as suffixes
	denies := policy.deny with input as create(route([edge], ["a.example.com", "shop.example.org"]))
		with data.apiguard.inventory as wildcard_inventory
		with data.apiguard.config as suffixes
	denies == {`HTTPRoute demo/shop: hostname "shop.example.org" is not under a host suffix allowed for namespace "demo" (allowed suffixes: example.com); use a hostname under one of them, or have the suffix added to apiguard.config.ingress.allowedHostSuffixes`}
}

test_one_wildcard_among_explicit_hostnames_on_wildcard_listener_denied if {
	denies := policy.deny with input as create(route([edge], ["a.example.com", "*.example.com"]))
		with data.apiguard.inventory as wildcard_inventory
	denies == {`HTTPRoute demo/shop: hostname "*.example.com" is a wildcard on public Gateway infra/edge; list each explicit hostname instead`}
}
