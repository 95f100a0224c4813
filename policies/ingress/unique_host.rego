# METADATA
# title: Ingress must not take over a host and path served from another namespace
# description: >-
#   A host and path pair in spec.rules that an Ingress in another namespace
#   already serves is denied, so one team cannot capture another team's
#   traffic (ingress controllers merge rules for the same host across
#   namespaces). Claims come from data.apiguard.inventory.ingressHosts; without
#   an inventory the check passes. Hosts are compared case-insensitively and
#   literally (a wildcard host only conflicts with the same wildcard). Paths
#   are compared after treating "" as "/" and dropping a trailing "/"; a rule
#   without paths claims "/". Other Ingresses in the same namespace, the
#   object itself, and claims without a namespace never conflict.
# custom:
#   kinds: [Ingress]
#   severity: high
#   field: spec.rules
#   remediation: >-
#     Use another host or path, or have the owner of the existing Ingress
#     remove the claim first.
package ingress.unique_host

import data.lib.kubernetes as k8s

deny contains msg if {
	some [host, path] in conflicts
	owners := sort({sprintf("%s/%s", [c.namespace, object.get(c, "name", "<unnamed>")]) |
		some c in claims(host)
		path in claimed_paths(c)
	})
	msg := sprintf(
		"%s: host %q path %q is already served by Ingress %s in another namespace; use another host or path, or have that Ingress's owner remove it first",
		[k8s.display, host, path, concat(", ", owners)],
	)
}

# Writes and audits of networking.k8s.io Ingresses are judged; a DELETE never is.
applies if {
	k8s.is_check
	k8s.group == "networking.k8s.io"
	k8s.kind == "Ingress"
}

conflicts contains [host, path] if {
	applies
	some [host, path] in own_pairs
	some c in claims(host)
	path in claimed_paths(c)
}

# The host and path pairs this Ingress serves.
own_pairs contains [lower(rule.host), path] if {
	some rule in k8s.array_at(k8s.spec, "rules")
	is_string(rule.host)
	rule.host != ""
	some path in rule_paths(rule)
}

rule_paths(rule) := {normalize(path_of(p)) | some p in k8s.array_at(rule.http, "paths")} if {
	count(k8s.array_at(rule.http, "paths")) > 0
} else := {"/"}

# Claims on host by Ingresses in other namespaces. Malformed entries are
# skipped, and so are claims without a namespace: offline, a manifest without
# one lands wherever it is applied, and may be this very object.
claims(host) := [c |
	some c in entries(host)
	is_object(c)
	is_string(c.namespace)
	c.namespace != ""
	c.namespace != k8s.namespace
]

entries(host) := e if {
	e := data.apiguard.inventory.ingressHosts[host]
	is_array(e)
} else := []

claimed_paths(claim) := {normalize(p) | some p in k8s.array_at(claim, "paths")} if {
	count(k8s.array_at(claim, "paths")) > 0
} else := {"/"}

path_of(p) := p.path if {
	is_string(p.path)
} else := ""

# "" and a missing path mean "/"; "/api/" and "/api" name the same prefix.
normalize(path) := "/" if {
	not is_string(path)
} else := "/" if {
	path in {"", "/"}
} else := trim_suffix(path, "/")
