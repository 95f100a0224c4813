package lib.hosts_test

import data.lib.hosts

# --- Normalisation and intersection ------------------------------------------------

test_normalize if {
	hosts.normalize("Shop.Example.COM.") == "shop.example.com"
	hosts.normalize(" shop.example.com ") == "shop.example.com"
	hosts.normalize("*.Example.com") == "*.example.com"
	not hosts.normalize(7)
}

test_is_wildcard if {
	hosts.is_wildcard("*.example.com")
	not hosts.is_wildcard("shop.example.com")
	not hosts.is_wildcard("x*.example.com")
}

test_intersection if {
	hosts.intersection("", "") == ""
	hosts.intersection("", "shop.example.com") == "shop.example.com"
	hosts.intersection("shop.example.com", "") == "shop.example.com"
	hosts.intersection("shop.example.com", "shop.example.com") == "shop.example.com"
	hosts.intersection("shop.example.com", "*.example.com") == "shop.example.com"
	hosts.intersection("a.b.example.com", "*.example.com") == "a.b.example.com"
	hosts.intersection("*.example.com", "shop.example.com") == "shop.example.com"
	hosts.intersection("*.example.com", "*.b.example.com") == "*.b.example.com"
	hosts.intersection("*.b.example.com", "*.example.com") == "*.b.example.com"
	not hosts.intersection("example.com", "*.example.com")
	not hosts.intersection("shop.example.com", "blog.example.com")
	not hosts.intersection("*.example.com", "*.example.org")
	not hosts.intersection("badexample.com", "*.example.com")
}

# --- What an object serves ---------------------------------------------------------

ingress_request(op, ns, rules, extra) := {"request": object.union(
	{
		"kind": {"group": "networking.k8s.io", "version": "v1", "kind": "Ingress"},
		"namespace": ns,
		"operation": op,
		"object": {"metadata": {"name": "web", "namespace": ns}, "spec": {"rules": rules}},
	},
	extra,
)}

route_request(op, kind, ns, spec) := {"request": {
	"kind": {"group": "gateway.networking.k8s.io", "version": "v1", "kind": kind},
	"namespace": ns,
	"operation": op,
	"object": {"metadata": {"name": "r", "namespace": ns}, "spec": spec},
}}

gateways := {
	"infra/edge": {"gatewayClassName": "public", "listeners": [
		{"name": "shop", "protocol": "HTTPS", "port": 443, "hostname": "shop.example.com", "allowedRoutesFrom": "All"},
		{"name": "wild", "protocol": "HTTPS", "port": 8443, "hostname": "*.example.com", "allowedRoutesFrom": "Selector"},
		{"name": "open", "protocol": "HTTP", "port": 80, "allowedRoutesFrom": "Same"},
		{"name": "tls", "protocol": "TLS", "port": 443, "hostname": "tls.example.com", "allowedRoutesFrom": "All"},
		{"name": "grpc", "protocol": "HTTPS", "port": 9443, "hostname": "grpc.example.com", "allowedRoutesFrom": "All", "allowedRouteKinds": ["GRPCRoute"]},
	]},
	"team/own": {"listeners": [{"name": "http", "protocol": "HTTP", "port": 80}]},
}

served(req) := s if {
	s := hosts.own with input as req with data.apiguard.inventory.gateways as gateways
}

test_ingress_serves_rule_hosts if {
	served(ingress_request("CREATE", "a", [{"host": "Shop.example.com"}, {"host": ""}, {"http": {}}, {"host": "*.example.com"}], {})) == {"shop.example.com", "*.example.com"}
}

test_route_declared_hostnames if {
	served(route_request("CREATE", "HTTPRoute", "a", {"hostnames": ["A.example.com", ""]})) == {"a.example.com"}
}

test_route_without_hostnames_serves_listener_hostnames if {
	# From another namespace it attaches to shop (All), wild (Selector), not open
	# (Same), tls (protocol) or grpc (kinds).
	served(route_request("CREATE", "HTTPRoute", "a", {"parentRefs": [{"name": "edge", "namespace": "infra"}]})) == {"shop.example.com", "*.example.com"}
}

test_section_name_and_port_select_listeners if {
	served(route_request("CREATE", "HTTPRoute", "a", {"parentRefs": [{"name": "edge", "namespace": "infra", "sectionName": "shop"}]})) == {"shop.example.com"}
	served(route_request("CREATE", "HTTPRoute", "a", {"parentRefs": [{"name": "edge", "namespace": "infra", "port": 8443}]})) == {"*.example.com"}
	served(route_request("CREATE", "HTTPRoute", "a", {"parentRefs": [{"name": "edge", "namespace": "infra", "sectionName": "nope"}]})) == set()
}

test_allowed_route_kinds if {
	served(route_request("CREATE", "GRPCRoute", "a", {"parentRefs": [{"name": "edge", "namespace": "infra", "sectionName": "grpc"}]})) == {"grpc.example.com"}
	served(route_request("CREATE", "HTTPRoute", "a", {"parentRefs": [{"name": "edge", "namespace": "infra", "sectionName": "grpc"}]})) == set()
}

test_wildcard_hostname_narrowed_by_listener if {
	served(route_request("CREATE", "HTTPRoute", "a", {"hostnames": ["*.example.com"], "parentRefs": [{"name": "edge", "namespace": "infra", "sectionName": "shop"}]})) == {"*.example.com", "shop.example.com"}
}

test_unknown_gateway_serves_declared_only if {
	served(route_request("CREATE", "HTTPRoute", "a", {"hostnames": ["x.example.com"], "parentRefs": [{"name": "missing"}]})) == {"x.example.com"}
}

test_listener_without_hostname_same_namespace if {
	req := route_request("CREATE", "HTTPRoute", "team", {"parentRefs": [{"name": "own"}]})
	served(req) == set()
	hosts.ref_hosts(input.request.object, {"name": "own"}) == {""} with input as req with data.apiguard.inventory.gateways as gateways
}

# --- Ownership ---------------------------------------------------------------------

claim(ns, name, kind, created) := {"namespace": ns, "name": name, "kind": kind, "created": created}

conflicts(req, inv) := c if {
	c := hosts.conflicts with input as req with data.apiguard.inventory as inv
}

shop := [{"host": "shop.example.com", "http": {"paths": [{"path": "/admin", "pathType": "Prefix"}]}}]

owned_by_a := {"hosts": {"shop.example.com": [claim("a", "shop", "Ingress", "2026-01-01T00:00:00Z")]}}

test_any_path_on_a_claimed_host_conflicts if {
	conflicts(ingress_request("CREATE", "b", shop, {}), owned_by_a) == {"shop.example.com": ["Ingress a/shop"]}
}

test_same_namespace_never_conflicts if {
	count(conflicts(ingress_request("CREATE", "a", shop, {}), owned_by_a)) == 0
}

test_claim_across_kinds if {
	req := route_request("CREATE", "HTTPRoute", "b", {"hostnames": ["shop.example.com"]})
	conflicts(req, owned_by_a) == {"shop.example.com": ["Ingress a/shop"]}
	inv := {"hosts": {"shop.example.com": [claim("a", "r", "HTTPRoute", "")]}}
	conflicts(ingress_request("CREATE", "b", shop, {}), inv) == {"shop.example.com": ["HTTPRoute a/r"]}
}

test_wildcard_conflicts_only_with_same_wildcard if {
	count(conflicts(ingress_request("CREATE", "b", [{"host": "*.example.com"}], {}), owned_by_a)) == 0
	inv := {"hosts": {"*.example.com": [claim("a", "w", "Ingress", "")]}}
	count(conflicts(ingress_request("CREATE", "b", [{"host": "*.example.com"}], {}), inv)) == 1
}

test_claims_without_namespace_skipped if {
	inv := {"hosts": {"shop.example.com": [{"name": "x"}, "junk", {"namespace": "", "name": "y"}]}}
	count(conflicts(ingress_request("CREATE", "b", shop, {}), inv)) == 0
}

old_shop := {"metadata": {"name": "web", "namespace": "b"}, "spec": {"rules": shop}}

test_update_adding_a_host_conflicts_whatever_the_age if {
	req := ingress_request("UPDATE", "b", shop, {
		"object": {"metadata": {"name": "web", "namespace": "b", "creationTimestamp": "2025-01-01T00:00:00Z"}, "spec": {"rules": shop}},
		"oldObject": {"metadata": {"name": "web", "namespace": "b"}, "spec": {"rules": [{"host": "other.example.com"}]}},
	})
	count(conflicts(req, owned_by_a)) == 1
}

test_update_keeping_a_host_first_claimed_is_allowed if {
	req := ingress_request("UPDATE", "b", shop, {
		"object": {"metadata": {"name": "web", "namespace": "b", "creationTimestamp": "2025-01-01T00:00:00Z"}, "spec": {"rules": shop}},
		"oldObject": old_shop,
	})
	count(conflicts(req, owned_by_a)) == 0
}

test_update_keeping_a_host_claimed_earlier_elsewhere_conflicts if {
	req := ingress_request("UPDATE", "b", shop, {
		"object": {"metadata": {"name": "web", "namespace": "b", "creationTimestamp": "2026-06-01T00:00:00Z"}, "spec": {"rules": shop}},
		"oldObject": old_shop,
	})
	count(conflicts(req, owned_by_a)) == 1
}

test_unknown_age_counts_as_older if {
	req := ingress_request("UPDATE", "b", shop, {
		"object": {"metadata": {"name": "web", "namespace": "b"}, "spec": {"rules": shop}},
		"oldObject": old_shop,
	})
	count(conflicts(req, owned_by_a)) == 1
	inv := {"hosts": {"shop.example.com": [claim("a", "shop", "Ingress", "not a time")]}}
	req2 := ingress_request("UPDATE", "b", shop, {
		"object": {"metadata": {"name": "web", "namespace": "b", "creationTimestamp": "2025-01-01T00:00:00Z"}, "spec": {"rules": shop}},
		"oldObject": old_shop,
	})
	count(conflicts(req2, inv)) == 1
}

test_audit_reports_the_younger_claim_only if {
	younger := ingress_request("AUDIT", "b", shop, {"object": {"metadata": {"name": "web", "namespace": "b", "creationTimestamp": "2026-06-01T00:00:00Z"}, "spec": {"rules": shop}}})
	count(conflicts(younger, owned_by_a)) == 1
	older := ingress_request("AUDIT", "b", shop, {"object": {"metadata": {"name": "web", "namespace": "b", "creationTimestamp": "2025-06-01T00:00:00Z"}, "spec": {"rules": shop}}})
	count(conflicts(older, owned_by_a)) == 0
}

test_same_age_tie_broken_by_namespace if {
	same := ingress_request("AUDIT", "b", shop, {"object": {"metadata": {"name": "web", "namespace": "b", "creationTimestamp": "2026-01-01T00:00:00Z"}, "spec": {"rules": shop}}})
	count(conflicts(same, owned_by_a)) == 1
	inv := {"hosts": {"shop.example.com": [claim("c", "shop", "Ingress", "2026-01-01T00:00:00Z")]}}
	count(conflicts(same, inv)) == 0
}

shared_config(entries) := {"hosts": {"shared": entries}}

test_shared_host_between_listed_namespaces if {
	req := ingress_request("CREATE", "b", shop, {})
	count(hosts.conflicts) == 0 with input as req
		with data.apiguard.inventory as owned_by_a
		with data.apiguard.config as shared_config([{"host": "Shop.example.com", "namespaces": ["a", "b"]}])
	count(hosts.conflicts) == 0 with input as req
		with data.apiguard.inventory as owned_by_a
		with data.apiguard.config as shared_config([{"host": "shop.example.com", "namespaces": ["a", "team-*", "b"]}])
}

test_shared_needs_both_namespaces_in_one_entry if {
	req := ingress_request("CREATE", "b", shop, {})
	count(hosts.conflicts) == 1 with input as req
		with data.apiguard.inventory as owned_by_a
		with data.apiguard.config as shared_config([{"host": "shop.example.com", "namespaces": ["a"]}, {"host": "shop.example.com", "namespaces": ["b"]}])
	count(hosts.conflicts) == 1 with input as req
		with data.apiguard.inventory as owned_by_a
		with data.apiguard.config as shared_config([{"host": "other.example.com", "namespaces": ["a", "b"]}])
	count(hosts.conflicts) == 1 with input as req
		with data.apiguard.inventory as owned_by_a
		with data.apiguard.config as shared_config("junk")
	count(hosts.conflicts) == 1 with input as req
		with data.apiguard.inventory as owned_by_a
		with data.apiguard.config as shared_config([{"host": "shop.example.com", "namespaces": "a,b"}])
}

test_route_without_hostnames_conflicts_through_its_listener if {
	req := route_request("CREATE", "HTTPRoute", "b", {"parentRefs": [{"name": "edge", "namespace": "infra", "sectionName": "shop"}]})
	conflicts(req, object.union(owned_by_a, {"gateways": gateways})) == {"shop.example.com": ["Ingress a/shop"]}
}
