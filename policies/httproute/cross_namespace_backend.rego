# METADATA
# title: Cross-namespace route backends need a ReferenceGrant
# description: >-
#   An HTTPRoute or GRPCRoute (gateway.networking.k8s.io) that sends traffic to
#   a backend in another namespace (spec.rules[].backendRefs[], and the
#   backendRef of RequestMirror filters on rules and on backendRefs) needs a
#   ReferenceGrant in the backend's namespace. A grant matches when one of its
#   from entries has group gateway.networking.k8s.io, the route's kind and the
#   route's namespace, and one of its to entries has the backend's group ("" for
#   core), kind (default Service) and an empty name or the backend's name.
#   Grants are read from data.apiguard.inventory.referenceGrants["<backend
#   namespace>"]. When that section is present and complete (the webhook), a
#   reference no grant allows is denied; when it is absent or marked partial
#   (data.apiguard.inventory.partial.referenceGrants: the offline CLI, which
#   sees only the grants in its input), a reference no grant there allows is
#   warned about. One message per reference.
# custom:
#   kinds:
#     - gateway.networking.k8s.io/HTTPRoute
#     - gateway.networking.k8s.io/GRPCRoute
#   severity: medium
#   field: spec.rules
#   remediation: >-
#     Use a backend in the route's namespace, or have the backend namespace's
#     owners create a ReferenceGrant that allows this route kind from this
#     namespace to the backend.
package httproute.cross_namespace_backend

import data.lib.gatewayapi as gw
import data.lib.kubernetes as k8s

gateway_group := "gateway.networking.k8s.io"

deny contains msg if {
	applies
	some_cross_namespace
	grants_known
	some [where, ref] in cross_namespace_refs
	not granted(ref)
	msg := sprintf(
		"%s: %s points to %s in namespace %q, and no ReferenceGrant in that namespace allows it; use a backend in namespace %q, or have a ReferenceGrant created in %q with %s",
		[k8s.display, where, backend_text(ref), ref.namespace, k8s.namespace, ref.namespace, grant_text(ref)],
	)
}

warn contains msg if {
	applies
	some_cross_namespace
	not grants_known
	some [where, ref] in cross_namespace_refs
	not granted(ref)
	msg := sprintf(
		"%s: %s points to %s in namespace %q; ReferenceGrants cannot be checked here, so make sure a ReferenceGrant in %q has %s, or the reference is refused",
		[k8s.display, where, backend_text(ref), ref.namespace, ref.namespace, grant_text(ref)],
	)
}

# Cost (issue 18): one cheap pass over every backend (lib.gatewayapi's walk,
# shared with route.no_sensitive_backend) finds whether any names another
# namespace; only then are locations formatted (backend_refs).
some_cross_namespace if {
	some ref in gw.route_backend_refs
	ns := ref.namespace
	is_string(ns)
	ns != ""
	ns != k8s.namespace
}

applies if {
	k8s.is_check
	k8s.group == gateway_group
	k8s.kind in {"HTTPRoute", "GRPCRoute"}
}

# The section is complete only where the cluster's grants are known: the
# webhook holds it (possibly empty). Offline it is absent, or holds the grants
# of the input marked partial, unless --data supplies the cluster's.
grants_known if {
	is_object(data.apiguard.inventory.referenceGrants)
	not data.apiguard.inventory.partial.referenceGrants
}

rules := k8s.array_at(k8s.spec, "rules")

backend_refs contains [sprintf("spec.rules[%d].backendRefs[%d]", [i, j]), ref] if {
	some i, rule in rules
	some j, ref in k8s.array_at(rule, "backendRefs")
}

backend_refs contains [sprintf("spec.rules[%d].filters[%d].requestMirror.backendRef", [i, k]), ref] if {
	some i, rule in rules
	some k, filter in k8s.array_at(rule, "filters")
	ref := filter.requestMirror.backendRef
}

backend_refs contains [sprintf("spec.rules[%d].backendRefs[%d].filters[%d].requestMirror.backendRef", [i, j, k]), ref] if {
	some i, rule in rules
	some j, backend in k8s.array_at(rule, "backendRefs")
	some k, filter in k8s.array_at(backend, "filters")
	ref := filter.requestMirror.backendRef
}

cross_namespace_refs contains [where, ref] if {
	some [where, ref] in backend_refs
	is_object(ref)
	is_string(ref.namespace)
	ref.namespace != ""
	ref.namespace != k8s.namespace
}

# backendRefs default to the core group and kind Service.
backend_group(ref) := object.get(ref, "group", "")

backend_kind(ref) := object.get(ref, "kind", "Service")

granted(ref) if {
	some grant in data.apiguard.inventory.referenceGrants[ref.namespace]
	some from in k8s.array_at(grant, "from")
	object.get(from, "group", "") == gateway_group
	from.kind == k8s.kind
	from.namespace == k8s.namespace
	some to in k8s.array_at(grant, "to")
	object.get(to, "group", "") == backend_group(ref)
	to.kind == backend_kind(ref)
	grant_name_matches(to, ref)
}

grant_name_matches(to, _) if object.get(to, "name", "") == ""

grant_name_matches(to, ref) if to.name == ref.name

backend_text(ref) := sprintf("%s %q", [backend_kind(ref), object.get(ref, "name", "")])

grant_text(ref) := sprintf(
	"from {group: %s, kind: %s, namespace: %s} and to {group: %q, kind: %s, name: %s}",
	[gateway_group, k8s.kind, k8s.namespace, backend_group(ref), backend_kind(ref), object.get(ref, "name", "")],
)
