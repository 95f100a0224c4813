# METADATA
# title: A Contour HTTPProxy must not take over a host served from another namespace
# description: >-
#   The HTTPProxy side of ingress.unique_host, on the same inventory
#   (data.apiguard.inventory.hosts, one across Ingress, Gateway API routes,
#   Istio VirtualServices and HTTPProxies). A root HTTPProxy serves
#   spec.virtualhost.fqdn. When two root HTTPProxies name the same fqdn,
#   Contour marks both invalid and serves neither (projectcontour/contour
#   internal/dag/httpproxy_processor.go: condition DuplicateVhost, "fqdn ... is
#   used in multiple HTTPProxies"), so a second claim from another namespace
#   takes the owner's host offline; next to an Ingress or route for the same
#   host it splits one host between two teams. A host another namespace
#   claimed first is denied, unless data.apiguard.config.hosts.shared lists it
#   for both namespaces (then use Contour's includes to delegate paths
#   instead). Included HTTPProxies (no virtualhost) claim nothing. On UPDATE a
#   host it already served is kept unless the other claim is older
#   (creationTimestamp); on AUDIT the younger claim is reported.
# custom:
#   kinds:
#     - projectcontour.io/HTTPProxy
#   severity: high
#   field: spec.virtualhost.fqdn
#   remediation: >-
#     Use another fqdn, or have the owner of the host include this HTTPProxy
#     from its root (spec.includes) to delegate a path, or list the host for
#     both namespaces in apiguard.config.hosts.shared.
package contour.unique_fqdn

import data.lib.hosts
import data.lib.kubernetes as k8s

deny contains msg if {
	k8s.is_check
	hosts.is_httpproxy
	some host, owners in hosts.conflicts
	msg := sprintf(
		"%s: spec.virtualhost.fqdn %q is already served from another namespace by %s; Contour serves neither of two root HTTPProxies with one fqdn, and a host belongs to the namespace that claimed it first, so use another fqdn, have its owner include this HTTPProxy from its root (spec.includes), or list the host for both namespaces in apiguard.config.hosts.shared",
		[k8s.display, host, concat(", ", owners)],
	)
}
