package route.no_sensitive_backend_test

import data.route.no_sensitive_backend as policy

request(operation, kind, rules) := {"request": {
	"uid": "1",
	"kind": {"group": "gateway.networking.k8s.io", "version": "v1", "kind": kind},
	"name": "r",
	"namespace": "shop",
	"operation": operation,
	"object": {
		"apiVersion": "gateway.networking.k8s.io/v1",
		"kind": kind,
		"metadata": {"name": "r", "namespace": "shop"},
		"spec": {"parentRefs": [{"name": "edge", "namespace": "infra"}], "rules": rules},
	},
}}

test_tcp_route_to_a_database_port_denied if {
	denies := policy.deny with input as request("CREATE", "TCPRoute", [{"backendRefs": [{"name": "orders", "port": 5432}]}])
	denies == {`TCPRoute shop/r: spec.rules[0].backendRefs[0] sends traffic to Service "orders" port 5432, which looks like a sensitive service (port 5432 is in sensitivePorts); route it to the application in front of that service instead`}
}

test_udp_and_tls_routes_judged if {
	count(policy.deny) == 1 with input as request("CREATE", "UDPRoute", [{"backendRefs": [{"name": "cache", "port": 11211}]}])
	count(policy.deny) == 1 with input as request("CREATE", "TLSRoute", [{"backendRefs": [{"name": "etcd-main", "port": 443}]}])
}

test_name_patterns_and_every_backend_kind if {
	denies := policy.deny with input as request("CREATE", "TCPRoute", [{"backendRefs": [
		{"name": "shop", "port": 8080},
		{"group": "multicluster.x-k8s.io", "kind": "ServiceImport", "name": "Orders-DB", "port": 7000},
	]}])
	denies == {`TCPRoute shop/r: spec.rules[0].backendRefs[1] sends traffic to ServiceImport "Orders-DB" port 7000, which looks like a sensitive service (name "Orders-DB" matches "*-db"); route it to the application in front of that service instead`}
}

test_http_routes_and_mirrors_judged if {
	rules := [{
		"filters": [{"type": "RequestMirror", "requestMirror": {"backendRef": {"name": "search", "port": 9200}}}],
		"backendRefs": [{
			"name": "web",
			"port": 8080,
			"filters": [{"type": "RequestMirror", "requestMirror": {"backendRef": {"name": "redis-cache", "port": 8080}}}],
		}],
	}]
	denies := policy.deny with input as request("CREATE", "HTTPRoute", rules)
	count(denies) == 2
	some a in denies
	contains(a, "spec.rules[0].filters[0].requestMirror.backendRef")
	some b in denies
	contains(b, "spec.rules[0].backendRefs[0].filters[0].requestMirror.backendRef")
	count(policy.deny) == 1 with input as request("CREATE", "GRPCRoute", [{"backendRefs": [{"name": "mysql", "port": 50051}]}])
}

test_configured_lists_replace_the_defaults if {
	r := request("CREATE", "TCPRoute", [{"backendRefs": [{"name": "orders", "port": 5432}, {"name": "ldap", "port": 389}]}])
	denies := policy.deny with input as r with data.apiguard.config as {"sensitivePorts": [389], "sensitiveServicePatterns": []}
	count(denies) == 1
	some msg in denies
	contains(msg, `"ldap" port 389`)
}

test_ordinary_backends_allowed if {
	count(policy.deny) == 0 with input as request("CREATE", "TCPRoute", [{"backendRefs": [{"name": "game", "port": 7777}]}])
	count(policy.deny) == 0 with input as request("CREATE", "TLSRoute", [{"backendRefs": [{"name": "api", "port": 443}]}])
}

test_delete_and_other_groups_ignored if {
	r := request("DELETE", "TCPRoute", [{"backendRefs": [{"name": "orders", "port": 5432}]}])
	count(policy.deny) == 0 with input as r
	o := json.patch(request("CREATE", "TCPRoute", [{"backendRefs": [{"name": "orders", "port": 5432}]}]), [{"op": "replace", "path": "/request/kind/group", "value": "example.com"}])
	count(policy.deny) == 0 with input as o
}

test_audit_judged if {
	count(policy.deny) == 1 with input as request("AUDIT", "UDPRoute", [{"backendRefs": [{"name": "dns", "port": 22}]}])
}

# --- The cheap first pass (some_sensitive) decides nothing on its own ----------

test_default_lists_agree_with_ingress_no_sensitive_backend if {
	policy.sensitive_ports == data.ingress.no_sensitive_backend.sensitive_ports with data.apiguard.config as {}
	policy.sensitive_patterns == data.ingress.no_sensitive_backend.sensitive_patterns with data.apiguard.config as {}
}

test_malformed_lists_fall_back_to_the_defaults if {
	r := request("CREATE", "TCPRoute", [{"backendRefs": [{"name": "orders", "port": 5432}, {"name": "orders-db", "port": 80}]}])
	some bad in [false, null, "5432", {"a": 1}]
	count(policy.deny) == 2 with input as r with data.apiguard.config as {"sensitivePorts": bad, "sensitiveServicePatterns": bad}
}

test_catch_all_pattern_matches_a_nameless_backend if {
	r := request("CREATE", "TCPRoute", [{"backendRefs": [{"kind": "Backend", "port": 7000}]}])
	denies := policy.deny with input as r with data.apiguard.config as {"sensitiveServicePatterns": ["*"]}
	denies == {`TCPRoute shop/r: spec.rules[0].backendRefs[0] sends traffic to Backend "" port 7000, which looks like a sensitive service (name "" matches "*"); route it to the application in front of that service instead`}
}

test_one_sensitive_backend_among_many if {
	ordinary := [{"backendRefs": [{"name": sprintf("web-%d", [i]), "port": 8080}]} | some i in numbers.range(0, 49)]
	mirror := {"backendRefs": [{"name": "web", "port": 8080, "filters": [{"type": "RequestMirror", "requestMirror": {"backendRef": {"name": "audit", "port": 6379}}}]}]}
	denies := policy.deny with input as request("CREATE", "HTTPRoute", array.concat(ordinary, [mirror]))
	denies == {`HTTPRoute shop/r: spec.rules[50].backendRefs[0].filters[0].requestMirror.backendRef sends traffic to Service "audit" port 6379, which looks like a sensitive service (port 6379 is in sensitivePorts); route it to the application in front of that service instead`}
}

test_malformed_backend_lists_ignored if {
	some rules in [[{"backendRefs": {"a": {"name": "orders-db", "port": 5432}}}], [{"backendRefs": "orders-db"}], {"a": {"backendRefs": [{"name": "orders-db"}]}}]
	count(policy.deny) == 0 with input as request("CREATE", "TCPRoute", rules)
}
