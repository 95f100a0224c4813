package ingress.no_wildcard_host_test

import data.ingress.no_wildcard_host

request(operation, namespace, spec) := {"request": {
	"uid": "1",
	"kind": {"group": "networking.k8s.io", "version": "v1", "kind": "Ingress"},
	"name": "web",
	"namespace": namespace,
	"operation": operation,
	"object": {
		"apiVersion": "networking.k8s.io/v1",
		"kind": "Ingress",
		"metadata": {"name": "web", "namespace": namespace},
		"spec": spec,
	},
}}

backend := {"service": {"name": "web", "port": {"number": 80}}}

rule(host) := {"host": host, "http": {"paths": [{"path": "/", "pathType": "Prefix", "backend": backend}]}}

rule_without_host := {"http": {"paths": [{"path": "/", "pathType": "Prefix", "backend": backend}]}}

test_explicit_hosts_allowed if {
	spec := {"rules": [rule("a.example.com"), rule("b.example.com")]}
	count(no_wildcard_host.deny) == 0 with input as request("CREATE", "demo", spec)
}

test_wildcard_host_denied if {
	spec := {"rules": [rule("a.example.com"), rule("*.example.com")]}
	denies := no_wildcard_host.deny with input as request("CREATE", "demo", spec)
	denies == {`Ingress demo/web: spec.rules[1].host "*.example.com" is a wildcard; list each explicit hostname instead`}
}

test_missing_host_denied if {
	spec := {"rules": [rule_without_host]}
	denies := no_wildcard_host.deny with input as request("CREATE", "demo", spec)
	denies == {"Ingress demo/web: spec.rules[0] has no host, so it matches every hostname; set host to an explicit hostname such as app.example.com"}
}

test_empty_host_denied if {
	spec := {"rules": [rule("a.example.com"), rule("")]}
	denies := no_wildcard_host.deny with input as request("CREATE", "demo", spec)
	count(denies) == 1
	some msg in denies
	contains(msg, "spec.rules[1] has no host")
}

test_one_message_per_offending_rule if {
	spec := {"rules": [rule("*.a.example.com"), rule_without_host, rule("*.b.example.com")]}
	count(no_wildcard_host.deny) == 3 with input as request("CREATE", "demo", spec)
}

test_default_backend_only_denied if {
	spec := {"defaultBackend": backend}
	denies := no_wildcard_host.deny with input as request("CREATE", "demo", spec)
	denies == {"Ingress demo/web: has spec.defaultBackend and no rules, so it catches every hostname; replace it with spec.rules entries with explicit hosts"}
}

test_default_backend_with_empty_rules_denied if {
	spec := {"defaultBackend": backend, "rules": []}
	count(no_wildcard_host.deny) == 1 with input as request("CREATE", "demo", spec)
}

test_update_checked if {
	spec := {"rules": [rule("*.example.com")]}
	count(no_wildcard_host.deny) == 1 with input as request("UPDATE", "demo", spec)
}

test_delete_not_denied if {
	req := {"request": {
		"kind": {"group": "networking.k8s.io", "version": "v1", "kind": "Ingress"},
		"name": "web",
		"namespace": "demo",
		"operation": "DELETE",
		"object": null,
		"oldObject": {
			"metadata": {"name": "web", "namespace": "demo"},
			"spec": {"rules": [rule("*.example.com")]},
		},
	}}
	count(no_wildcard_host.deny) == 0 with input as req
}

test_no_config_means_no_exemptions if {
	spec := {"rules": [rule("*.example.com")]}
	count(no_wildcard_host.deny) == 1 with input as request("CREATE", "ingress-system", spec)
}

test_exempt_namespace_allowed if {
	spec := {"rules": [rule("*.example.com"), rule_without_host]}
	count(no_wildcard_host.deny) == 0
		with input as request("CREATE", "ingress-system", spec)
		with data.apiguard.config as {"ingress": {"allowWildcardNamespaces": ["ingress-system"]}}
}

test_exempt_namespace_default_backend_allowed if {
	spec := {"defaultBackend": backend}
	count(no_wildcard_host.deny) == 0
		with input as request("CREATE", "ingress-system", spec)
		with data.apiguard.config as {"ingress": {"allowWildcardNamespaces": ["ingress-system"]}}
}

test_other_namespace_not_exempt if {
	spec := {"rules": [rule("*.example.com")]}
	count(no_wildcard_host.deny) == 1
		with input as request("CREATE", "demo", spec)
		with data.apiguard.config as {"ingress": {"allowWildcardNamespaces": ["ingress-system"]}}
}

test_malformed_config_not_exempt if {
	spec := {"rules": [rule("*.example.com")]}
	count(no_wildcard_host.deny) == 1
		with input as request("CREATE", "demo", spec)
		with data.apiguard.config as {"ingress": {"allowWildcardNamespaces": "demo"}}
}

test_other_kind_ignored if {
	req := json.patch(request("CREATE", "demo", {"rules": [rule("*.example.com")]}), [{
		"op": "replace",
		"path": "/request/kind",
		"value": {"group": "gateway.networking.k8s.io", "version": "v1", "kind": "HTTPRoute"},
	}])
	count(no_wildcard_host.deny) == 0 with input as req
}

test_audit_checked if {
	spec := {"rules": [rule("*.example.com")]}
	count(no_wildcard_host.deny) == 1 with input as request("AUDIT", "demo", spec)
}

test_exempt_namespace_glob if {
	spec := {"rules": [rule("*.example.com")]}
	cfg := {"ingress": {"allowWildcardNamespaces": ["platform-*"]}}
	count(no_wildcard_host.deny) == 0 with input as request("CREATE", "platform-edge", spec) with data.apiguard.config as cfg
	count(no_wildcard_host.deny) == 1 with input as request("CREATE", "demo", spec) with data.apiguard.config as cfg
}

test_unusable_patterns_ignored if {
	spec := {"rules": [rule("*.example.com")]}
	cfg := {"ingress": {"allowWildcardNamespaces": ["[", "{demo}", 7, "Demo"]}}
	count(no_wildcard_host.deny) == 1 with input as request("CREATE", "demo", spec) with data.apiguard.config as cfg
}

test_namespace_from_object_when_request_has_none if {
	req := json.patch(request("CREATE", "demo", {"rules": [rule("*.example.com")]}), [{
		"op": "remove",
		"path": "/request/namespace",
	}])
	some msg in no_wildcard_host.deny with input as req
	startswith(msg, "Ingress demo/web: ")
}
