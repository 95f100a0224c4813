package traefik.unique_host_test

import data.traefik.unique_host

route(operation, match) := {"request": {
	"uid": "1",
	"kind": {"group": "traefik.io", "version": "v1alpha1", "kind": "IngressRoute"},
	"name": "shop",
	"namespace": "demo",
	"operation": operation,
	"object": {"metadata": {"name": "shop", "namespace": "demo"}, "spec": {"routes": [{"match": match, "kind": "Rule", "services": [{"name": "shop", "port": 80}]}]}},
}}

inventory := {"hosts": {"shop.example.com": [{"namespace": "payments", "name": "shop", "kind": "Ingress"}]}}

test_host_matcher_of_another_namespace_denied if {
	denies := unique_host.deny with input as route("CREATE", "Host(`shop.example.com`) && PathPrefix(`/admin`)")
		with data.apiguard.inventory as inventory
	denies == {`IngressRoute demo/shop: host "shop.example.com" (a Host matcher of spec.routes[].match) is already served from another namespace by Ingress payments/shop; a host belongs to the namespace that claimed it first, and Traefik sends a request to the matching router with the highest priority, whatever its namespace, so use another host, have that owner remove it, or list it for both namespaces in apiguard.config.hosts.shared`}
}

# Every spelling of a Host matcher Traefik accepts: case, several arguments (v2),
# double quotes, inside parentheses or an || branch.
test_host_matcher_spellings if {
	every rule in [
		"Host(`SHOP.example.com`)",
		"Host(`other.example.com`, `shop.example.com`)",
		`Host("shop.example.com")`,
		"(PathPrefix(`/x`) && Host(`shop.example.com`))",
		"Host(`a.example.com`) || Host(`shop.example.com`)",
		"host(`shop.example.com`)",
		"HOST(`shop.example.com`)",
		"HostHeader(`shop.example.com`)",
	] {
		count(unique_host.deny) == 1 with input as route("CREATE", rule) with data.apiguard.inventory as inventory
	}
}

# HostRegexp, HostSNI and a negated Host claim nothing (a HostRegexp is judged by
# traefik.ingressroute_catch_all).
test_non_claiming_matchers if {
	every rule in [
		"HostRegexp(`^shop\\.example\\.com$`)",
		"HostSNI(`shop.example.com`)",
		"!Host(`shop.example.com`) && PathPrefix(`/`)",
		"PathPrefix(`/`) && ! Host(`shop.example.com`)",
	] {
		count(unique_host.deny) == 0 with input as route("CREATE", rule) with data.apiguard.inventory as inventory
	}
}

test_delete_and_shared_not_denied if {
	count(unique_host.deny) == 0 with input as route("DELETE", "Host(`shop.example.com`)") with data.apiguard.inventory as inventory
	count(unique_host.deny) == 0 with input as route("CREATE", "Host(`shop.example.com`)")
		with data.apiguard.inventory as inventory
		with data.apiguard.config as {"hosts": {"shared": [{"host": "shop.example.com", "namespaces": ["demo", "payments"]}]}}
}
