# METADATA
# title: An Istio VirtualService must not take over a host served from another namespace
# description: >-
#   The VirtualService side of ingress.unique_host, on the same inventory
#   (data.apiguard.inventory.hosts, one across Ingress, Gateway API routes,
#   VirtualServices and Contour HTTPProxies). A VirtualService bound to a
#   gateway (spec.gateways naming anything but "mesh") serves its spec.hosts at
#   that gateway, and Istio merges the routes of every VirtualService for one
#   host on one gateway (istio.io/latest/docs/ops/best-practices/traffic-management/,
#   "Split large virtual services": rules of several VirtualServices for the
#   same host are merged, in no defined order), so one extra path from another
#   namespace serves that namespace's backend under the owner's host. A host
#   another namespace claimed first is denied, unless
#   data.apiguard.config.hosts.shared lists it for both namespaces. Mesh-only
#   VirtualServices (no gateways, or only "mesh"), "*" (judged by
#   istio.virtualservice_no_wildcard_host) and short names (a Service of the
#   VirtualService's own namespace) claim no host. On UPDATE a host it already
#   served is kept unless the other claim is older (creationTimestamp); on
#   AUDIT the younger claim is reported.
# custom:
#   kinds:
#     - networking.istio.io/VirtualService
#   severity: high
#   field: spec.hosts
#   remediation: >-
#     Use another host, have the owner of the existing claim remove it first,
#     or list the host for both namespaces in apiguard.config.hosts.shared.
package istio.unique_host

import data.lib.hosts
import data.lib.kubernetes as k8s

deny contains msg if {
	k8s.is_check
	hosts.is_virtualservice
	some host, owners in hosts.conflicts
	msg := sprintf(
		"%s: host %q in spec.hosts is already served from another namespace by %s; a host belongs to the namespace that claimed it first, and Istio merges the routes of every VirtualService for a host on a gateway, so use another host, have that owner remove it, or list it for both namespaces in apiguard.config.hosts.shared",
		[k8s.display, host, concat(", ", owners)],
	)
}
