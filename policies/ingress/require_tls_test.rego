package ingress.require_tls_test

import data.ingress.require_tls

request(operation, spec) := {"request": {
	"uid": "1",
	"kind": {"group": "networking.k8s.io", "version": "v1", "kind": "Ingress"},
	"name": "web",
	"namespace": "demo",
	"operation": operation,
	"object": {
		"apiVersion": "networking.k8s.io/v1",
		"kind": "Ingress",
		"metadata": {"name": "web", "namespace": "demo"},
		"spec": spec,
	},
}}

rule(host) := {"host": host, "http": {"paths": [{
	"path": "/",
	"pathType": "Prefix",
	"backend": {"service": {"name": "web", "port": {"number": 80}}},
}]}}

rule_without_host := {"http": {"paths": [{
	"path": "/",
	"pathType": "Prefix",
	"backend": {"service": {"name": "web", "port": {"number": 80}}},
}]}}

test_all_hosts_covered_exactly if {
	spec := {
		"rules": [rule("a.example.com"), rule("b.example.com")],
		"tls": [
			{"hosts": ["a.example.com"], "secretName": "a"},
			{"hosts": ["b.example.com"], "secretName": "b"},
		],
	}
	count(require_tls.deny) == 0 with input as request("CREATE", spec)
}

test_wildcard_tls_covers_one_label if {
	spec := {
		"rules": [rule("a.example.com"), rule("b.example.com")],
		"tls": [{"hosts": ["*.example.com"], "secretName": "wild"}],
	}
	count(require_tls.deny) == 0 with input as request("CREATE", spec)
}

test_wildcard_tls_does_not_cover_two_labels if {
	spec := {
		"rules": [rule("a.b.example.com")],
		"tls": [{"hosts": ["*.example.com"], "secretName": "wild"}],
	}
	denies := require_tls.deny with input as request("CREATE", spec)
	count(denies) == 1
	some msg in denies
	contains(msg, `"a.b.example.com"`)
}

test_wildcard_tls_does_not_cover_apex if {
	spec := {
		"rules": [rule("example.com")],
		"tls": [{"hosts": ["*.example.com"], "secretName": "wild"}],
	}
	count(require_tls.deny) == 1 with input as request("CREATE", spec)
}

test_wildcard_rule_host_covered_by_same_wildcard if {
	spec := {
		"rules": [rule("*.example.com")],
		"tls": [{"hosts": ["*.example.com"], "secretName": "wild"}],
	}
	count(require_tls.deny) == 0 with input as request("CREATE", spec)
}

test_host_match_ignores_case if {
	spec := {
		"rules": [rule("a.example.com")],
		"tls": [{"hosts": ["A.Example.com"], "secretName": "a"}],
	}
	count(require_tls.deny) == 0 with input as request("CREATE", spec)
}

test_no_tls_denies_every_host if {
	spec := {"rules": [rule("a.example.com"), rule("b.example.com")]}
	denies := require_tls.deny with input as request("CREATE", spec)
	denies == {
		`Ingress demo/web: host "a.example.com" is not covered by any spec.tls[].hosts entry; add a spec.tls entry whose hosts include "a.example.com", referencing a certificate Secret`,
		`Ingress demo/web: host "b.example.com" is not covered by any spec.tls[].hosts entry; add a spec.tls entry whose hosts include "b.example.com", referencing a certificate Secret`,
	}
}

test_null_tls_denies if {
	spec := {"rules": [rule("a.example.com")], "tls": null}
	count(require_tls.deny) == 1 with input as request("CREATE", spec)
}

test_one_message_per_uncovered_host if {
	spec := {
		"rules": [rule("a.example.com"), rule("b.example.com"), rule("c.example.com")],
		"tls": [{"hosts": ["a.example.com"], "secretName": "a"}],
	}
	denies := require_tls.deny with input as request("CREATE", spec)
	count(denies) == 2
	some b in denies
	contains(b, `"b.example.com"`)
	some c in denies
	contains(c, `"c.example.com"`)
}

test_tls_entry_without_hosts_does_not_cover_named_host if {
	spec := {
		"rules": [rule("a.example.com")],
		"tls": [{"secretName": "default"}],
	}
	count(require_tls.deny) == 1 with input as request("CREATE", spec)
}

test_hostless_rule_without_tls_denied if {
	spec := {"rules": [rule_without_host]}
	denies := require_tls.deny with input as request("CREATE", spec)
	denies == {"Ingress demo/web: a rule without a host is served without TLS because spec.tls is empty; add a spec.tls entry referencing a certificate Secret"}
}

test_hostless_rule_empty_string_without_tls_denied if {
	spec := {"rules": [rule("")], "tls": []}
	count(require_tls.deny) == 1 with input as request("CREATE", spec)
}

test_hostless_rule_with_tls_entry_allowed if {
	spec := {"rules": [rule_without_host], "tls": [{"secretName": "default"}]}
	count(require_tls.deny) == 0 with input as request("CREATE", spec)
}

test_update_checked if {
	spec := {"rules": [rule("a.example.com")]}
	count(require_tls.deny) == 1 with input as request("UPDATE", spec)
}

test_audit_checked if {
	spec := {"rules": [rule("a.example.com")]}
	count(require_tls.deny) == 1 with input as request("AUDIT", spec)
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
			"spec": {"rules": [rule("a.example.com")]},
		},
	}}
	count(require_tls.deny) == 0 with input as req
}

test_other_kind_ignored if {
	req := json.patch(request("CREATE", {"rules": [rule("a.example.com")]}), [{
		"op": "replace",
		"path": "/request/kind",
		"value": {"group": "", "version": "v1", "kind": "Service"},
	}])
	count(require_tls.deny) == 0 with input as req
}

test_message_falls_back_to_request_name if {
	req := json.patch(request("CREATE", {"rules": [rule("a.example.com")]}), [{
		"op": "remove",
		"path": "/request/object/metadata/name",
	}])
	some msg in require_tls.deny with input as req
	startswith(msg, "Ingress demo/web: ")
}
