package route.tls_hostnames_test

import data.route.tls_hostnames as policy

request(operation, parents, hostnames) := {"request": {
	"uid": "1",
	"kind": {"group": "gateway.networking.k8s.io", "version": "v1", "kind": "TLSRoute"},
	"name": "db",
	"namespace": "shop",
	"operation": operation,
	"object": {
		"apiVersion": "gateway.networking.k8s.io/v1",
		"kind": "TLSRoute",
		"metadata": {"name": "db", "namespace": "shop"},
		"spec": {"parentRefs": parents, "hostnames": hostnames, "rules": [{"backendRefs": [{"name": "api", "port": 8443}]}]},
	},
}}

inventory := {"gateways": {
	"infra/edge": {"gatewayClassName": "internet", "listeners": [{"name": "tls", "protocol": "TLS", "port": 443}]},
	"infra/internal": {"gatewayClassName": "internal", "listeners": []},
}}

config := {"gateway": {"publicClasses": ["internet"]}}

edge := [{"name": "edge", "namespace": "infra", "sectionName": "tls"}]

internal := [{"name": "internal", "namespace": "infra"}]

test_explicit_hostnames_allowed if {
	count(policy.deny) == 0 with input as request("CREATE", edge, ["api.example.com"])
		with data.apiguard.inventory as inventory
		with data.apiguard.config as config
}

test_no_hostnames_on_public_gateway_denied if {
	denies := policy.deny with input as request("CREATE", edge, [])
		with data.apiguard.inventory as inventory
		with data.apiguard.config as config
	denies == {`TLSRoute shop/db: spec.hostnames is empty, so the route takes every TLS connection whose SNI the listeners of public Gateway infra/edge (GatewayClass "internet") accept; list the explicit SNI hostnames it serves in spec.hostnames`}
	r := json.remove(request("CREATE", edge, []), ["request/object/spec/hostnames"])
	count(policy.deny) == 1 with input as r with data.apiguard.inventory as inventory with data.apiguard.config as config
}

test_wildcard_on_public_gateway_denied if {
	denies := policy.deny with input as request("CREATE", edge, ["api.example.com", "*.Example.com"])
		with data.apiguard.inventory as inventory
		with data.apiguard.config as config
	count(denies) == 1
	some msg in denies
	contains(msg, `hostname "*.example.com" is a wildcard on public Gateway infra/edge`)
}

test_private_gateway_and_service_parents_not_judged if {
	count(policy.deny) == 0 with input as request("CREATE", internal, ["*.corp.example"])
		with data.apiguard.inventory as inventory
		with data.apiguard.config as config
	count(policy.deny) == 0 with input as request("CREATE", [{"group": "", "kind": "Service", "name": "db"}], [])
}

test_unknown_and_listenerset_parents_treated_as_public if {
	count(policy.deny) == 1 with input as request("CREATE", [{"name": "ghost"}], ["*.example.com"])
		with data.apiguard.inventory as inventory
	denies := policy.deny with input as request("CREATE", [{"kind": "ListenerSet", "name": "team"}], [])
	count(denies) == 1
	some msg in denies
	contains(msg, "ListenerSet shop/team (its class cannot be resolved by apiguard, so treated as public)")
}

test_one_public_parent_is_enough if {
	count(policy.deny) == 1 with input as request("CREATE", array.concat(internal, edge), ["*.example.com"])
		with data.apiguard.inventory as inventory
		with data.apiguard.config as config
}

test_allowed_suffixes if {
	cfg := object.union(config, {"ingress": {"allowedHostSuffixes": {"*": ["example.com"]}}})
	denies := policy.deny with input as request("CREATE", internal, ["db.example.net", "db.example.com"])
		with data.apiguard.inventory as inventory
		with data.apiguard.config as cfg
	denies == {`TLSRoute shop/db: hostname "db.example.net" is not under a host suffix allowed for namespace "shop" (allowed suffixes: example.com); use a hostname under one of them, or have the suffix added to apiguard.config.ingress.allowedHostSuffixes`}
}

test_delete_not_judged_audit_judged if {
	count(policy.deny) == 0 with input as request("DELETE", edge, [])
	count(policy.deny) == 1 with input as request("AUDIT", edge, [])
}
