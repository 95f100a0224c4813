# METADATA
# title: Ingress must terminate TLS for every host
# description: >-
#   Every host in spec.rules must be covered by a spec.tls[].hosts entry, either
#   exactly or by a wildcard such as *.example.com (which covers exactly one
#   label, e.g. a.example.com). Host names are compared case-insensitively.
#   Rules without a host need at least one spec.tls entry. Without this, the
#   host is served over plain HTTP.
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

# Writes and audits of networking.k8s.io Ingresses are judged; a DELETE never is.
applies if {
	k8s.is_check
	k8s.group == "networking.k8s.io"
	k8s.kind == "Ingress"
}

tls_entries := k8s.array_at(k8s.spec, "tls")

tls_hosts contains lower(h) if {
	some entry in tls_entries
	some h in k8s.array_at(entry, "hosts")
	is_string(h)
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
# a.example.com but neither example.com nor a.b.example.com.
covered(host) if {
	some tls_host in tls_hosts
	startswith(tls_host, "*.")
	suffix := substring(tls_host, 1, -1)
	endswith(host, suffix)
	label := trim_suffix(host, suffix)
	label != ""
	not contains(label, ".")
	not contains(label, "*")
}
