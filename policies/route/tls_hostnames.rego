# METADATA
# title: TLSRoutes on a public Gateway name explicit SNI hostnames
# description: >-
#   A TLSRoute (gateway.networking.k8s.io/v1) is chosen by the SNI of the TLS
#   ClientHello, matched against spec.hostnames, and a "*." hostname matches
#   every name under it (TLSRouteSpec.Hostnames). Attached to a public parent,
#   a wildcard answers for names its owner may not control, and a route without
#   hostnames (v1 requires at least one; older versions and manifests checked
#   offline may have none) for every name the listener accepts. A parent is
#   public as in httproute.no_wildcard_hostname (lib.gatewayapi): a Gateway in
#   data.apiguard.inventory.gateways whose class is in
#   data.apiguard.config.gateway.publicClasses (every class when that list is
#   not set), a Gateway the inventory does not know, or a parent of another kind
#   (a ListenerSet) that apiguard cannot resolve; a Service parent is mesh
#   routing and is not. Independently of the parent, when
#   data.apiguard.config.ingress.allowedHostSuffixes has an entry for the
#   route's namespace (or "*"), every hostname must be under one of its
#   suffixes (lib.allowed_suffixes).
# custom:
#   kinds: [gateway.networking.k8s.io/TLSRoute]
#   severity: high
#   field: spec.hostnames
#   remediation: >-
#     List each explicit SNI hostname the route serves in spec.hostnames, under a
#     host suffix allowed for the namespace.
package route.tls_hostnames

import data.lib.allowed_suffixes
import data.lib.gatewayapi as gw
import data.lib.kubernetes as k8s

deny contains msg if {
	applies
	count(public_parents) > 0
	count(hostnames) == 0
	msg := sprintf(
		"%s: spec.hostnames is empty, so the route takes every TLS connection whose SNI the listeners of %s accept; list the explicit SNI hostnames it serves in spec.hostnames",
		[k8s.display, parents_text],
	)
}

deny contains msg if {
	applies
	count(public_parents) > 0
	some host in hostnames
	startswith(host, "*")
	msg := sprintf(
		"%s: hostname %q is a wildcard on %s, so the route takes every SNI name under it; list each explicit hostname instead",
		[k8s.display, host, parents_text],
	)
}

deny contains msg if {
	applies
	some host in hostnames
	not allowed_suffixes.allowed(trim_prefix(host, "*."))
	msg := sprintf(
		"%s: hostname %q is not under a host suffix allowed for namespace %q (allowed suffixes: %s); use a hostname under one of them, or have the suffix added to apiguard.config.ingress.allowedHostSuffixes",
		[k8s.display, host, k8s.namespace, allowed_suffixes.text],
	)
}

applies if {
	k8s.is_check
	k8s.group == gw.group
	k8s.kind == "TLSRoute"
}

hostnames contains lower(h) if {
	some h in k8s.array_at(k8s.spec, "hostnames")
	is_string(h)
	h != ""
}

public_parents contains p if {
	some ref in k8s.array_at(k8s.spec, "parentRefs")
	p := gw.parent_publicity(ref)
}

parents_text := concat(", ", sort(public_parents))
