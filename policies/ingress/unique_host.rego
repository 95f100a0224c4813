# METADATA
# title: Ingress must not take over a host served from another namespace
# description: >-
#   A host belongs to the namespace that claimed it first, whatever the path,
#   path type or regex: ingress controllers merge every rule for a host into
#   one virtual server across namespaces (ingress-nginx: one server block per
#   host; use-regex on one Ingress turns every path of the host into a regex),
#   so any path another namespace adds serves the owner's clients. Ownership is
#   one inventory across kinds, data.apiguard.inventory.hosts: Ingress hosts
#   and HTTPRoute/GRPCRoute hostnames. An Ingress host that an object in
#   another namespace already claims is denied, unless
#   data.apiguard.config.hosts.shared lists the host for both namespaces. On
#   UPDATE a host the Ingress already served is kept unless the other claim is
#   older (creationTimestamp); on AUDIT the younger claim is reported. Hosts
#   compare in lower case without a trailing dot; a wildcard host conflicts
#   only with the same wildcard. Other objects in the same namespace, and
#   claims without a namespace, never conflict. Without an inventory the check
#   passes.
# custom:
#   kinds: [Ingress]
#   severity: high
#   field: spec.rules
#   remediation: >-
#     Use another host, have the owner of the existing claim remove it first,
#     or list the host for both namespaces in apiguard.config.hosts.shared.
package ingress.unique_host

import data.lib.hosts
import data.lib.kubernetes as k8s

deny contains msg if {
	applies
	some host, owners in hosts.conflicts
	msg := sprintf(
		"%s: host %q in spec.rules is already served from another namespace by %s; a host belongs to the namespace that claimed it first, whatever the path, so use another host, have that owner remove it, or list it for both namespaces in apiguard.config.hosts.shared",
		[k8s.display, host, concat(", ", owners)],
	)
}

# Writes and audits of networking.k8s.io Ingresses are judged; a DELETE never is.
applies if {
	k8s.is_check
	hosts.is_ingress
}
