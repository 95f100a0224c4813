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

inventory(hosts) := {"hosts": hosts}

claim(ns, name) := {"namespace": ns, "name": name, "kind": "Ingress"}

msg(owners) := sprintf(
	`Ingress demo/web: host "shop.example.com" in spec.rules is already served from another namespace by %s; a host belongs to the namespace that claimed it first, whatever the path, so use another host, have that owner remove it, or list it for both namespaces in apiguard.config.hosts.shared`,
	[owners],
)

test_no_inventory_passes if {
	count(unique_host.deny) == 0 with input as request("CREATE", [shop_rule])
}

test_empty_inventory_passes if {
	count(unique_host.deny) == 0 with input as request("CREATE", [shop_rule]) with data.apiguard.inventory as {}
}

test_unclaimed_host_passes if {
	inv := inventory({"other.example.com": [claim("payments", "other")]})
	count(unique_host.deny) == 0 with input as request("CREATE", [shop_rule]) with data.apiguard.inventory as inv
}

test_claim_in_other_namespace_denied if {
	inv := inventory({"shop.example.com": [claim("payments", "shop")]})
	denies := unique_host.deny with input as request("CREATE", [shop_rule]) with data.apiguard.inventory as inv
	denies == {msg("Ingress payments/shop")}
}

test_self_and_same_namespace_ignored if {
	inv := inventory({"shop.example.com": [claim("demo", "web"), claim("demo", "web-v2")]})
	count(unique_host.deny) == 0 with input as request("CREATE", [shop_rule]) with data.apiguard.inventory as inv
}

test_self_listed_with_foreign_claim_denied_once if {
	inv := inventory({"shop.example.com": [claim("demo", "web"), claim("payments", "shop")]})
	denies := unique_host.deny with input as request("CREATE", [shop_rule]) with data.apiguard.inventory as inv
	count(denies) == 1
}

# Class 2 of issue 14: a different path on another namespace's host is still a
# takeover, because the controller merges both into one server for the host.
test_any_path_on_a_claimed_host_denied if {
	inv := inventory({"shop.example.com": [claim("payments", "shop")]})
	every p in ["/admin", "/.*", "/*", "/"] {
		count(unique_host.deny) == 1 with input as request("CREATE", [{"host": "shop.example.com", "http": paths([p])}]) with data.apiguard.inventory as inv
	}
	count(unique_host.deny) == 1 with input as request("CREATE", [{"host": "shop.example.com"}]) with data.apiguard.inventory as inv
}

test_one_message_per_host if {
	inv := inventory({
		"shop.example.com": [claim("payments", "shop")],
		"blog.example.com": [claim("blog", "blog")],
	})
	rules := [
		{"host": "shop.example.com", "http": paths(["/", "/api", "/new"])},
		{"host": "blog.example.com", "http": paths(["/"])},
		{"host": "Shop.example.com", "http": paths(["/other"])},
	]
	denies := unique_host.deny with input as request("CREATE", rules) with data.apiguard.inventory as inv
	count(denies) == 2
}

test_several_owners_in_one_message_across_kinds if {
	inv := inventory({"shop.example.com": [claim("b", "two"), {"namespace": "a", "name": "one", "kind": "HTTPRoute"}]})
	denies := unique_host.deny with input as request("CREATE", [shop_rule]) with data.apiguard.inventory as inv
	denies == {msg("HTTPRoute a/one, Ingress b/two")}
}

test_host_case_ignored if {
	inv := inventory({"shop.example.com": [claim("payments", "shop")]})
	rule := {"host": "Shop.Example.com.", "http": paths(["/"])}
	count(unique_host.deny) == 1 with input as request("CREATE", [rule]) with data.apiguard.inventory as inv
}

test_shared_host_allowed if {
	inv := inventory({"shop.example.com": [claim("payments", "shop")]})
	count(unique_host.deny) == 0 with input as request("CREATE", [shop_rule])
		with data.apiguard.inventory as inv
		with data.apiguard.config as {"hosts": {"shared": [{"host": "shop.example.com", "namespaces": ["payments", "demo"]}]}}
}

test_malformed_inventory_ignored if {
	inv1 := inventory({"shop.example.com": "payments/shop"})
	count(unique_host.deny) == 0 with input as request("CREATE", [shop_rule]) with data.apiguard.inventory as inv1
	inv2 := inventory({"shop.example.com": ["payments/shop", {"name": "shop"}]})
	count(unique_host.deny) == 0 with input as request("CREATE", [shop_rule]) with data.apiguard.inventory as inv2
}

test_claim_without_name_or_kind if {
	inv := inventory({"shop.example.com": [{"namespace": "payments"}]})
	denies := unique_host.deny with input as request("CREATE", [shop_rule]) with data.apiguard.inventory as inv
	denies == {msg("object payments/<unnamed>")}
}

test_hostless_rule_ignored if {
	inv := inventory({"": [claim("payments", "shop")]})
	count(unique_host.deny) == 0 with input as request("CREATE", [{"http": paths(["/"])}]) with data.apiguard.inventory as inv
}

test_update_and_audit_judged if {
	inv := inventory({"shop.example.com": [claim("payments", "shop")]})
	count(unique_host.deny) == 1 with input as request("UPDATE", [shop_rule]) with data.apiguard.inventory as inv
	count(unique_host.deny) == 1 with input as request("AUDIT", [shop_rule]) with data.apiguard.inventory as inv
}

test_update_keeping_a_host_claimed_first_allowed if {
	inv := inventory({"shop.example.com": [object.union(claim("payments", "shop"), {"created": "2026-03-01T00:00:00Z"})]})
	req := json.patch(request("UPDATE", [shop_rule]), [
		{"op": "add", "path": "/request/object/metadata/creationTimestamp", "value": "2026-01-01T00:00:00Z"},
		{"op": "add", "path": "/request/oldObject", "value": request("CREATE", [shop_rule]).request.object},
	])
	count(unique_host.deny) == 0 with input as req with data.apiguard.inventory as inv
}

test_delete_not_denied if {
	inv := inventory({"shop.example.com": [claim("payments", "shop")]})
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
	inv := inventory({"shop.example.com": [claim("payments", "shop")]})
	req := json.patch(request("CREATE", [shop_rule]), [{
		"op": "replace",
		"path": "/request/kind",
		"value": {"group": "extensions", "version": "v1beta1", "kind": "Ingress"},
	}])
	count(unique_host.deny) == 0 with input as req with data.apiguard.inventory as inv
}

test_claim_without_namespace_ignored if {
	inv := inventory({"shop.example.com": [claim("", "web")]})
	count(unique_host.deny) == 0 with input as request("CREATE", [shop_rule]) with data.apiguard.inventory as inv
}
