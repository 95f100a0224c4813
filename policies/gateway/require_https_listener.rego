# METADATA
# title: Public Gateways serve HTTP traffic only over HTTPS
# description: >-
#   On a Gateway or a ListenerSet (gateway.networking.k8s.io) every HTTPS or TLS
#   listener needs tls.certificateRefs, unless tls.mode is Passthrough (denied
#   otherwise, for every GatewayClass). On a public Gateway (its
#   spec.gatewayClassName is in data.apiguard.config.gateway.publicClasses;
#   every class is public when that list is not set), each plain-HTTP listener is
#   warned about: the routes attached to it must only redirect to HTTPS. A
#   ListenerSet's listeners are served by its parent Gateway (GEP-1713), so its
#   class is the parent's, read from data.apiguard.inventory.gateways; a parent
#   the inventory does not know, or a parentRef that is not a Gateway, is
#   treated as public. An HTTPRoute is denied when one of its parentRefs selects
#   a plain-HTTP listener of a public Gateway known to
#   data.apiguard.inventory.gateways and one of its rules is not redirect-only
#   (a redirect-only rule has exactly one filter, of type RequestRedirect with
#   scheme https, and no backendRefs). A parentRef selects a listener by
#   sectionName, by port, or, with neither, every listener whose hostname
#   intersects the route's hostnames. Gateways missing from the inventory, and
#   ListenerSet parents (not in the inventory), are not judged from the route
#   side.
# custom:
#   kinds:
#     - gateway.networking.k8s.io/Gateway
#     - gateway.networking.k8s.io/ListenerSet
#     - gateway.networking.k8s.io/HTTPRoute
#   severity: high
#   field: spec.listeners
#   remediation: >-
#     Give HTTPS/TLS listeners tls.certificateRefs; attach application routes to
#     HTTPS listeners with parentRefs[].sectionName, and attach to HTTP listeners
#     only routes whose rules redirect to scheme https.
package gateway.require_https_listener

import data.lib.gatewayapi as gw
import data.lib.kubernetes as k8s

# --- Gateway --------------------------------------------------------------

# Cost (issue 18): a Gateway may carry a hundred listeners, and in OPA's
# evaluator a user function call costs several times a builtin. So one walk
# (all_terminate_tls) settles the common case, where neither rule can fire; the
# per-listener checks are written inline; and public_scope is only read once a
# plain-HTTP listener is found.
deny contains msg if {
	k8s.kind in {"Gateway", "ListenerSet"}
	k8s.group == "gateway.networking.k8s.io"
	k8s.is_check
	not all_terminate_tls
	listeners := k8s.spec.listeners
	is_array(listeners)
	some i, listener in listeners
	p := listener.protocol
	is_string(p)
	upper(p) in {"HTTPS", "TLS"}
	not listener.tls.mode == "Passthrough"

	# A certificate: tls.certificateRefs is a non-empty array. Entry 0 is
	# defined only then, and compares equal to itself whatever it holds.
	not listener.tls.certificateRefs[0] == listener.tls.certificateRefs[0]
	msg := sprintf(
		"%s: listener %q (protocol %s) has no tls.certificateRefs, so it cannot terminate TLS; add tls.certificateRefs referencing a kubernetes.io/tls Secret",
		[k8s.display, listener_name(listener, i), p],
	)
}

warn contains msg if {
	k8s.kind in {"Gateway", "ListenerSet"}
	k8s.group == "gateway.networking.k8s.io"
	k8s.is_check
	not all_terminate_tls
	listeners := k8s.spec.listeners
	is_array(listeners)
	some i, listener in listeners
	p := listener.protocol
	is_string(p)
	upper(p) == "HTTP"
	some where in public_scope
	msg := sprintf(
		"%s: listener %q accepts plain HTTP on %s; make sure every route attached to it only redirects to HTTPS (a single RequestRedirect filter with scheme: https and no backendRefs), or remove the listener",
		[k8s.display, listener_name(listener, i), where],
	)
}

# all_terminate_tls holds when every listener's protocol is HTTPS or TLS,
# spelled exactly so, with a non-empty tls.certificateRefs array: such a
# listener is neither plain HTTP nor missing a certificate, so neither rule
# above can fire. Any other listener (another protocol, another spelling, no
# certificates) leaves it undefined, and the exact checks run.
all_terminate_tls if {
	listeners := k8s.spec.listeners
	is_array(listeners)
	terminating := [i |
		some i, listener in listeners
		listener.protocol in {"HTTPS", "TLS"}
		refs := listener.tls.certificateRefs
		is_array(refs)
		refs != []
	]
	count(terminating) == count(listeners)
}

# public_scope names the public class the listeners are served on; empty when
# the class is not public.
public_scope contains sprintf("public GatewayClass %q", [gateway_class]) if {
	k8s.kind == "Gateway"
	public_class(gateway_class)
}

public_scope contains where if {
	k8s.kind == "ListenerSet"
	where := gw.parent_publicity(listenerset_parent)
}

# spec.parentRef of a ListenerSet; kind and group default to Gateway.
listenerset_parent := p if {
	p := k8s.spec.parentRef
	is_object(p)
} else := {"name": ""}

gateway_class := c if {
	c := k8s.spec.gatewayClassName
	is_string(c)
} else := ""

protocol(listener) := p if {
	p := listener.protocol
	is_string(p)
} else := ""

is_http(listener) if upper(protocol(listener)) == "HTTP"

# certificateRefs counts only as an array (a malformed value is no certificate).
has_certificates(listener) if {
	refs := listener.tls.certificateRefs
	is_array(refs)
	count(refs) > 0
}

listener_name(listener, i) := n if {
	n := listener.name
	is_string(n)
	n != ""
} else := sprintf("spec.listeners[%d]", [i])

# --- Public GatewayClasses --------------------------------------------------

# A configured list (an array) names the only public classes; without one,
# or with a malformed value, every class is public.
configured_public_classes := c if {
	c := k8s.setting(["gateway", "publicClasses"], null)
	is_array(c)
}

classes_restricted if is_array(configured_public_classes)

public_class(_) if not classes_restricted

public_class(class) if class in configured_public_classes

# --- HTTPRoute ----------------------------------------------------------------

# The route's rules are read (and their locations formatted) only once a
# parentRef is found to select a plain-HTTP listener of a public Gateway: most
# routes attach to HTTPS listeners or to Gateways the inventory does not know.
deny contains msg if {
	k8s.kind == "HTTPRoute"
	k8s.group == "gateway.networking.k8s.io"
	k8s.is_check
	parent_refs := k8s.spec.parentRefs
	is_array(parent_refs)
	some i, ref in parent_refs

	# parentRefs default to group gateway.networking.k8s.io and kind Gateway.
	object.get(ref, "group", "gateway.networking.k8s.io") == "gateway.networking.k8s.io"
	object.get(ref, "kind", "Gateway") == "Gateway"
	key := gateway_key(ref)
	gateway := data.apiguard.inventory.gateways[key]
	is_object(gateway)
	some listener in k8s.array_at(gateway, "listeners")
	is_http(listener)
	public_class(inventory_class(gateway))
	selects(ref, listener)
	hostname_attaches(listener)
	count(serving_rules) > 0
	msg := sprintf(
		"%s: spec.parentRefs[%d] attaches to plain-HTTP listener %q of public Gateway %s, and %s forward traffic instead of redirecting to HTTPS; set parentRefs[%d].sectionName to an HTTPS listener, or make every rule redirect-only (a single RequestRedirect filter with scheme: https and no backendRefs)",
		[k8s.display, i, object.get(listener, "name", ""), key, concat(", ", serving_rules), i],
	)
}

# Without spec.rules the API server defaults one catch-all rule, which serves.
rules := r if {
	r := k8s.spec.rules
	is_array(r)
} else := [{"matches": [{"path": {"type": "PathPrefix", "value": "/"}}]}]

serving_rules contains sprintf("spec.rules[%d]", [i]) if {
	some i, rule in rules
	not redirect_only(rule)
}

redirect_only(rule) if {
	filters := k8s.array_at(rule, "filters")
	count(filters) == 1
	filters[0].type == "RequestRedirect"
	filters[0].requestRedirect.scheme == "https"
	count(k8s.array_at(rule, "backendRefs")) == 0
}

gateway_key(ref) := sprintf("%s/%s", [ref_namespace(ref), ref.name])

ref_namespace(ref) := ns if {
	ns := ref.namespace
	is_string(ns)
	ns != ""
} else := k8s.namespace

inventory_class(gateway) := c if {
	c := gateway.gatewayClassName
	is_string(c)
} else := ""

selects(ref, listener) if {
	section_selects(ref, listener)
	port_selects(ref, listener)
}

section_selects(ref, _) if not has_section(ref)

section_selects(ref, listener) if listener.name == ref.sectionName

has_section(ref) if {
	is_string(ref.sectionName)
	ref.sectionName != ""
}

port_selects(ref, _) if not has_port(ref)

port_selects(ref, listener) if listener.port == ref.port

has_port(ref) if is_number(ref.port)

# A route attaches to a listener only when their hostnames intersect; a
# missing hostname on either side matches everything.
route_hostnames contains lower(h) if {
	some h in k8s.array_at(k8s.spec, "hostnames")
	is_string(h)
	h != ""
}

has_listener_hostname(listener) if {
	is_string(listener.hostname)
	listener.hostname != ""
}

hostname_attaches(listener) if not has_listener_hostname(listener)

hostname_attaches(_) if count(route_hostnames) == 0

hostname_attaches(listener) if {
	some h in route_hostnames
	hostnames_intersect(h, lower(listener.hostname))
}

hostnames_intersect(a, b) if a == b

hostnames_intersect(a, b) if {
	startswith(a, "*.")
	endswith(b, substring(a, 1, -1))
}

hostnames_intersect(a, b) if {
	startswith(b, "*.")
	endswith(a, substring(b, 1, -1))
}
