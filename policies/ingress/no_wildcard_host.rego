# METADATA
# title: Ingress must not claim wildcard or catch-all hosts
# description: >-
#   A rule without a host, a host starting with "*", or an Ingress that has only
#   spec.defaultBackend and no rules answers for hostnames its owner does not
#   control and can capture other teams' traffic. Namespaces matching one of
#   the patterns in data.apiguard.config.ingress.allowWildcardNamespaces
#   (default [], e.g. ["ingress-system", "platform-*"]; "*" and "?" are
#   wildcards) are exempt.
# custom:
#   kinds: [Ingress]
#   severity: high
#   field: spec.rules
#   remediation: >-
#     Set every spec.rules[].host to an explicit hostname, or ask for the
#     namespace to be added to apiguard.config.ingress.allowWildcardNamespaces.
package ingress.no_wildcard_host

import data.lib.kubernetes as k8s

deny contains msg if {
	applies
	some i, rule in rules
	not has_host(rule)
	msg := sprintf(
		"%s: spec.rules[%d] has no host, so it matches every hostname; set host to an explicit hostname such as app.example.com",
		[k8s.display, i],
	)
}

deny contains msg if {
	applies
	some i, rule in rules
	has_host(rule)
	startswith(rule.host, "*")
	msg := sprintf(
		"%s: spec.rules[%d].host %q is a wildcard; list each explicit hostname instead",
		[k8s.display, i, rule.host],
	)
}

deny contains msg if {
	applies
	count(rules) == 0
	is_object(k8s.spec.defaultBackend)
	msg := sprintf(
		"%s: has spec.defaultBackend and no rules, so it catches every hostname; replace it with spec.rules entries with explicit hosts",
		[k8s.display],
	)
}

# Writes and audits of networking.k8s.io Ingresses outside exempt namespaces
# are judged; a DELETE never is.
applies if {
	k8s.is_check
	k8s.group == "networking.k8s.io"
	k8s.kind == "Ingress"
	not k8s.namespace_in(exempt_namespaces)
}

# Malformed configuration (not an array, or non-string entries) exempts
# nothing rather than failing open. Only "*" and "?" wildcards are accepted:
# other glob syntax could be malformed and fail every evaluation.
exempt_namespaces := [ns |
	some ns in configured
	is_string(ns)
	regex.match(`^[a-z0-9*?-]+$`, ns)
] if {
	configured := k8s.setting(["ingress", "allowWildcardNamespaces"], [])
	is_array(configured)
} else := []

rules := k8s.array_at(k8s.spec, "rules")

has_host(rule) if {
	is_string(rule.host)
	rule.host != ""
}
