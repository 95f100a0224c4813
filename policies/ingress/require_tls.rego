# METADATA
# title: Ingress must terminate TLS for every host
# description: >-
#   Every host in spec.rules must be covered by a spec.tls[].hosts entry, either
#   exactly or by a wildcard such as *.example.com (which covers exactly one
#   label, e.g. a.example.com). Rules without a host need at least one spec.tls
#   entry. Without this, the host is served over plain HTTP.
# custom:
#   kinds: [Ingress]
#   severity: high
#   remediation: Add a spec.tls entry whose hosts cover <host>, referencing a certificate Secret.
package ingress.require_tls

deny contains msg if {
	some host in uncovered_hosts
	msg := sprintf(
		"Ingress %s/%s: host %q is not covered by any spec.tls[].hosts entry; add a spec.tls entry whose hosts include %q, referencing a certificate Secret",
		[namespace, name, host, host],
	)
}

deny contains msg if {
	applies
	some rule in array_at(spec, "rules")
	not has_host(rule)
	count(tls_entries) == 0
	msg := sprintf(
		"Ingress %s/%s: a rule without a host is served without TLS because spec.tls is empty; add a spec.tls entry referencing a certificate Secret",
		[namespace, name],
	)
}

# Only writes of networking.k8s.io Ingresses are checked. On DELETE the object
# is null and the old object is going away, so there is nothing to block.
applies if {
	input.request.operation != "DELETE"
	input.request.kind.group == "networking.k8s.io"
	input.request.kind.kind == "Ingress"
	is_object(input.request.object)
}

spec := s if {
	s := input.request.object.spec
	is_object(s)
} else := {}

tls_entries := array_at(spec, "tls")

tls_hosts contains lower(h) if {
	some entry in tls_entries
	some h in array_at(entry, "hosts")
	is_string(h)
}

uncovered_hosts contains host if {
	applies
	some rule in array_at(spec, "rules")
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

# array_at returns obj[key] when it is an array, and [] when it is missing, null
# or of the wrong type, so malformed objects never make a rule undefined.
array_at(obj, key) := v if {
	v := obj[key]
	is_array(v)
} else := []

name := n if {
	n := input.request.object.metadata.name
	is_string(n)
	n != ""
} else := n if {
	n := input.request.name
	is_string(n)
	n != ""
} else := "<unnamed>"

namespace := ns if {
	ns := input.request.namespace
	is_string(ns)
	ns != ""
} else := ns if {
	ns := input.request.object.metadata.namespace
	is_string(ns)
	ns != ""
} else := "default"
