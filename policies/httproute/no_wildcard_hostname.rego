# METADATA
# title: Public routes must name explicit hostnames
# description: >-
#   An HTTPRoute or GRPCRoute (gateway.networking.k8s.io) attached to a public
#   Gateway must list explicit spec.hostnames: an empty or missing list, or a
#   "*." wildcard, answers for hostnames its owner may not control. The route
#   is judged on what it serves through each parent (Gateway API hostname
#   intersection, lib.hosts): a route without hostnames, or with a wildcard,
#   that attaches only to listeners which carry hostnames serves those
#   hostnames, and is judged on them, not as a wildcard. The listeners a
#   parentRef attaches to are the Gateway's (from the inventory; offline,
#   Gateways in the same input count) named by its sectionName and port, that
#   accept the route's kind and namespace. A parent the inventory does not
#   know, or with no listener the route attaches to, keeps the route's own
#   spec.hostnames. A parent is public when data.apiguard.inventory.gateways["<namespace>/<name>"] has a
#   gatewayClassName in data.apiguard.config.gateway.publicClasses (every class
#   is public when that list is not set). A parent missing from the inventory,
#   or of a kind other than Gateway or Service, is treated as public (safe
#   default); Service parents (mesh routing) are not. Independently of the
#   parent, when data.apiguard.config.ingress.allowedHostSuffixes (a map from
#   namespace, or "*" for every namespace, to a list of suffixes) has an entry
#   for the route's namespace (which wins over "*") or for "*", every hostname
#   must be under one of the suffixes, with the matching rules of
#   ingress.allowed_hosts (case-insensitive, on a label boundary; ".example.com"
#   or "*.example.com" means strict subdomains, "example.com" also the domain
#   itself; an empty list allows nothing); without such an entry every hostname
#   is allowed. The suffix check covers spec.hostnames and the listener
#   hostnames the route serves through its parents.
# custom:
#   kinds:
#     - gateway.networking.k8s.io/HTTPRoute
#     - gateway.networking.k8s.io/GRPCRoute
#   severity: high
#   field: spec.hostnames
#   remediation: >-
#     List each explicit hostname the route serves in spec.hostnames, under a
#     host suffix allowed for the namespace.
package httproute.no_wildcard_hostname

import data.lib.allowed_suffixes as suffix_lists
import data.lib.hosts
import data.lib.kubernetes as k8s

gateway_group := "gateway.networking.k8s.io"

deny contains msg if {
	applies
	not explicit_hostnames_only
	unbounded := {desc | some [desc, ref] in public_parent_refs; "" in served_through(ref)}
	count(unbounded) > 0
	msg := sprintf(
		"%s: spec.hostnames is empty, so the route answers for every hostname of %s; list the explicit hostnames it serves in spec.hostnames",
		[k8s.display, concat(", ", sort(unbounded))],
	)
}

deny contains msg if {
	applies
	not explicit_hostnames_only
	some host in public_wildcards
	host in hostnames
	msg := sprintf(
		"%s: hostname %q is a wildcard on %s; list each explicit hostname instead",
		[k8s.display, host, wildcard_parents_text(host)],
	)
}

deny contains msg if {
	applies
	not explicit_hostnames_only
	some host in public_wildcards
	not host in hostnames
	msg := sprintf(
		"%s: through the listeners it attaches to, the route serves the wildcard hostname %q on %s (spec.hostnames is empty or wider); list each explicit hostname in spec.hostnames instead",
		[k8s.display, host, wildcard_parents_text(host)],
	)
}

deny contains msg if {
	applies
	suffixes := allowed_suffixes
	some host in suffix_candidates
	not host_allowed(host, suffixes)
	msg := sprintf(
		"%s: hostname %q is not under a host suffix allowed for namespace %q (allowed suffixes: %s); use a hostname under one of them, or have the suffix added to apiguard.config.ingress.allowedHostSuffixes",
		[k8s.display, host, k8s.namespace, suffixes_text(suffixes)],
	)
}

applies if {
	k8s.is_check
	k8s.group == gateway_group
	k8s.kind in {"HTTPRoute", "GRPCRoute"}
}

hostnames := hosts.declared(k8s.resource)

# --- What the route serves through each parent -----------------------------------

# served_through(ref) is what the route serves through one parent: the
# intersection of its hostnames with the hostnames of the listeners it attaches
# to, when apiguard knows them (lib.hosts.ref_hosts); otherwise its own
# spec.hostnames. "" means every hostname.
served_through(ref) := hosts.ref_hosts(k8s.resource, ref) if {
	[object.get(ref, "group", "gateway.networking.k8s.io"), object.get(ref, "kind", "Gateway")] == ["gateway.networking.k8s.io", "Gateway"]
	hosts.resolved(k8s.resource, ref)
} else := hostnames if {
	count(hostnames) > 0
} else := {""}

# One builtin call per parent tells whether any hostname is a wildcard at all.
public_wildcards contains host if {
	some [_, ref] in public_parent_refs
	served := served_through(ref)
	strings.any_prefix_match(served, "*")
	some host in served
	startswith(host, "*")
}

wildcard_parents_text(host) := concat(", ", sort({desc |
	some [desc, ref] in public_parent_refs
	host in served_through(ref)
}))

# The hostnames the suffix check judges: spec.hostnames and what the route
# serves through its parents.
judged_hostnames := hostnames if {
	explicit_hostnames_only
} else := (hostnames | union({served_through(ref) | some ref in parent_refs})) - {""}

# explicit_hostnames_only holds for the common route: spec.hostnames lists
# explicit names and no wildcard. Through any parent such a route serves a subset
# of its own hostnames (lib.hosts.intersection returns the route's hostname
# unless that is empty or a wildcard), so nothing is unbounded, no wildcard is
# served, and the suffix check judges spec.hostnames alone: the parents need not
# be resolved at all (issue 18).
explicit_hostnames_only if {
	count(hostnames) > 0
	not strings.any_prefix_match(hostnames, "*")
}

# --- Public parents ---------------------------------------------------------

parent_refs := [ref | some ref in k8s.array_at(k8s.spec, "parentRefs"); is_object(ref)]

# A Gateway parent: parentRefs default to group gateway.networking.k8s.io and
# kind Gateway. The test is written inline, as one comparison, and each Gateway
# parent's key is built once (issue 18: every function or rule call costs).
public_parent_refs contains [desc, ref] if {
	some ref in parent_refs
	[object.get(ref, "group", "gateway.networking.k8s.io"), object.get(ref, "kind", "Gateway")] == ["gateway.networking.k8s.io", "Gateway"]
	desc := gateway_publicity(ref_key(ref))
}

public_parent_refs contains [sprintf("%s %s (not resolvable by apiguard, so treated as public)", [object.get(ref, "kind", "Gateway"), ref_key(ref)]), ref] if {
	some ref in parent_refs
	[object.get(ref, "group", "gateway.networking.k8s.io"), object.get(ref, "kind", "Gateway")] != ["gateway.networking.k8s.io", "Gateway"]
	not is_service_ref(ref)
}

# gateway_publicity(key) says why Gateway key is public: it is in the inventory
# with a public class, or it is not in the inventory. Undefined for a known
# Gateway of a class that is not public.
gateway_publicity(key) := sprintf("public Gateway %s", [key]) if {
	gateway := inventory_gateway(key)
	public_class(inventory_class(gateway))
} else := sprintf("Gateway %s (not in apiguard's inventory, so treated as public)", [key]) if {
	not known_gateway(key)
}

# A Service parent is mesh (east-west) routing, not exposure on a Gateway.
is_service_ref(ref) if {
	object.get(ref, "group", gateway_group) in {"", "core"}
	ref.kind == "Service"
}

ref_key(ref) := sprintf("%s/%s", [ref_namespace(ref), ref.name])

ref_namespace(ref) := ns if {
	ns := ref.namespace
	is_string(ns)
	ns != ""
} else := k8s.namespace

inventory_gateway(key) := g if {
	g := data.apiguard.inventory.gateways[key]
	is_object(g)
}

known_gateway(key) if inventory_gateway(key)

inventory_class(gateway) := c if {
	c := gateway.gatewayClassName
	is_string(c)
} else := ""

# A configured list (an array) names the only public classes; without one,
# or with a malformed value, every class is public.
configured_public_classes := c if {
	c := k8s.setting(["gateway", "publicClasses"], null)
	is_array(c)
}

classes_restricted if is_array(configured_public_classes)

public_class(_) if not classes_restricted

public_class(class) if class in configured_public_classes

# --- Allowed host suffixes ------------------------------------------------------

# The suffixes for the route's namespace, read as ingress.allowed_hosts reads
# them (lib.allowed_suffixes, normalised once per revision); undefined when no
# list applies to the namespace.
allowed_suffixes := suffix_lists.suffixes

# suffix_candidates are the judged hostnames not shown, by one builtin call
# each, to end in ".<suffix>" for an allowed suffix (or in a strict ".suffix"):
# only those go through host_allowed's exact rules (issue 18: a function call
# per hostname cost more than the rest of the policy on a route with many).
# A hostname that itself starts with "." may be a strict suffix, which does
# not match itself, so when one does, every hostname is a candidate.
suffix_candidates := judged_hostnames - {h |
	some h in judged_hostnames
	strings.any_suffix_match(h, suffix_tails)
} if {
	not strings.any_prefix_match(judged_hostnames, ".")
} else := judged_hostnames

# A hostname with one of these endings is under an allowed suffix.
suffix_tails := suffix_lists.tails

host_allowed(host, suffixes) if {
	some s in suffixes
	suffix_matches(host, s)
}

# Always on a DNS label boundary, as in ingress.allowed_hosts: ".example.com"
# (or "*.example.com") matches strict subdomains only; "example.com" matches
# the domain itself and its subdomains. Neither matches badexample.com.
suffix_matches(host, suffix) if {
	startswith(suffix, ".")
	endswith(host, suffix)
	host != suffix
}

suffix_matches(host, suffix) if {
	not startswith(suffix, ".")
	host == suffix
}

suffix_matches(host, suffix) if {
	not startswith(suffix, ".")
	endswith(host, concat("", [".", suffix]))
}

suffixes_text(suffixes) := "none" if {
	count(suffixes) == 0
} else := concat(", ", sort(suffixes))
