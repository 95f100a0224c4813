# METADATA
# title: An APISIX ApisixRoute must not take over a host served from another namespace
# description: >-
#   The ApisixRoute side of ingress.unique_host, on the one host inventory
#   (data.apiguard.inventory.hosts, across Ingresses, Gateway API routes, Istio
#   VirtualServices, Contour HTTPProxies, IngressRoutes, ApisixRoutes and
#   Emissary Mappings and Hosts). An ApisixRoute serves the hosts of its http
#   routes' match.hosts, and APISIX matches every route of every namespace in
#   one radix tree by host and path (apisix.apache.org/docs/apisix/router-radixtree/),
#   so a more specific path from another namespace takes the owner's traffic
#   on that host. A host another namespace claimed first is denied, unless
#   data.apiguard.config.hosts.shared lists it for both namespaces. "*" and
#   other globs claim nothing ("*.suffix" claims that wildcard). Ages on UPDATE
#   and AUDIT as ingress.unique_host.
# custom:
#   kinds:
#     - apisix.apache.org/ApisixRoute
#   severity: high
#   field: spec.http[].match.hosts
#   remediation: >-
#     Use another host, have the owner of the existing claim remove it first,
#     or list the host for both namespaces in apiguard.config.hosts.shared.
package apisix.unique_host

import data.lib.hosts
import data.lib.kubernetes as k8s

deny contains msg if {
	k8s.is_check
	hosts.is_apisixroute
	some host, owners in hosts.conflicts
	msg := sprintf(
		"%s: host %q (spec.http[].match.hosts) is already served from another namespace by %s; a host belongs to the namespace that claimed it first, and APISIX matches the routes of every namespace in one tree by host and path, so use another host, have that owner remove it, or list it for both namespaces in apiguard.config.hosts.shared",
		[k8s.display, host, concat(", ", owners)],
	)
}
