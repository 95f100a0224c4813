# METADATA
# title: A Traefik IngressRoute must not take over a host served from another namespace
# description: >-
#   The IngressRoute side of ingress.unique_host, on the one host inventory
#   (data.apiguard.inventory.hosts, across Ingresses, Gateway API routes, Istio
#   VirtualServices, Contour HTTPProxies, IngressRoutes, ApisixRoutes and
#   Emissary Mappings and Hosts). An IngressRoute serves the hosts its routes'
#   rules match with Host(...) in any case, or v2's HostHeader (Traefik's rule syntax,
#   doc.traefik.io/traefik/routing/routers/; the request host compares
#   case-insensitively), and Traefik sends a request to the matching router
#   with the highest priority (by default the longest rule), whatever its
#   namespace, so one route with a longer rule from another namespace takes
#   the owner's traffic. A host another namespace claimed first is denied,
#   unless data.apiguard.config.hosts.shared lists it for both namespaces.
#   HostRegexp, HostSNI (IngressRouteTCP) and negated Host matchers claim
#   nothing; a rule without any Host matcher is judged by
#   traefik.ingressroute_catch_all. Ages on UPDATE and AUDIT as ingress.unique_host.
# custom:
#   kinds:
#     - traefik.io/IngressRoute
#   severity: high
#   field: spec.routes[].match
#   remediation: >-
#     Use another host, have the owner of the existing claim remove it first,
#     or list the host for both namespaces in apiguard.config.hosts.shared.
package traefik.unique_host

import data.lib.hosts
import data.lib.kubernetes as k8s

deny contains msg if {
	k8s.is_check
	hosts.is_ingressroute
	some host, owners in hosts.conflicts
	msg := sprintf(
		"%s: host %q (a Host matcher of spec.routes[].match) is already served from another namespace by %s; a host belongs to the namespace that claimed it first, and Traefik sends a request to the matching router with the highest priority, whatever its namespace, so use another host, have that owner remove it, or list it for both namespaces in apiguard.config.hosts.shared",
		[k8s.display, host, concat(", ", owners)],
	)
}
