package apisix.no_catch_all_host_test

import data.apisix.no_catch_all_host

req(operation, match) := {"request": {
	"uid": "1",
	"kind": {"group": "apisix.apache.org", "version": "v2", "kind": "ApisixRoute"},
	"name": "catalog",
	"namespace": "shop",
	"operation": operation,
	"object": {
		"apiVersion": "apisix.apache.org/v2",
		"kind": "ApisixRoute",
		"metadata": {"name": "catalog", "namespace": "shop"},
		"spec": {"http": [{
			"name": "catalog",
			"match": match,
			"backends": [{"serviceName": "catalog", "servicePort": 80}],
		}]},
	},
}}

paths := {"paths": ["/*"]}

test_missing_hosts_denied if {
	no_catch_all_host.deny == {"ApisixRoute shop/catalog: spec.http[0] (catalog) has no match.hosts, so APISIX serves its paths for every host name that reaches the gateway, including other teams'; list its hosts in match.hosts, for example [api.example.com]"} with input as req("CREATE", paths)
	count(no_catch_all_host.deny) == 1 with input as req("CREATE", object.union(paths, {"hosts": []}))
	count(no_catch_all_host.deny) == 1 with input as req("CREATE", object.union(paths, {"hosts": null}))
	count(no_catch_all_host.deny) == 1 with input as req("AUDIT", paths)
}

# lua-resty-radixtree reads a leading "*" as a suffix match on the rest.
test_catch_all_wildcards_denied if {
	every h in ["*", "*.", "*.com", "*com", "*.co", "*..com"] {
		some msg in no_catch_all_host.deny with input as req("CREATE", object.union(paths, {"hosts": ["api.example.com", h]}))
		contains(msg, sprintf("match.hosts contains %q", [h]))
	}
}

test_named_hosts_allowed if {
	every h in ["api.example.com", "*.example.com", "*.api.example.com", "*example.com", "localhost"] {
		count(no_catch_all_host.deny) == 0 with input as req("CREATE", object.union(paths, {"hosts": [h]}))
	}
}

test_exempt_namespaces if {
	count(no_catch_all_host.deny) == 0 with input as req("CREATE", paths) with data.apiguard.config as {"apisix": {"allowCatchAllNamespaces": ["sh*"]}}
	count(no_catch_all_host.deny) == 1 with input as req("CREATE", paths) with data.apiguard.config as {"apisix": {"allowCatchAllNamespaces": ["platform"]}}
}

test_delete_and_other_groups_not_judged if {
	count(no_catch_all_host.deny) == 0 with input as req("DELETE", paths)
	other := json.patch(req("CREATE", paths), [{"op": "replace", "path": "/request/kind/group", "value": "example.com"}])
	count(no_catch_all_host.deny) == 0 with input as other
}
