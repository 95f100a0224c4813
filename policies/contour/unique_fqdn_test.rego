package contour.unique_fqdn_test

import data.contour.unique_fqdn

proxy(operation, spec) := {"request": {
	"uid": "1",
	"kind": {"group": "projectcontour.io", "version": "v1", "kind": "HTTPProxy"},
	"name": "shop",
	"namespace": "demo",
	"operation": operation,
	"object": {"metadata": {"name": "shop", "namespace": "demo", "creationTimestamp": "2026-01-02T00:00:00Z"}, "spec": spec},
	"oldObject": {"metadata": {"name": "shop", "namespace": "demo", "creationTimestamp": "2026-01-02T00:00:00Z"}, "spec": spec},
}}

inventory := {"hosts": {"shop.example.com": [{"namespace": "payments", "name": "shop", "kind": "HTTPProxy", "created": "2026-01-01T00:00:00Z"}]}}

test_fqdn_of_another_namespace_denied if {
	denies := unique_fqdn.deny with input as proxy("CREATE", {"virtualhost": {"fqdn": "Shop.Example.com."}})
		with data.apiguard.inventory as inventory
	denies == {`HTTPProxy demo/shop: spec.virtualhost.fqdn "shop.example.com" is already served from another namespace by HTTPProxy payments/shop; Contour serves neither of two root HTTPProxies with one fqdn, and a host belongs to the namespace that claimed it first, so use another fqdn, have its owner include this HTTPProxy from its root (spec.includes), or list the host for both namespaces in apiguard.config.hosts.shared`}
}

test_included_proxy_claims_nothing if {
	count(unique_fqdn.deny) == 0 with input as proxy("CREATE", {"routes": [{"services": [{"name": "s", "port": 80}]}]})
		with data.apiguard.inventory as inventory
}

# On UPDATE the older claim keeps the host: here the other one is older, so still denied;
# with this proxy older, allowed.
test_update_keeps_the_older_claim if {
	count(unique_fqdn.deny) == 1 with input as proxy("UPDATE", {"virtualhost": {"fqdn": "shop.example.com"}})
		with data.apiguard.inventory as inventory
	count(unique_fqdn.deny) == 0 with input as proxy("UPDATE", {"virtualhost": {"fqdn": "shop.example.com"}})
		with data.apiguard.inventory as {"hosts": {"shop.example.com": [{"namespace": "payments", "name": "shop", "kind": "Ingress", "created": "2026-03-01T00:00:00Z"}]}}
}

test_delete_not_judged if {
	count(unique_fqdn.deny) == 0 with input as proxy("DELETE", {"virtualhost": {"fqdn": "shop.example.com"}})
		with data.apiguard.inventory as inventory
}
