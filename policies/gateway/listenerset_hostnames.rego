# METADATA
# title: ListenerSet listeners on a public Gateway name explicit hostnames
# description: >-
#   A ListenerSet (gateway.networking.k8s.io/v1, GEP-1713) lets a team in its own
#   namespace add listeners to a shared Gateway; they are merged with the
#   Gateway's and served on its addresses. Its HTTP, HTTPS and TLS listeners
#   match requests by hostname (Host header or SNI), and one without a hostname
#   matches every hostname, so it claims every name of the Gateway's addresses
#   that no more specific listener claims, other teams' included; a "*."
#   wildcard claims a whole domain. On a public parent (a Gateway in
#   data.apiguard.inventory.gateways whose class is in
#   data.apiguard.config.gateway.publicClasses, every class when that list is not
#   set; a parent the inventory does not know, or that is not a Gateway, is
#   treated as public), such a listener is denied. Independently of the parent,
#   when data.apiguard.config.ingress.allowedHostSuffixes has an entry for the
#   ListenerSet's namespace (or "*"), every listener hostname must be under one
#   of its suffixes (lib.allowed_suffixes). TCP and UDP listeners carry no
#   hostname and are not judged.
# custom:
#   kinds: [gateway.networking.k8s.io/ListenerSet]
#   severity: high
#   field: spec.listeners
#   remediation: >-
#     Give every HTTP, HTTPS and TLS listener of the ListenerSet an explicit
#     hostname under a domain allowed for the namespace.
package gateway.listenerset_hostnames

import data.lib.allowed_suffixes
import data.lib.gatewayapi as gw
import data.lib.kubernetes as k8s

deny contains msg if {
	applies
	parent := gw.parent_publicity(parent_ref)
	some i, listener in k8s.array_at(k8s.spec, "listeners")
	upper(protocol(listener)) in gw.hostname_protocols
	not gw.listener_hostname(listener)
	msg := sprintf(
		"%s: listener %q has no hostname, so on %s it answers for every hostname no other listener claims; set spec.listeners[%d].hostname to the explicit hostname it serves",
		[k8s.display, listener_name(listener, i), parent, i],
	)
}

deny contains msg if {
	applies
	parent := gw.parent_publicity(parent_ref)
	some i, listener in k8s.array_at(k8s.spec, "listeners")
	upper(protocol(listener)) in gw.hostname_protocols
	host := gw.listener_hostname(listener)
	startswith(host, "*")
	msg := sprintf(
		"%s: listener %q hostname %q is a wildcard on %s, so it claims every name under it; set spec.listeners[%d].hostname to the explicit hostname it serves",
		[k8s.display, listener_name(listener, i), host, parent, i],
	)
}

deny contains msg if {
	applies
	some i, listener in k8s.array_at(k8s.spec, "listeners")
	host := gw.listener_hostname(listener)
	not allowed_suffixes.allowed(trim_prefix(host, "*."))
	msg := sprintf(
		"%s: listener %q hostname %q is not under a host suffix allowed for namespace %q (allowed suffixes: %s); use a hostname under one of them, or have the suffix added to apiguard.config.ingress.allowedHostSuffixes",
		[k8s.display, listener_name(listener, i), host, k8s.namespace, allowed_suffixes.text],
	)
}

applies if {
	k8s.is_check
	k8s.group == gw.group
	k8s.kind == "ListenerSet"
}

parent_ref := p if {
	p := k8s.spec.parentRef
	is_object(p)
} else := {"name": ""}

protocol(listener) := p if {
	p := listener.protocol
	is_string(p)
} else := ""

listener_name(listener, i) := n if {
	n := listener.name
	is_string(n)
	n != ""
} else := sprintf("spec.listeners[%d]", [i])
