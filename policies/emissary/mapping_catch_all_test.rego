package emissary.mapping_catch_all_test

import data.emissary.mapping_catch_all

request(operation, spec) := {"request": {
	"uid": "1",
	"kind": {"group": "getambassador.io", "version": "v3alpha1", "kind": "Mapping"},
	"name": "fallback",
	"namespace": "shop",
	"operation": operation,
	"object": {
		"apiVersion": "getambassador.io/v3alpha1",
		"kind": "Mapping",
		"metadata": {"name": "fallback", "namespace": "shop"},
		"spec": object.union({"service": "web"}, spec),
	},
}}

deny_msg := "Mapping shop/fallback: spec.hostname \"*\" matches every Host, and prefix \"/\" takes every path, so this Mapping catches every request for every host the gateway serves, other teams' included; set spec.hostname to the exact host it serves"

warn_msg := "Mapping shop/fallback: spec.hostname \"*\" matches every Host, so prefix \"/api/\" is claimed on every host the gateway serves; set spec.hostname to the exact host it serves"

test_star_root_denied if {
	every op in ["CREATE", "UPDATE", "AUDIT"] {
		mapping_catch_all.deny == {deny_msg} with input as request(op, {"hostname": "*", "prefix": "/"})
	}
	count(mapping_catch_all.warn) == 0 with input as request("CREATE", {"hostname": "*", "prefix": "/"})
}

test_star_narrow_prefix_warned if {
	mapping_catch_all.warn == {warn_msg} with input as request("CREATE", {"hostname": "*", "prefix": "/api/"})
	count(mapping_catch_all.deny) == 0 with input as request("CREATE", {"hostname": "*", "prefix": "/api/"})

	# prefix_exact "/" is the root path only (an Envoy exact match), not every path.
	count(mapping_catch_all.deny) == 0 with input as request("CREATE", {"hostname": "*", "prefix": "/", "prefix_exact": true})
	count(mapping_catch_all.warn) == 1 with input as request("CREATE", {"hostname": "*", "prefix": "/", "prefix_exact": true})
}

# The spellings an author would try to get every host and every path.
test_variants_denied if {
	every spec in [
		{"hostname": "*", "prefix": ""},
		{"hostname": "*", "prefix": "/.*", "prefix_regex": true},
		{"hostname": "*", "host": "shop.example.com", "prefix": "/"}, # hostname wins over host
		{"host": ".*", "host_regex": true, "prefix": "/"},
		{"host": ".+", "host_regex": true, "prefix": "/"},
		{"host": "[^/]*", "host_regex": true, "prefix": "/"},
		{"host": "(?i).*", "host_regex": true, "prefix": "/"},
		{"hostname": ".*", "host_regex": true, "prefix": "/"},
	] {
		count(mapping_catch_all.deny) == 1 with input as request("CREATE", spec)
	}
	msgs := mapping_catch_all.deny with input as request("CREATE", {"host": ".*", "host_regex": true, "prefix": "/"})
	some msg in msgs
	contains(msg, "spec.host \".*\" with host_regex: true attaches to every Host")
	msgs2 := mapping_catch_all.deny with input as request("CREATE", {"hostname": ".*", "host_regex": true, "prefix": "/"})
	some msg2 in msgs2
	contains(msg2, "spec.hostname \".*\" with host_regex: true attaches to every Host")
}

# Bounded hosts, host "*" without host_regex (an exact match Emissary refuses), a
# bounded regex, and no host at all (attached only by a Host's mappingSelector).
test_bounded_allowed if {
	every spec in [
		{"hostname": "shop.example.com", "prefix": "/"},
		{"hostname": "*.example.com", "prefix": "/"},
		{"host": "*", "prefix": "/"},
		{"host": "shop\\.example\\.com", "host_regex": true, "prefix": "/"},
		{"host": "[a-z]+\\.example\\.com", "host_regex": true, "prefix": "/"},
		{"prefix": "/"},
		{"hostname": "", "prefix": "/"},
	] {
		count(mapping_catch_all.deny) == 0 with input as request("CREATE", spec)
		count(mapping_catch_all.warn) == 0 with input as request("CREATE", spec)
	}
}

test_exempt_namespace if {
	count(mapping_catch_all.deny) == 0 with input as request("CREATE", {"hostname": "*", "prefix": "/"})
		with data.apiguard.config as {"emissary": {"wildcardNamespaces": ["sh*"]}}
	count(mapping_catch_all.deny) == 1 with input as request("CREATE", {"hostname": "*", "prefix": "/"})
		with data.apiguard.config as {"emissary": {"wildcardNamespaces": ["other"]}}
}

test_delete_and_other_group_not_judged if {
	req := request("DELETE", {"hostname": "*", "prefix": "/"})
	del := json.patch(req, [{"op": "add", "path": "/request/oldObject", "value": req.request.object}])
	count(mapping_catch_all.deny) == 0 with input as del
	other := json.patch(request("CREATE", {"hostname": "*", "prefix": "/"}), [{"op": "replace", "path": "/request/kind/group", "value": "x.getambassador.io"}])
	count(mapping_catch_all.deny) == 0 with input as other
}
