# METADATA
# title: Routes must not take over a host served from another namespace
# description: >-
#   The route-side half of ingress.unique_host, on the same inventory
#   (data.apiguard.inventory.hosts, one across Ingress, HTTPRoute and
#   GRPCRoute): a host belongs to the namespace that claimed it first, whatever
#   the path or match. A route is judged on the hosts it serves: its
#   spec.hostnames, and the hostnames of the Gateway listeners it attaches to
#   when those narrow them (a route without hostnames on a listener for
#   "shop.example.com" serves "shop.example.com"; Gateway API hostname
#   intersection). A served host that an object in another namespace already
#   claims is denied, unless data.apiguard.config.hosts.shared lists it for
#   both namespaces. On UPDATE a host the route already served is kept unless
#   the other claim is older (creationTimestamp); on AUDIT the younger claim
#   is reported. Only spec.hostnames are claims: routes that serve a listener's
#   hostname without naming it share what the Gateway's owner delegated to
#   them, and do not conflict with each other.
# custom:
#   kinds:
#     - gateway.networking.k8s.io/HTTPRoute
#     - gateway.networking.k8s.io/GRPCRoute
#   severity: high
#   field: spec.hostnames
#   remediation: >-
#     Use another hostname, have the owner of the existing claim remove it
#     first, or list the host for both namespaces in
#     apiguard.config.hosts.shared.
package httproute.unique_hostname

import data.lib.hosts
import data.lib.kubernetes as k8s

deny contains msg if {
	applies
	some host, owners in hosts.conflicts
	msg := sprintf(
		"%s: hostname %q (%s) is already served from another namespace by %s; a host belongs to the namespace that claimed it first, whatever the path, so use another hostname, have that owner remove it, or list it for both namespaces in apiguard.config.hosts.shared",
		[k8s.display, host, origin(host), concat(", ", owners)],
	)
}

applies if {
	k8s.is_check
	hosts.is_route
}

origin(host) := "in spec.hostnames" if {
	host in hosts.declared(k8s.resource)
} else := "served through the hostname of a Gateway listener it attaches to"
