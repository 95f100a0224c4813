# METADATA
# title: Ingress must terminate TLS for every host
# description: >-
#   Every host in spec.rules must be covered by a spec.tls[].hosts entry, either
#   exactly or by a wildcard such as *.example.com (which covers exactly one
#   label, e.g. a.example.com). Host names are compared case-insensitively.
#   Rules without a host need at least one spec.tls entry. Without this, the
#   host is served over plain HTTP. A spec.tls entry without secretName is warned
#   (the controller's default certificate, often self-signed, serves it) unless
#   config.ingress.defaultCertificate says the controllers have a trusted one.
# custom:
#   kinds: [Ingress]
#   severity: high
#   field: spec.tls
#   remediation: Add a spec.tls entry whose hosts cover <host>, referencing a certificate Secret.
package ingress.require_tls

import data.lib.kubernetes as k8s

deny contains msg if {
	some host in uncovered_hosts
	msg := sprintf(
		"%s: host %q is not covered by any spec.tls[].hosts entry; add a spec.tls entry whose hosts include %q, referencing a certificate Secret",
		[k8s.display, host, host],
	)
}

deny contains msg if {
	applies
	some rule in k8s.array_at(k8s.spec, "rules")
	not has_host(rule)
	count(tls_entries) == 0
	msg := sprintf(
		"%s: a rule without a host is served without TLS because spec.tls is empty; add a spec.tls entry referencing a certificate Secret",
		[k8s.display],
	)
}

# A spec.tls entry without a secretName is served with the controller's default
# certificate: ingress-nginx uses --default-ssl-certificate "for ingress tls: sections that
# do not have a secretName", and without that flag a self-signed certificate it generates
# (kubernetes.github.io/ingress-nginx/user-guide/tls/#default-ssl-certificate). Clients
# then see a certificate that is not the host's, or accept one they should not. Warned,
# not denied: with a trusted default certificate (config.ingress.defaultCertificate) or
# one supplied by an annotation the controller reads (config.ingress.certificateAnnotations:
# GKE pre-shared and managed certificates, AWS Load Balancer Controller certificate ARNs),
# the entry is the intended way to ask for TLS.
warn contains msg if {
	applies
	not default_certificate_configured
	not certificate_from_annotation
	some i, entry in tls_entries
	not has_secret_name(entry)
	msg := sprintf(
		"%s: spec.tls[%d] has no secretName, so the controller serves its default certificate there, which is self-signed unless one is configured (ingress-nginx --default-ssl-certificate); set spec.tls[%d].secretName to a certificate Secret, or set data.apiguard.config.ingress.defaultCertificate to true if every controller serves a trusted default certificate",
		[k8s.display, i, i],
	)
}

default_certificate_configured if k8s.setting(["ingress", "defaultCertificate"], false) == true

default_certificate_annotations := [
	"ingress.gcp.kubernetes.io/pre-shared-cert",
	"networking.gke.io/managed-certificates",
	"alb.ingress.kubernetes.io/certificate-arn",
]

certificate_from_annotation if {
	some key in k8s.setting(["ingress", "certificateAnnotations"], default_certificate_annotations)
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
