package ingress.unique_host_test

import data.ingress.unique_host

backend := {"service": {"name": "web", "port": {"number": 80}}}

paths(ps) := {"paths": [{"path": p, "pathType": "Prefix", "backend": backend} | some p in ps]}

request(operation, rules) := {"request": {
	"uid": "1",
	"kind": {"group": "networking.k8s.io", "version": "v1", "kind": "Ingress"},
	"name": "web",
	"namespace": "demo",
	"operation": operation,
	"object": {
		"apiVersion": "networking.k8s.io/v1",
		"kind": "Ingress",
		"metadata": {"name": "web", "namespace": "demo"},
		"spec": {"rules": rules},
	},
}}

shop_rule := {"host": "shop.example.com", "http": paths(["/"])}

inventory(hosts) := {"ingressHosts": hosts}

claim(ns, name, ps) := {"namespace": ns, "name": name, "paths": ps}

test_no_inventory_passes if {
	count(unique_host.deny) == 0 with input as request("CREATE", [shop_rule])
}

test_empty_inventory_passes if {
	count(unique_host.deny) == 0 with input as request("CREATE", [shop_rule]) with data.apiguard.inventory as {}
}

test_unclaimed_host_passes if {
	inv := inventory({"other.example.com": [claim("payments", "other", ["/"])]})
	count(unique_host.deny) == 0 with input as request("CREATE", [shop_rule]) with data.apiguard.inventory as inv
}

test_claim_in_other_namespace_denied if {
	inv := inventory({"shop.example.com": [claim("payments", "shop", ["/"])]})
	denies := unique_host.deny with input as request("CREATE", [shop_rule]) with data.apiguard.inventory as inv
	denies == {`Ingress demo/web: host "shop.example.com" path "/" is already served by Ingress payments/shop in another namespace; use another host or path, or have that Ingress's owner remove it first`}
}

test_self_and_same_namespace_ignored if {
	inv := inventory({"shop.example.com": [claim("demo", "web", ["/"]), claim("demo", "web-v2", ["/"])]})
	count(unique_host.deny) == 0 with input as request("CREATE", [shop_rule]) with data.apiguard.inventory as inv
}

test_self_listed_with_foreign_claim_denied_once if {
	inv := inventory({"shop.example.com": [claim("demo", "web", ["/"]), claim("payments", "shop", ["/"])]})
	denies := unique_host.deny with input as request("CREATE", [shop_rule]) with data.apiguard.inventory as inv
	count(denies) == 1
}

test_different_path_passes if {
	inv := inventory({"shop.example.com": [claim("payments", "shop", ["/pay"])]})
	rule := {"host": "shop.example.com", "http": paths(["/", "/api"])}
	count(unique_host.deny) == 0 with input as request("CREATE", [rule]) with data.apiguard.inventory as inv
}

test_one_message_per_host_path if {
	inv := inventory({
		"shop.example.com": [claim("payments", "shop", ["/", "/api"])],
		"blog.example.com": [claim("blog", "blog", ["/"])],
	})
	rules := [
		{"host": "shop.example.com", "http": paths(["/", "/api", "/new"])},
		{"host": "blog.example.com", "http": paths(["/"])},
	]
	denies := unique_host.deny with input as request("CREATE", rules) with data.apiguard.inventory as inv
	count(denies) == 3
	some m in denies
	contains(m, `host "shop.example.com" path "/api"`)
}

test_several_owners_in_one_message if {
	inv := inventory({"shop.example.com": [claim("b", "two", ["/"]), claim("a", "one", ["/"])]})
	denies := unique_host.deny with input as request("CREATE", [shop_rule]) with data.apiguard.inventory as inv
	some m in denies
	contains(m, "by Ingress a/one, b/two in another namespace")
}

test_host_case_ignored if {
	inv := inventory({"shop.example.com": [claim("payments", "shop", ["/"])]})
	rule := {"host": "Shop.Example.com", "http": paths(["/"])}
	count(unique_host.deny) == 1 with input as request("CREATE", [rule]) with data.apiguard.inventory as inv
}

test_path_normalisation if {
	inv := inventory({"shop.example.com": [claim("payments", "shop", ["", "/api/"])]})
	rule := {"host": "shop.example.com", "http": {"paths": [{"pathType": "Prefix", "backend": backend}, {"path": "/api", "backend": backend}]}}
	denies := unique_host.deny with input as request("CREATE", [rule]) with data.apiguard.inventory as inv
	count(denies) == 2
}

test_rule_without_paths_claims_root if {
	inv := inventory({"shop.example.com": [claim("payments", "shop", ["/"])]})
	count(unique_host.deny) == 1 with input as request("CREATE", [{"host": "shop.example.com"}]) with data.apiguard.inventory as inv
}

test_claim_without_paths_claims_root if {
	inv := inventory({"shop.example.com": [{"namespace": "payments", "name": "shop"}]})
	count(unique_host.deny) == 1 with input as request("CREATE", [shop_rule]) with data.apiguard.inventory as inv
}

test_malformed_inventory_ignored if {
	inv1 := inventory({"shop.example.com": "payments/shop"})
	count(unique_host.deny) == 0 with input as request("CREATE", [shop_rule]) with data.apiguard.inventory as inv1
	inv2 := inventory({"shop.example.com": ["payments/shop", {"name": "shop", "paths": ["/"]}]})
	count(unique_host.deny) == 0 with input as request("CREATE", [shop_rule]) with data.apiguard.inventory as inv2
}

test_claim_with_odd_paths if {
	inv := inventory({"shop.example.com": [{"namespace": "payments", "paths": [null, "//"]}]})
	denies := unique_host.deny with input as request("CREATE", [shop_rule]) with data.apiguard.inventory as inv
	some m in denies
	contains(m, "by Ingress payments/<unnamed> in")
}

test_hostless_rule_ignored if {
	inv := inventory({"": [claim("payments", "shop", ["/"])]})
	count(unique_host.deny) == 0 with input as request("CREATE", [{"http": paths(["/"])}]) with data.apiguard.inventory as inv
}

test_update_and_audit_judged if {
	inv := inventory({"shop.example.com": [claim("payments", "shop", ["/"])]})
	count(unique_host.deny) == 1 with input as request("UPDATE", [shop_rule]) with data.apiguard.inventory as inv
	count(unique_host.deny) == 1 with input as request("AUDIT", [shop_rule]) with data.apiguard.inventory as inv
}

test_delete_not_denied if {
	inv := inventory({"shop.example.com": [claim("payments", "shop", ["/"])]})
	req := {"request": {
		"kind": {"group": "networking.k8s.io", "version": "v1", "kind": "Ingress"},
		"name": "web",
		"namespace": "demo",
		"operation": "DELETE",
		"object": null,
		"oldObject": request("CREATE", [shop_rule]).request.object,
	}}
	count(unique_host.deny) == 0 with input as req with data.apiguard.inventory as inv
}

test_other_kind_ignored if {
	inv := inventory({"shop.example.com": [claim("payments", "shop", ["/"])]})
	req := json.patch(request("CREATE", [shop_rule]), [{
		"op": "replace",
		"path": "/request/kind",
		"value": {"group": "extensions", "version": "v1beta1", "kind": "Ingress"},
	}])
	count(unique_host.deny) == 0 with input as req with data.apiguard.inventory as inv
}

test_claim_without_namespace_ignored if {
	inv := inventory({"shop.example.com": [claim("", "web", ["/"])]})
	count(unique_host.deny) == 0 with input as request("CREATE", [shop_rule]) with data.apiguard.inventory as inv
}
