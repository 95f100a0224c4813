# METADATA
# title: Ingress hosts must use a domain allowed for the namespace
# description: >-
#   Each spec.rules[].host must end with one of the suffixes allowed for the
#   Ingress's namespace in data.apiguard.config.ingress.allowedHostSuffixes, a
#   map from a namespace name, or "*" for every other namespace, to a list of
#   suffixes. A namespace's own entry replaces the "*" entry; a namespace with
#   neither is not restricted (the default, since the map defaults to {}).
#   Matching is case-insensitive and always on a DNS label boundary: a suffix
#   with a leading dot (".example.com", or "*.example.com", which means the
#   same) matches only subdomains such as a.example.com or a.b.example.com; a
#   suffix without one ("example.com") matches example.com itself and its
#   subdomains. Neither matches badexample.com. An entry whose value is not a
#   list is ignored; an empty list allows no host. Rules without a host are
#   left to ingress.no_wildcard_host.
# custom:
#   kinds: [Ingress]
#   severity: high
#   field: spec.rules
#   remediation: >-
#     Use a host under one of the domains allowed for the namespace, or ask the
#     platform team to add the domain to apiguard.config.ingress.allowedHostSuffixes.
package ingress.allowed_hosts

import data.lib.allowed_suffixes as suffix_lists
import data.lib.kubernetes as k8s

deny contains msg if {
	applies
	some host in hosts
	not allowed(host)
	msg := sprintf(
		"%s: host %q is not under a domain allowed for namespace %q (allowed suffixes: %s); use a host ending in one of them, or ask the platform team to add the domain to apiguard.config.ingress.allowedHostSuffixes",
		[k8s.display, host, k8s.namespace, allowed_text],
	)
}

# Writes and audits of networking.k8s.io Ingresses are judged, and only when
# suffixes are configured for the namespace; a DELETE never is.
applies if {
	k8s.is_check
	k8s.group == "networking.k8s.io"
	k8s.kind == "Ingress"
	suffix_lists.suffixes
}

# The namespace's own entry wins over "*"; an entry that is not a list does not
# count as configured, so "*" still applies. Suffixes are normalised to lower
# case without a leading "*" and without a trailing dot; strings that are empty
# after that, and non-strings, are dropped (lib.allowed_suffixes, once per
# revision).
suffixes := suffix_lists.suffixes

hosts contains lower(rule.host) if {
	some rule in k8s.array_at(k8s.spec, "rules")
	is_string(rule.host)
	rule.host != ""
}

# allowed(host) holds when matches(host, s) for some suffix s, read through
# the suffixes split once per evaluation by form, so a host costs a set lookup
# and one endswith per suffix instead of three matches() clauses per suffix.
allowed(host) if host in domain_suffixes

allowed(host) if {
	some tail in domain_tails
	endswith(host, tail)
}

allowed(host) if {
	some s in strict_suffixes
	endswith(host, s)
	host != s
}

strict_suffixes := {s | some s in suffixes; startswith(s, ".")}

domain_suffixes := {s | some s in suffixes; not startswith(s, ".")}

domain_tails := {concat("", [".", s]) | some s in domain_suffixes}

# ".example.com": strict subdomains only.
matches(host, suffix) if {
	startswith(suffix, ".")
	endswith(host, suffix)
	host != suffix
}

# "example.com": the domain itself or any subdomain, on a label boundary.
matches(host, suffix) if {
	not startswith(suffix, ".")
	host == suffix
}

matches(host, suffix) if {
	not startswith(suffix, ".")
	endswith(host, concat("", [".", suffix]))
}

allowed_text := "none" if {
	count(suffixes) == 0
} else := concat(", ", sort(suffixes))
