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

# The wildcard lookup takes the host's first label as what the wildcard stands for.
test_wildcard_tls_does_not_cover_a_wildcard_label if {
	spec := {
		"rules": [rule("*.example.com")],
		"tls": [{"hosts": ["*.com"], "secretName": "wild"}],
	}
	count(require_tls.deny) == 1 with input as request("CREATE", spec)
}

test_wildcard_tls_is_case_insensitive if {
	spec := {
		"rules": [rule("API.Example.COM")],
		"tls": [{"hosts": ["*.EXAMPLE.com"], "secretName": "wild"}],
	}
	count(require_tls.deny) == 0 with input as request("CREATE", spec)
}

test_host_with_leading_dot_not_covered_by_wildcard if {
	spec := {
		"rules": [rule(".example.com")],
		"tls": [{"hosts": ["*.example.com"], "secretName": "wild"}],
	}
	count(require_tls.deny) == 1 with input as request("CREATE", spec)
}

# 1,000 hosts, each covered once by an exact entry and once by a wildcard: the rule is a
# set lookup per host. Scale is measured by the complexity benchmarks
# (pkg/policy TestComplexitySlopes); this size keeps the test inside the gate's 10 s
# per-test deadline even under coverage tracing and the race detector on a loaded CI
# machine, where 5,000 did not.
test_many_hosts_covered if {
	hosts := [sprintf("h%d.example.com", [i]) | some i in numbers.range(1, 1000)]
	spec := {
		"rules": [rule(h) | some h in hosts],
		"tls": [{"hosts": hosts, "secretName": "exact"}, {"hosts": ["*.example.com"], "secretName": "wild"}],
	}
	count(require_tls.deny) == 0 with input as request("CREATE", spec)
}

# Class 13: a spec.tls entry without secretName gets the controller's default certificate.

test_entry_without_secret_name_warned if {
	spec := {
		"rules": [rule("a.example.com")],
		"tls": [{"hosts": ["a.example.com"]}],
	}
	inp := request("CREATE", spec)
	count(require_tls.deny) == 0 with input as inp
	require_tls.warn == {`Ingress demo/web: spec.tls[0] has no secretName, so its hosts get no certificate of their own: ingress-nginx serves its default certificate there (self-signed unless --default-ssl-certificate names one) and ingress-gce skips the entry; set spec.tls[0].secretName to a certificate Secret, or set data.apiguard.config.ingress.defaultCertificate to true if every controller serves a trusted default certificate`} with input as inp
}

test_empty_secret_name_warned if {
	spec := {
		"rules": [rule("a.example.com")],
		"tls": [{"hosts": ["a.example.com"], "secretName": "a"}, {"hosts": ["a.example.com"], "secretName": ""}],
	}
	warns := require_tls.warn with input as request("CREATE", spec)
	count(warns) == 1
	some w in warns
	contains(w, "spec.tls[1] has no secretName")
}

# Gatekeeper's httpsonly sample: tls: [{}] names neither host nor Secret. The host is not
# covered (denied) and the entry is warned.
test_empty_entry_denied_and_warned if {
	spec := {"rules": [rule("example-host.example.com")], "tls": [{}]}
	inp := request("CREATE", spec)
	count(require_tls.deny) == 1 with input as inp
	count(require_tls.warn) == 1 with input as inp
}

test_hostless_rule_empty_entry_warned if {
	spec := {"rules": [rule_without_host], "tls": [{}]}
	inp := request("CREATE", spec)
	count(require_tls.deny) == 0 with input as inp
	count(require_tls.warn) == 1 with input as inp
}

test_entry_with_secret_name_not_warned if {
	spec := {"rules": [rule("a.example.com")], "tls": [{"hosts": ["a.example.com"], "secretName": "a"}]}
	count(require_tls.warn) == 0 with input as request("CREATE", spec)
}

test_default_certificate_configured_not_warned if {
	spec := {"rules": [rule("a.example.com")], "tls": [{"hosts": ["a.example.com"]}]}
	count(require_tls.warn) == 0 with input as request("CREATE", spec)
		with data.apiguard.config.ingress.defaultCertificate as true
}

test_default_certificate_must_be_boolean_true if {
	spec := {"rules": [rule("a.example.com")], "tls": [{"hosts": ["a.example.com"]}]}
	count(require_tls.warn) == 1 with input as request("CREATE", spec)
		with data.apiguard.config.ingress.defaultCertificate as "false"
}

with_metadata(spec, class, annotations) := json.patch(request("CREATE", object.union(spec, {"ingressClassName": class})), [{
	"op": "add",
	"path": "/request/object/metadata/annotations",
	"value": annotations,
}])

hosts_only := {"rules": [rule("a.example.com")], "tls": [{"hosts": ["a.example.com"]}]}

alb_arn := {"alb.ingress.kubernetes.io/certificate-arn": "arn:aws:acm:eu-west-1:123456789012:certificate/abc"}

# ingress-gce takes its certificates from these annotations; it skips an entry without a
# secretName.
test_gce_certificate_annotation_not_warned if {
	req := with_metadata(hosts_only, "gce", {"ingress.gcp.kubernetes.io/pre-shared-cert": "shop-cert"})
	count(require_tls.warn) == 0 with input as req
}

test_gce_managed_certificate_on_unclassed_ingress_on_gke_not_warned if {
	req := json.patch(request("CREATE", hosts_only), [{
		"op": "add",
		"path": "/request/object/metadata/annotations",
		"value": {"networking.gke.io/managed-certificates": "shop"},
	}])
	count(require_tls.warn) == 0 with input as req with data.apiguard.config.ingress.gceServesUnclassed as true
	count(require_tls.warn) == 1 with input as req
}

test_empty_certificate_annotation_still_warned if {
	req := with_metadata(hosts_only, "gce", {"networking.gke.io/managed-certificates": " "})
	count(require_tls.warn) == 1 with input as req
}

# An annotation counts only for the controller that reads it: ingress-nginx ignores the
# GKE and AWS keys and serves its default certificate.
test_gce_annotation_on_nginx_warned if {
	req := with_metadata(hosts_only, "nginx", {"ingress.gcp.kubernetes.io/pre-shared-cert": "shop-cert"})
	count(require_tls.warn) == 1 with input as req
}

test_alb_annotation_on_nginx_warned if {
	req := with_metadata(hosts_only, "nginx", alb_arn)
	count(require_tls.warn) == 1 with input as req
}

# The AWS Load Balancer Controller attaches certificate-arn or discovers the ACM
# certificate for the entry's hosts: a hosts-only entry is its documented form.
test_alb_class_not_warned if {
	count(require_tls.warn) == 0 with input as with_metadata(hosts_only, "alb", {})
	count(require_tls.warn) == 0 with input as with_metadata(hosts_only, "alb", alb_arn)
}

test_alb_class_by_annotation_not_warned if {
	req := json.patch(request("CREATE", hosts_only), [{
		"op": "add",
		"path": "/request/object/metadata/annotations",
		"value": {"kubernetes.io/ingress.class": "alb"},
	}])
	count(require_tls.warn) == 0 with input as req
}

# The API server lets an update leave the annotation and ingressClassName different;
# ingress-nginx then serves the Ingress by its ingressClassName, with its default
# certificate, whatever the ALB controller does.
test_alb_annotation_on_an_nginx_class_still_warned if {
	req := with_metadata(hosts_only, "nginx", {"kubernetes.io/ingress.class": "alb"})
	count(require_tls.warn) == 1 with input as req
}

test_gce_annotation_on_an_nginx_class_still_warned if {
	req := with_metadata(hosts_only, "nginx", {
		"kubernetes.io/ingress.class": "gce",
		"networking.gke.io/managed-certificates": "shop",
	})
	count(require_tls.warn) == 1 with input as req
}

test_alb_classes_configurable if {
	req := with_metadata(hosts_only, "aws-public", {})
	count(require_tls.warn) == 0 with input as req with data.apiguard.config.ingress.albClasses as ["aws-public"]
	count(require_tls.warn) == 1 with input as with_metadata(hosts_only, "alb", {})
		with data.apiguard.config.ingress.albClasses as ["aws-public"]
}

# config.ingress.certificateAnnotations is honoured on any class; a malformed value
# honours nothing.
test_certificate_annotations_configurable if {
	req := with_metadata(hosts_only, "nginx", {"certs.example.com/bundle": "shop"})
	count(require_tls.warn) == 0 with input as req
		with data.apiguard.config.ingress.certificateAnnotations as ["certs.example.com/bundle"]
	count(require_tls.warn) == 1 with input as req
	count(require_tls.warn) == 1 with input as req
		with data.apiguard.config.ingress.certificateAnnotations as "certs.example.com/bundle"
}

test_delete_not_warned if {
	req := {"request": {
		"kind": {"group": "networking.k8s.io", "version": "v1", "kind": "Ingress"},
		"name": "web",
		"namespace": "demo",
		"operation": "DELETE",
		"object": null,
		"oldObject": {"metadata": {"name": "web", "namespace": "demo"}, "spec": {"tls": [{}]}},
	}}
	count(require_tls.warn) == 0 with input as req
}

backend := {"service": {"name": "web", "port": {"number": 80}}}

# A defaultBackend without rules is the controller's catch-all server.
test_default_backend_only_without_tls_denied if {
	denies := require_tls.deny with input as request("CREATE", {"defaultBackend": backend})
	denies == {`Ingress demo/web: spec.defaultBackend serves every host the controller does not route elsewhere without TLS because spec.tls is empty; add a spec.tls entry referencing a certificate Secret`}
	count(require_tls.deny) == 1 with input as request("CREATE", {"defaultBackend": backend, "rules": []})
}

test_default_backend_only_with_tls_allowed if {
	count(require_tls.deny) == 0 with input as request("CREATE", {"defaultBackend": backend, "tls": [{"secretName": "edge"}]})
}

# With rules, ingress-nginx uses the defaultBackend for this Ingress's own hosts only;
# those hosts are judged as hosts.
test_default_backend_with_covered_rules_allowed if {
	spec := {
		"defaultBackend": backend,
		"rules": [rule("a.example.com")],
		"tls": [{"hosts": ["a.example.com"], "secretName": "a"}],
	}
	count(require_tls.deny) == 0 with input as request("CREATE", spec)
}

test_default_backend_null_ignored if {
	count(require_tls.deny) == 0 with input as request("CREATE", {"defaultBackend": null})
}
