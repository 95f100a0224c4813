package istio.unique_host_test

import data.istio.unique_host

request(operation, group, kind, spec) := {"request": {
	"uid": "1",
	"kind": {"group": group, "version": "v1", "kind": kind},
	"name": "shop",
	"namespace": "demo",
	"operation": operation,
	"object": {"metadata": {"name": "shop", "namespace": "demo"}, "spec": spec},
}}

vs(spec) := request("CREATE", "networking.istio.io", "VirtualService", spec)

inventory := {"hosts": {
	"shop.example.com": [{"namespace": "payments", "name": "shop", "kind": "Ingress"}],
	"*.apps.example.com": [{"namespace": "payments", "name": "apps", "kind": "HTTPRoute"}],
}}

test_host_of_another_namespace_denied if {
	denies := unique_host.deny with input as vs({"hosts": ["shop.example.com"], "gateways": ["istio-system/public"]})
		with data.apiguard.inventory as inventory
	denies == {`VirtualService demo/shop: host "shop.example.com" in spec.hosts is already served from another namespace by Ingress payments/shop; a host belongs to the namespace that claimed it first, and Istio merges the routes of every VirtualService for a host on a gateway, so use another host, have that owner remove it, or list it for both namespaces in apiguard.config.hosts.shared`}
}

# Hosts compare in lower case without a trailing dot, as DNS does.
test_spelling_variants_denied if {
	every h in ["SHOP.example.com", "shop.example.com.", " shop.example.com"] {
		count(unique_host.deny) == 1 with input as vs({"hosts": [h], "gateways": ["public"]})
			with data.apiguard.inventory as inventory
	}
}

# The same wildcard is a conflict; a wildcard does not take an exact host.
test_wildcards if {
	count(unique_host.deny) == 1 with input as vs({"hosts": ["*.apps.example.com"], "gateways": ["public"]})
		with data.apiguard.inventory as inventory
	count(unique_host.deny) == 0 with input as vs({"hosts": ["*.example.com"], "gateways": ["public"]})
		with data.apiguard.inventory as inventory
}

# A VirtualService without gateways, or bound to the mesh only, routes sidecar traffic
# and exposes no host.
test_mesh_only_claims_nothing if {
	count(unique_host.deny) == 0 with input as vs({"hosts": ["shop.example.com"]})
		with data.apiguard.inventory as inventory
	count(unique_host.deny) == 0 with input as vs({"hosts": ["shop.example.com"], "gateways": ["mesh"]})
		with data.apiguard.inventory as inventory
	count(unique_host.deny) == 1 with input as vs({"hosts": ["shop.example.com"], "gateways": ["mesh", "public"]})
		with data.apiguard.inventory as inventory
}

test_same_namespace_and_shared_allowed if {
	count(unique_host.deny) == 0 with input as vs({"hosts": ["shop.example.com"], "gateways": ["public"]})
		with data.apiguard.inventory as {"hosts": {"shop.example.com": [{"namespace": "demo", "name": "old", "kind": "Ingress"}]}}
	count(unique_host.deny) == 0 with input as vs({"hosts": ["shop.example.com"], "gateways": ["public"]})
		with data.apiguard.inventory as inventory
		with data.apiguard.config as {"hosts": {"shared": [{"host": "shop.example.com", "namespaces": ["demo", "pay*"]}]}}
}

test_other_kinds_and_delete_not_judged if {
	count(unique_host.deny) == 0 with input as request("CREATE", "gateway.networking.k8s.io", "HTTPRoute", {"hosts": ["shop.example.com"], "gateways": ["public"]})
		with data.apiguard.inventory as inventory
	count(unique_host.deny) == 0 with input as request("DELETE", "networking.istio.io", "VirtualService", {"hosts": ["shop.example.com"], "gateways": ["public"]})
		with data.apiguard.inventory as inventory
}
