package gateway.listenerset_hostnames_test

import data.gateway.listenerset_hostnames as policy

request(operation, namespace, parent, listeners) := {"request": {
	"uid": "1",
	"kind": {"group": "gateway.networking.k8s.io", "version": "v1", "kind": "ListenerSet"},
	"name": "team",
	"namespace": namespace,
	"operation": operation,
	"object": {
		"apiVersion": "gateway.networking.k8s.io/v1",
		"kind": "ListenerSet",
		"metadata": {"name": "team", "namespace": namespace},
		"spec": {"parentRef": parent, "listeners": listeners},
	},
}}

inventory := {"gateways": {
	"infra/edge": {"gatewayClassName": "internet", "listeners": []},
	"infra/internal": {"gatewayClassName": "internal", "listeners": []},
}}

config := {"gateway": {"publicClasses": ["internet"]}}

edge := {"name": "edge", "namespace": "infra"}

https(name, host) := l if {
	host != ""
	l := {"name": name, "protocol": "HTTPS", "port": 443, "hostname": host, "tls": {"mode": "Terminate", "certificateRefs": [{"name": "t"}]}}
} else := {"name": name, "protocol": "HTTPS", "port": 443, "tls": {"mode": "Terminate", "certificateRefs": [{"name": "t"}]}}

test_explicit_hostnames_allowed if {
	r := request("CREATE", "shop", edge, [https("a", "shop.example.com"), {"name": "db", "protocol": "TCP", "port": 5000}])
	count(policy.deny) == 0 with input as r with data.apiguard.inventory as inventory with data.apiguard.config as config
}

test_missing_hostname_on_public_parent_denied if {
	denies := policy.deny with input as request("CREATE", "shop", edge, [https("a", "")])
		with data.apiguard.inventory as inventory
		with data.apiguard.config as config
	denies == {`ListenerSet shop/team: listener "a" has no hostname, so on public Gateway infra/edge (GatewayClass "internet") it answers for every hostname no other listener claims; set spec.listeners[0].hostname to the explicit hostname it serves`}
}

test_every_hostname_protocol_judged if {
	ls := [
		{"name": "h", "protocol": "HTTP", "port": 80},
		{"name": "t", "protocol": "TLS", "port": 8443, "tls": {"mode": "Passthrough"}},
		{"name": "s", "protocol": "HTTPS", "port": 443, "hostname": ""},
	]
	count(policy.deny) == 3 with input as request("CREATE", "shop", edge, ls)
		with data.apiguard.inventory as inventory
		with data.apiguard.config as config
}

test_wildcard_on_public_parent_denied if {
	denies := policy.deny with input as request("CREATE", "shop", edge, [https("a", "*.example.com")])
		with data.apiguard.inventory as inventory
		with data.apiguard.config as config
	count(denies) == 1
	some msg in denies
	contains(msg, `hostname "*.example.com" is a wildcard on public Gateway infra/edge`)
}

test_private_parent_not_judged_for_catch_all if {
	r := request("CREATE", "shop", {"name": "internal", "namespace": "infra"}, [https("a", ""), https("b", "*.corp.example")])
	count(policy.deny) == 0 with input as r with data.apiguard.inventory as inventory with data.apiguard.config as config
}

test_unknown_or_unresolvable_parent_treated_as_public if {
	count(policy.deny) == 1 with input as request("CREATE", "shop", {"name": "ghost", "namespace": "infra"}, [https("a", "")])
		with data.apiguard.inventory as inventory
		with data.apiguard.config as config
	count(policy.deny) == 1 with input as request("CREATE", "shop", {"name": "edge", "group": "example.com", "kind": "Proxy"}, [https("a", "")])
		with data.apiguard.config as config
}

test_suffixes_apply_to_every_parent if {
	cfg := object.union(config, {"ingress": {"allowedHostSuffixes": {"shop": ["shop.example.com"]}}})
	r := request("CREATE", "shop", {"name": "internal", "namespace": "infra"}, [https("a", "admin.example.com"), https("b", "api.shop.example.com")])
	denies := policy.deny with input as r with data.apiguard.inventory as inventory with data.apiguard.config as cfg
	denies == {`ListenerSet shop/team: listener "a" hostname "admin.example.com" is not under a host suffix allowed for namespace "shop" (allowed suffixes: shop.example.com); use a hostname under one of them, or have the suffix added to apiguard.config.ingress.allowedHostSuffixes`}
}

test_delete_and_other_kinds_ignored if {
	r := request("DELETE", "shop", edge, [https("a", "")])
	count(policy.deny) == 0 with input as r
	g := json.patch(request("CREATE", "shop", edge, [https("a", "")]), [{"op": "replace", "path": "/request/kind/kind", "value": "Gateway"}])
	count(policy.deny) == 0 with input as g
}

test_audit_judged if {
	count(policy.deny) == 1 with input as request("AUDIT", "shop", edge, [https("a", "")])
}
