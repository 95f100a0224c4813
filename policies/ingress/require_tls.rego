# METADATA
# title: Ingress must terminate TLS for every host
# description: >-
#   Every host in spec.rules must be covered by a spec.tls[].hosts entry, either
#   exactly or by a wildcard such as *.example.com (which covers exactly one
#   label, e.g. a.example.com). Host names are compared case-insensitively.
#   Rules without a host, and a spec.defaultBackend without rules (the
#   controller's catch-all), need at least one spec.tls entry. Without this, the
#   host is served over plain HTTP. A spec.tls entry without secretName is warned
#   (ingress-nginx serves its default certificate, often self-signed, there, and
#   ingress-gce skips the entry) unless config.ingress.defaultCertificate says the
#   controllers have a trusted default, the Ingress names its certificates in an
#   annotation its own controller reads (GKE pre-shared or managed certificates on
#   an ingress-gce class, or config.ingress.certificateAnnotations on any class),
#   or the AWS Load Balancer Controller serves it (it finds the ACM certificate
#   for the entry's hosts, or takes certificate-arn).
# custom:
#   kinds: [Ingress]
#   severity: high
#   field: spec.tls
#   remediation: Add a spec.tls entry whose hosts cover <host>, referencing a certificate Secret.
package ingress.require_tls

import data.lib.ingressclass
import data.lib.kubernetes as k8s

deny contains msg if {
	some host in uncovered_hosts
	msg := sprintf(
		"%s: host %q is not covered by any spec.tls[].hosts entry; add a spec.tls entry whose hosts include %q, referencing a certificate Secret",
		[k8s.display, host, host],
	)
}

deny contains msg if {
	count(tls_entries) == 0
	applies
	some rule in k8s.array_at(k8s.spec, "rules")
	not has_host(rule)
	msg := sprintf(
		"%s: a rule without a host is served without TLS because spec.tls is empty; add a spec.tls entry referencing a certificate Secret",
		[k8s.display],
	)
}

# An Ingress with spec.defaultBackend and no rules is the controller's catch-all:
# ingress-nginx "defines a backend but no rule. Using it to configure the catch-all
# server" (internal/ingress/controller/controller.go createServers), ingress-gce makes it
# the URL map's default service. Like a rule without a host, it needs a TLS entry.
deny contains msg if {
	applies
	is_object(k8s.spec.defaultBackend)
	count(k8s.array_at(k8s.spec, "rules")) == 0
	count(tls_entries) == 0
	msg := sprintf(
		"%s: spec.defaultBackend serves every host the controller does not route elsewhere without TLS because spec.tls is empty; add a spec.tls entry referencing a certificate Secret",
		[k8s.display],
	)
}

# A spec.tls entry without a secretName is served with the controller's default
# certificate: ingress-nginx uses --default-ssl-certificate "for ingress tls: sections that
# do not have a secretName", and without that flag a self-signed certificate it generates
# (kubernetes.github.io/ingress-nginx/user-guide/tls/#default-ssl-certificate;
# internal/ingress/controller/controller.go createServers: "Host %q is listed in the TLS
# section but secretName is empty. Using default certificate"). ingress-gce skips such an
# entry (pkg/tls/tls.go TLSCertsFromSecretsLoader.Load), so its hosts get no certificate
# from it. Clients then see a certificate that is not the host's, or none. Warned, not
# denied: with a trusted default certificate (config.ingress.defaultCertificate), or
# certificates named where the Ingress's own controller reads them, the entry is the
# intended way to ask for TLS.
warn contains msg if {
	# An entry without a secretName first: nearly every entry has one, and then
	# neither the configuration nor the controllers are read.
	some i, entry in tls_entries
	not has_secret_name(entry)
	applies
	not default_certificate_configured
	not certificate_from_annotation
	not ingressclass.served_only_by_alb
	msg := sprintf(
		"%s: spec.tls[%d] has no secretName, so its hosts get no certificate of their own: ingress-nginx serves its default certificate there (self-signed unless --default-ssl-certificate names one) and ingress-gce skips the entry; set spec.tls[%d].secretName to a certificate Secret, or set data.apiguard.config.ingress.defaultCertificate to true if every controller serves a trusted default certificate",
		[k8s.display, i, i],
	)
}

default_certificate_configured if k8s.setting(["ingress", "defaultCertificate"], false) == true

# An annotation counts only for the controller that reads it, and only when no other
# controller serves the Ingress too (lib.ingressclass): GKE's pre-shared and managed
# certificates are ingress-gce's (ingress-nginx and the others ignore them and serve
# their default certificate). The AWS Load Balancer Controller needs no annotation
# (served_only_by_alb, above): it attaches alb.ingress.kubernetes.io/certificate-arn, or
# discovers the ACM certificate for the hosts of spec.tls and spec.rules
# (kubernetes-sigs.github.io/aws-load-balancer-controller guide/ingress/cert_discovery),
# so a spec.tls entry with hosts and no secretName is its documented form.
gce_certificate_annotations := [
	"ingress.gcp.kubernetes.io/pre-shared-cert",
	"networking.gke.io/managed-certificates",
]

# config.ingress.certificateAnnotations, a list of keys, is the operator's statement that
# every controller in the cluster reads them: honoured on any class.
certificate_from_annotation if {
	keys := k8s.setting(["ingress", "certificateAnnotations"], [])
	is_array(keys)
	some key in keys
	annotated(key)
}

certificate_from_annotation if {
	ingressclass.served_only_by_gce
	some key in gce_certificate_annotations
	annotated(key)
}

annotated(key) if {
	value := k8s.annotations[key]
	is_string(value)
	trim_space(value) != ""
}

has_secret_name(entry) if {
	is_string(entry.secretName)
	entry.secretName != ""
}

# Writes and audits of networking.k8s.io Ingresses are judged; a DELETE never is.
applies if {
	k8s.is_check
	k8s.group == "networking.k8s.io"
	k8s.kind == "Ingress"
}

tls_entries := k8s.array_at(k8s.spec, "tls")

# tls_hosts is one set, built once, so covering a host is a lookup, never a scan of
# every spec.tls host per rule host: 10,000 hosts stay O(n log n), not O(n^2).
tls_hosts := {lower(h) |
	some entry in tls_entries
	some h in k8s.array_at(entry, "hosts")
	is_string(h)
}

# wildcard_suffixes holds ".example.com" for every "*.example.com" in tls_hosts.
wildcard_suffixes := {substring(h, 1, -1) |
	some h in tls_hosts
	startswith(h, "*.")
}

uncovered_hosts contains host if {
	applies
	some rule in k8s.array_at(k8s.spec, "rules")
	has_host(rule)
	host := lower(rule.host)
	not covered(host)
}

has_host(rule) if {
	is_string(rule.host)
	rule.host != ""
}

covered(host) if tls_hosts[host]

# A TLS wildcard covers exactly one DNS label: *.example.com covers
# a.example.com but neither example.com nor a.b.example.com. The host's first label
# is what a wildcard would stand for, and the rest, from its first dot, is the suffix
# to look up.
covered(host) if {
	dot := indexof(host, ".")
	dot > 0
	label := substring(host, 0, dot)
	not contains(label, "*")
	wildcard_suffixes[substring(host, dot, -1)]
}
