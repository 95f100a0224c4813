# METADATA
# title: An Emissary Mapping or Host must not take over a host served from another namespace
# description: >-
#   The Emissary side of ingress.unique_host, on the one host inventory
#   (data.apiguard.inventory.hosts, across Ingresses, Gateway API routes, Istio
#   VirtualServices, Contour HTTPProxies, IngressRoutes, ApisixRoutes and
#   Emissary Mappings and Hosts). A Mapping serves its hostname (a DNS glob),
#   or its host when that is an exact match, and Emissary merges the Mappings
#   of every namespace into one route table per host, longest prefix first
#   (getambassador.io/docs/emissary/latest/topics/using/intro-mappings/), so a
#   longer prefix from another namespace takes the owner's traffic; a Host
#   decides the host's TLS and insecure-request policy for every Mapping on
#   it. A host another namespace claimed first is denied, unless
#   data.apiguard.config.hosts.shared lists it for both namespaces. "*" (the
#   default), other globs and host_regex claim nothing ("*.suffix" claims that
#   wildcard). Ages on UPDATE and AUDIT as ingress.unique_host.
# custom:
#   kinds:
#     - getambassador.io/Mapping
#     - getambassador.io/Host
#   severity: high
#   field: spec.hostname
#   remediation: >-
#     Use another host, have the owner of the existing claim remove it first,
#     or list the host for both namespaces in apiguard.config.hosts.shared.
package emissary.unique_host

import data.lib.hosts
import data.lib.kubernetes as k8s

deny contains msg if {
	k8s.is_check
	emissary_kind
	some host, owners in hosts.conflicts
	msg := sprintf(
		"%s: host %q (spec.hostname) is already served from another namespace by %s; a host belongs to the namespace that claimed it first, and Emissary merges the Mappings of every namespace into one route table per host, so use another host, have that owner remove it, or list it for both namespaces in apiguard.config.hosts.shared",
		[k8s.display, host, concat(", ", owners)],
	)
}

emissary_kind if hosts.is_emissary_mapping

emissary_kind if hosts.is_emissary_host
