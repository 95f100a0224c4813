# METADATA
# title: Gateway listeners must not accept routes from every namespace
# description: >-
#   A Gateway (gateway.networking.k8s.io) listener with
#   allowedRoutes.namespaces.from All lets any namespace attach routes and so
#   claim the listener's hostnames and traffic. Gateways in a namespace matching
#   one of the glob patterns in
#   data.apiguard.config.gateway.allowAllRoutesNamespaces (default []) are
#   exempt. One message per listener.
# custom:
#   kinds: [gateway.networking.k8s.io/Gateway]
#   severity: high
#   field: spec.listeners
#   remediation: >-
#     Set allowedRoutes.namespaces.from to Same, or to Selector with a namespace
#     label selector naming the teams allowed to attach routes.
package gateway.restrict_allowed_routes

import data.lib.kubernetes as k8s

deny contains msg if {
	applies
	some i, listener in k8s.array_at(k8s.spec, "listeners")
	listener.allowedRoutes.namespaces.from == "All"
	msg := sprintf(
		"%s: listener %q accepts routes from all namespaces (allowedRoutes.namespaces.from: All); set from: Same, or from: Selector with a selector matching only the namespaces allowed to attach routes",
		[k8s.display, listener_name(listener, i)],
	)
}

applies if {
	k8s.is_check
	k8s.group == "gateway.networking.k8s.io"
	k8s.kind == "Gateway"
	not exempt
}

# Malformed configuration (not an array) exempts nothing; non-string entries
# are skipped.
exempt_patterns contains p if {
	patterns := k8s.setting(["gateway", "allowAllRoutesNamespaces"], [])
	is_array(patterns)
	some p in patterns
	is_string(p)
}

exempt if k8s.namespace_in(exempt_patterns)

listener_name(listener, i) := n if {
	n := listener.name
	is_string(n)
	n != ""
} else := sprintf("spec.listeners[%d]", [i])
