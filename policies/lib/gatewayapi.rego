# METADATA
# title: Gateway API semantics shared by the gateway and route policies
# description: >-
#   How Gateway API (sigs.k8s.io/gateway-api apis/v1) reads the fields several
#   policies judge: who may attach through a namespaces block (allowedRoutes and
#   allowedListeners: from All, Same, None or Selector), how a parentRef names its
#   parent (group and kind default to gateway.networking.k8s.io and Gateway, the
#   namespace to the referrer's), which parents the inventory knows, and which
#   GatewayClasses are public (data.apiguard.config.gateway.publicClasses; every
#   class when that list is not set). Not a policy: it defines no deny,
#   violation, warn or patch rule.
package lib.gatewayapi

import data.lib.kubernetes as k8s
import data.lib.selector

group := "gateway.networking.k8s.io"

# --- Who may attach ---------------------------------------------------------

# open_to_all_namespaces(ns) describes how a namespaces block (a listener's
# allowedRoutes.namespaces, a Gateway's allowedListeners.namespaces) lets every
# namespace attach; it is undefined when it does not. FromNamespaces (apis/v1
# gateway_types.go): All admits every namespace; Selector admits the namespaces
# the label selector selects, so a selector every namespace matches is All by
# another name. The Selector field "must be specified" with from: Selector but no
# CEL rule enforces it, and implementations differ on a missing one (some match
# nothing, some every namespace), so a missing selector fails safe as All.
open_to_all_namespaces(ns) := "from: All" if {
	ns.from == "All"
} else := "from: Selector without a selector, which implementations may read as every namespace" if {
	ns.from == "Selector"
	not has_selector(ns)
} else := sprintf("from: Selector with a selector every namespace matches (%s)", [json.marshal(ns.selector)]) if {
	ns.from == "Selector"
	selector.selects_all_namespaces(ns.selector)
}

has_selector(ns) if is_object(ns.selector)

# --- Parent references ------------------------------------------------------

# is_gateway_ref holds for a reference to a Gateway: group and kind default to
# gateway.networking.k8s.io and Gateway (ParentReference, ParentGatewayReference).
is_gateway_ref(ref) if {
	object.get(ref, "group", group) == group
	object.get(ref, "kind", "Gateway") == "Gateway"
}

# is_service_ref holds for a Service parent: mesh (east-west) routing (GEP-1426).
is_service_ref(ref) if {
	object.get(ref, "group", group) in {"", "core"}
	ref.kind == "Service"
}

ref_namespace(ref) := ns if {
	ns := ref.namespace
	is_string(ns)
	ns != ""
} else := k8s.namespace

ref_key(ref) := sprintf("%s/%s", [ref_namespace(ref), ref.name])

ref_kind(ref) := object.get(ref, "kind", "Gateway")

# inventory_gateway(key) is the inventory's projection of Gateway "<namespace>/<name>".
inventory_gateway(key) := g if {
	g := data.apiguard.inventory.gateways[key]
	is_object(g)
}

inventory_class(gateway) := c if {
	c := gateway.gatewayClassName
	is_string(c)
} else := ""

# parent_publicity(ref) describes why the parent ref names is public, and is
# undefined when it is not: a Gateway the inventory knows, of a public class; a
# Gateway it does not know (treated as public: it cannot be shown private); and any
# other parent but a Service (a ListenerSet, or an implementation's own kind),
# which apiguard cannot resolve to a class, so is treated as public too.
parent_publicity(ref) := sprintf("public Gateway %s (GatewayClass %q)", [ref_key(ref), c]) if {
	is_gateway_ref(ref)
	g := inventory_gateway(ref_key(ref))
	c := inventory_class(g)
	public_class(c)
} else := sprintf("Gateway %s (not in apiguard's inventory, so treated as public)", [ref_key(ref)]) if {
	is_gateway_ref(ref)
	not inventory_gateway(ref_key(ref))
} else := sprintf("%s %s (its class cannot be resolved by apiguard, so treated as public)", [ref_kind(ref), ref_key(ref)]) if {
	not is_gateway_ref(ref)
	not is_service_ref(ref)
}

# --- Public GatewayClasses --------------------------------------------------

# A configured list (an array) names the only public classes; without one, or with
# a malformed value, every class is public.
configured_public_classes := c if {
	c := k8s.setting(["gateway", "publicClasses"], null)
	is_array(c)
}

classes_restricted if is_array(configured_public_classes)

public_class(_) if not classes_restricted

public_class(class) if class in configured_public_classes

# --- Listener hostnames -----------------------------------------------------

# hostname_protocols are the standard protocols whose listeners match a hostname
# (Listener.Hostname: TLS against the SNI, HTTP and HTTPS against the Host header);
# TCP and UDP listeners may not set one (a CEL rule on spec.listeners).
hostname_protocols := {"HTTP", "HTTPS", "TLS"}

listener_hostname(listener) := h if {
	h := listener.hostname
	is_string(h)
	h != ""
}

# --- Route backends -----------------------------------------------------------

# route_backend_refs are the backend references of the route under review, read
# in one walk that policies share (issue 18): spec.rules[].backendRefs[], and the
# backendRef of RequestMirror filters on rules and on backendRefs. It checks no
# types (a malformed collection is iterated whatever it holds), so it may hold
# more than the exact walks policies make for their messages: it is for cheap
# tests that must miss nothing, such as "any backend in another namespace?".
route_backend_refs := array.concat(
	array.concat(
		[ref | ref := k8s.spec.rules[_].backendRefs[_]],
		[ref | ref := k8s.spec.rules[_].filters[_].requestMirror.backendRef],
	),
	[ref | ref := k8s.spec.rules[_].backendRefs[_].filters[_].requestMirror.backendRef],
)
