# METADATA
# title: Ingress must not claim wildcard or catch-all hosts
# description: >-
#   A rule without a host, a host starting with "*", or an Ingress that has only
#   spec.defaultBackend and no rules answers for hostnames its owner does not
#   control and can capture other teams' traffic. Namespaces listed in
#   data.apiguard.config.ingress.allowWildcardNamespaces are exempt.
# custom:
#   kinds: [Ingress]
#   severity: high
#   remediation: >-
#     Set every spec.rules[].host to an explicit hostname, or ask for the
#     namespace to be added to apiguard.config.ingress.allowWildcardNamespaces.
package ingress.no_wildcard_host

deny contains msg if {
	applies
	some i, rule in rules
	not has_host(rule)
	msg := sprintf(
		"Ingress %s/%s: spec.rules[%d] has no host, so it matches every hostname; set host to an explicit hostname such as app.example.com",
		[namespace, name, i],
	)
}

deny contains msg if {
	applies
	some i, rule in rules
	has_host(rule)
	startswith(rule.host, "*")
	msg := sprintf(
		"Ingress %s/%s: spec.rules[%d].host %q is a wildcard; list each explicit hostname instead",
		[namespace, name, i, rule.host],
	)
}

deny contains msg if {
	applies
	count(rules) == 0
	is_object(spec.defaultBackend)
	msg := sprintf(
		"Ingress %s/%s: has spec.defaultBackend and no rules, so it catches every hostname; replace it with spec.rules entries with explicit hosts",
		[namespace, name],
	)
}

# Only writes of networking.k8s.io Ingresses outside exempt namespaces are
# checked. On DELETE the object is null and there is nothing to block.
applies if {
	input.request.operation != "DELETE"
	input.request.kind.group == "networking.k8s.io"
	input.request.kind.kind == "Ingress"
	is_object(input.request.object)
	not exempt_namespaces[namespace]
}

# Malformed configuration (not an array of strings) falls back to no
# exemptions rather than failing open.
exempt_namespaces contains ns if {
	some ns in data.apiguard.config.ingress.allowWildcardNamespaces
	is_string(ns)
	is_array(data.apiguard.config.ingress.allowWildcardNamespaces)
}

spec := s if {
	s := input.request.object.spec
	is_object(s)
} else := {}

rules := r if {
	r := spec.rules
	is_array(r)
} else := []

has_host(rule) if {
	is_string(rule.host)
	rule.host != ""
}

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
