package apisix.unique_host_test

import data.apisix.unique_host

route(operation, hosts) := {"request": {
	"uid": "1",
	"kind": {"group": "apisix.apache.org", "version": "v2", "kind": "ApisixRoute"},
	"name": "shop",
	"namespace": "demo",
	"operation": operation,
	"object": {"metadata": {"name": "shop", "namespace": "demo"}, "spec": {"http": [
		{"name": "a", "match": {"paths": ["/*"]}},
		{"name": "b", "match": {"hosts": hosts, "paths": ["/admin/*"]}},
	]}},
}}

inventory := {"hosts": {
	"shop.example.com": [{"namespace": "payments", "name": "shop", "kind": "HTTPRoute"}],
	"*.apps.example.com": [{"namespace": "payments", "name": "apps", "kind": "Ingress"}],
}}

test_host_of_another_namespace_denied if {
	some msg in unique_host.deny with input as route("CREATE", ["Shop.Example.com."]) with data.apiguard.inventory as inventory
	startswith(msg, `ApisixRoute demo/shop: host "shop.example.com" (spec.http[].match.hosts) is already served from another namespace by HTTPRoute payments/shop;`)
}

test_same_wildcard_conflicts_other_globs_do_not_claim if {
	count(unique_host.deny) == 1 with input as route("CREATE", ["*.apps.example.com"]) with data.apiguard.inventory as inventory
	count(unique_host.deny) == 0 with input as route("CREATE", ["*"]) with data.apiguard.inventory as inventory
	count(unique_host.deny) == 0 with input as route("CREATE", ["shop*.example.com"]) with data.apiguard.inventory as inventory
}

test_delete_not_judged if {
	count(unique_host.deny) == 0 with input as route("DELETE", ["shop.example.com"]) with data.apiguard.inventory as inventory
}
