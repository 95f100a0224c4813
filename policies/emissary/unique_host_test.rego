package emissary.unique_host_test

import data.emissary.unique_host

request(operation, kind, spec) := {"request": {
	"uid": "1",
	"kind": {"group": "getambassador.io", "version": "v3alpha1", "kind": kind},
	"name": "shop",
	"namespace": "demo",
	"operation": operation,
	"object": {"metadata": {"name": "shop", "namespace": "demo"}, "spec": spec},
}}

inventory := {"hosts": {"shop.example.com": [{"namespace": "payments", "name": "shop", "kind": "Ingress"}]}}

test_mapping_hostname_denied if {
	some msg in unique_host.deny with input as request("CREATE", "Mapping", {"hostname": "shop.example.com", "prefix": "/admin/", "service": "admin"})
		with data.apiguard.inventory as inventory
	startswith(msg, `Mapping demo/shop: host "shop.example.com" (spec.hostname) is already served from another namespace by Ingress payments/shop;`)
}

# host is an exact match unless host_regex is true; hostname wins over host.
test_mapping_host_forms if {
	count(unique_host.deny) == 1 with input as request("CREATE", "Mapping", {"host": "shop.example.com", "prefix": "/", "service": "s"})
		with data.apiguard.inventory as inventory
	count(unique_host.deny) == 0 with input as request("CREATE", "Mapping", {"host": "shop.example.com", "host_regex": true, "prefix": "/", "service": "s"})
		with data.apiguard.inventory as inventory
	count(unique_host.deny) == 0 with input as request("CREATE", "Mapping", {"hostname": "*", "host": "shop.example.com", "prefix": "/", "service": "s"})
		with data.apiguard.inventory as inventory
}

test_host_object_denied if {
	count(unique_host.deny) == 1 with input as request("CREATE", "Host", {"hostname": "shop.example.com"})
		with data.apiguard.inventory as inventory
	count(unique_host.deny) == 0 with input as request("DELETE", "Host", {"hostname": "shop.example.com"})
		with data.apiguard.inventory as inventory
}
