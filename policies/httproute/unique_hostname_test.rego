package httproute.unique_hostname_test

import data.httproute.unique_hostname

request(operation, kind, spec) := {"request": {
	"uid": "1",
	"kind": {"group": "gateway.networking.k8s.io", "version": "v1", "kind": kind},
	"name": "shop",
	"namespace": "demo",
	"operation": operation,
	"object": {
		"apiVersion": "gateway.networking.k8s.io/v1",
		"kind": kind,
		"metadata": {"name": "shop", "namespace": "demo"},
		"spec": spec,
	},
}}

edge := {"name": "edge", "namespace": "infra"}

inventory := {
	"hosts": {
		"shop.example.com": [{"namespace": "payments", "name": "shop", "kind": "Ingress"}],
		"grpc.example.com": [{"namespace": "payments", "name": "api", "kind": "GRPCRoute"}],
	},
	"gateways": {"infra/edge": {"gatewayClassName": "public", "listeners": [
		{"name": "shop", "protocol": "HTTPS", "port": 443, "hostname": "shop.example.com", "allowedRoutesFrom": "All"},
		{"name": "blog", "protocol": "HTTPS", "port": 443, "hostname": "blog.example.com", "allowedRoutesFrom": "All"},
	]}},
}

test_explicit_hostname_of_another_namespace_denied if {
	denies := unique_hostname.deny with input as request("CREATE", "HTTPRoute", {"hostnames": ["shop.example.com"], "parentRefs": [edge]})
		with data.apiguard.inventory as inventory
	denies == {`HTTPRoute demo/shop: hostname "shop.example.com" (in spec.hostnames) is already served from another namespace by Ingress payments/shop; a host belongs to the namespace that claimed it first, whatever the path, so use another hostname, have that owner remove it, or list it for both namespaces in apiguard.config.hosts.shared`}
}

test_grpcroute_judged if {
	count(unique_hostname.deny) == 1 with input as request("CREATE", "GRPCRoute", {"hostnames": ["GRPC.example.com"]})
		with data.apiguard.inventory as inventory
}

test_hostnameless_route_judged_through_its_listener if {
	denies := unique_hostname.deny with input as request("CREATE", "HTTPRoute", {"parentRefs": [object.union(edge, {"sectionName": "shop"})]})
		with data.apiguard.inventory as inventory
	some m in denies
	contains(m, `hostname "shop.example.com" (served through the hostname of a Gateway listener it attaches to)`)
}

test_hostnameless_route_on_unclaimed_listener_allowed if {
	count(unique_hostname.deny) == 0 with input as request("CREATE", "HTTPRoute", {"parentRefs": [object.union(edge, {"sectionName": "blog"})]})
		with data.apiguard.inventory as inventory
}

test_unknown_gateway_judged_on_hostnames_only if {
	count(unique_hostname.deny) == 0 with input as request("CREATE", "HTTPRoute", {"parentRefs": [{"name": "missing"}]})
		with data.apiguard.inventory as inventory
}

test_same_namespace_and_unclaimed_allowed if {
	count(unique_hostname.deny) == 0 with input as request("CREATE", "HTTPRoute", {"hostnames": ["new.example.com"]})
		with data.apiguard.inventory as inventory
	inv := json.patch(inventory, [{"op": "replace", "path": "/hosts/shop.example.com/0/namespace", "value": "demo"}])
	count(unique_hostname.deny) == 0 with input as request("CREATE", "HTTPRoute", {"hostnames": ["shop.example.com"]})
		with data.apiguard.inventory as inv
}

test_delete_and_other_kinds_ignored if {
	req := json.patch(request("DELETE", "HTTPRoute", {"hostnames": ["shop.example.com"]}), [{"op": "add", "path": "/request/oldObject", "value": {"spec": {"hostnames": ["shop.example.com"]}}}])
	count(unique_hostname.deny) == 0 with input as req with data.apiguard.inventory as inventory
	count(unique_hostname.deny) == 0 with input as request("CREATE", "TCPRoute", {"hostnames": ["shop.example.com"]})
		with data.apiguard.inventory as inventory
}
