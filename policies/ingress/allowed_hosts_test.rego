package ingress.allowed_hosts_test

import data.ingress.allowed_hosts

request(operation, namespace, hosts) := {"request": {
	"uid": "1",
	"kind": {"group": "networking.k8s.io", "version": "v1", "kind": "Ingress"},
	"name": "web",
	"namespace": namespace,
	"operation": operation,
	"object": {
		"apiVersion": "networking.k8s.io/v1",
		"kind": "Ingress",
		"metadata": {"name": "web", "namespace": namespace},
		"spec": {"rules": [{"host": h} | some h in hosts]},
	},
}}

config(m) := {"ingress": {"allowedHostSuffixes": m}}

denied_hosts(operation, namespace, hosts, m) := {h |
	some msg in allowed_hosts.deny with input as request(operation, namespace, hosts) with data.apiguard.config as config(m)
	some h in hosts
	contains(msg, sprintf("host %q", [h]))
}

test_no_config_allows_everything if {
	count(allowed_hosts.deny) == 0 with input as request("CREATE", "demo", ["anything.evil.test"])
}

test_namespace_without_entry_allows_everything if {
	denied_hosts("CREATE", "demo", ["anything.evil.test"], {"team-a": [".example.com"]}) == set()
}

test_allowed_host_passes if {
	denied_hosts("CREATE", "demo", ["shop.example.com", "a.b.example.com"], {"demo": [".example.com"]}) == set()
}

test_message_names_object_and_fix if {
	denies := allowed_hosts.deny
		with input as request("CREATE", "demo", ["shop.evil.test"])
		with data.apiguard.config as config({"demo": [".example.com", "example.org"]})
	denies == {`Ingress demo/web: host "shop.evil.test" is not under a domain allowed for namespace "demo" (allowed suffixes: .example.com, example.org); use a host ending in one of them, or ask the platform team to add the domain to apiguard.config.ingress.allowedHostSuffixes`}
}

test_one_message_per_host if {
	denied_hosts("CREATE", "demo", ["a.evil.test", "b.evil.test", "ok.example.com"], {"demo": [".example.com"]}) == {"a.evil.test", "b.evil.test"}
}

test_leading_dot_needs_label_boundary if {
	denied_hosts("CREATE", "demo", ["badexample.com", "example.com", "a.example.com"], {"demo": [".example.com"]}) == {"badexample.com", "example.com"}
}

test_no_leading_dot_matches_domain_and_subdomains if {
	denied_hosts("CREATE", "demo", ["badexample.com", "example.com", "a.example.com"], {"demo": ["example.com"]}) == {"badexample.com"}
}

test_star_dot_suffix_means_leading_dot if {
	denied_hosts("CREATE", "demo", ["example.com", "a.example.com"], {"demo": ["*.example.com"]}) == {"example.com"}
}

test_case_and_trailing_dot_ignored if {
	denied_hosts("CREATE", "demo", ["Shop.Example.COM"], {"demo": [" .EXAMPLE.com. "]}) == set()
}

test_star_entry_applies_to_other_namespaces if {
	denied_hosts("CREATE", "demo", ["a.example.com", "a.example.org"], {"*": [".example.com"]}) == {"a.example.org"}
}

test_namespace_entry_wins_over_star if {
	m := {"*": [".example.com"], "demo": [".demo.example.com"]}
	denied_hosts("CREATE", "demo", ["a.example.com", "a.demo.example.com"], m) == {"a.example.com"}
	denied_hosts("CREATE", "other", ["a.example.com", "a.demo.example.com"], m) == set()
}

test_malformed_namespace_entry_falls_back_to_star if {
	m := {"*": [".example.com"], "demo": ".evil.test"}
	denied_hosts("CREATE", "demo", ["a.evil.test"], m) == {"a.evil.test"}
}

test_empty_list_allows_nothing if {
	denies := allowed_hosts.deny
		with input as request("CREATE", "demo", ["a.example.com"])
		with data.apiguard.config as config({"demo": []})
	count(denies) == 1
	some msg in denies
	contains(msg, "(allowed suffixes: none)")
}

test_invalid_suffixes_ignored if {
	m := {"demo": ["", ".", "*", 42, ".example.com"]}
	denied_hosts("CREATE", "demo", ["a.example.com", "a.evil.test"], m) == {"a.evil.test"}
}

test_malformed_map_ignored if {
	count(allowed_hosts.deny) == 0
		with input as request("CREATE", "demo", ["a.evil.test"])
		with data.apiguard.config as {"ingress": {"allowedHostSuffixes": [".example.com"]}}
}

test_hostless_rules_ignored if {
	req := json.patch(request("CREATE", "demo", []), [{
		"op": "replace",
		"path": "/request/object/spec/rules",
		"value": [{"http": {}}, {"host": ""}, {"host": 7}],
	}])
	count(allowed_hosts.deny) == 0 with input as req with data.apiguard.config as config({"demo": [".example.com"]})
}

test_update_and_audit_judged if {
	denied_hosts("UPDATE", "demo", ["a.evil.test"], {"demo": [".example.com"]}) == {"a.evil.test"}
	denied_hosts("AUDIT", "demo", ["a.evil.test"], {"demo": [".example.com"]}) == {"a.evil.test"}
}

test_delete_not_denied if {
	req := {"request": {
		"kind": {"group": "networking.k8s.io", "version": "v1", "kind": "Ingress"},
		"name": "web",
		"namespace": "demo",
		"operation": "DELETE",
		"object": null,
		"oldObject": request("CREATE", "demo", ["a.evil.test"]).request.object,
	}}
	count(allowed_hosts.deny) == 0 with input as req with data.apiguard.config as config({"demo": [".example.com"]})
}

test_other_kind_ignored if {
	req := json.patch(request("CREATE", "demo", ["a.evil.test"]), [{
		"op": "replace",
		"path": "/request/kind",
		"value": {"group": "gateway.networking.k8s.io", "version": "v1", "kind": "HTTPRoute"},
	}])
	count(allowed_hosts.deny) == 0 with input as req with data.apiguard.config as config({"demo": [".example.com"]})
}

# allowed() reads the suffixes split by form; it says what matches() says for
# every suffix form, including hosts that are a dotted suffix itself.
test_allowed_is_matches_for_some_suffix if {
	hosts := ["example.com", "a.example.com", ".example.com", "a.b.example.com", "badexample.com", "example.com.evil.test", "shop.example.org", "example.org", ".example.org", "x.org"]
	every m in [["example.com"], [".example.com"], ["*.example.com"], ["example.com", ".example.org"], ["Example.COM.", " .EXAMPLE.org "], []] {
		every h in hosts {
			allowed_bool(h) == matches_some(h) with data.apiguard.config as config({"*": m})
				with input as request("CREATE", "demo", ["x.example.com"])
		}
	}
}

allowed_bool(h) if allowed_hosts.allowed(h)

else := false

matches_some(h) if {
	some s in allowed_hosts.suffixes
	allowed_hosts.matches(h, s)
}

else := false
