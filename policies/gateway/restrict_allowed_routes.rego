# METADATA
# title: Gateway listeners must not accept routes from every namespace
# description: >-
#   A listener of a Gateway or a ListenerSet (gateway.networking.k8s.io) whose
#   allowedRoutes.namespaces lets every namespace attach routes lets any
#   namespace claim the listener's hostnames and traffic. That is from: All, and
#   also from: Selector with a selector every namespace matches (an empty
#   selector, only NotIn or DoesNotExist terms, Exists on
#   kubernetes.io/metadata.name: lib.selector) or with no selector at all, which
#   implementations read differently (lib.gatewayapi). Objects in a namespace
#   matching one of the glob patterns in
#   data.apiguard.config.gateway.allowAllRoutesNamespaces (default []) are
#   exempt. One message per listener.
# custom:
#   kinds:
#     - gateway.networking.k8s.io/Gateway
#     - gateway.networking.k8s.io/ListenerSet
#   severity: high
#   field: spec.listeners
#   remediation: >-
#     Set allowedRoutes.namespaces.from to Same, or to Selector with a namespace
#     label selector naming the teams allowed to attach routes (matchLabels, or
#     In / Exists terms on a label only those namespaces carry).
package gateway.restrict_allowed_routes

import data.lib.gatewayapi as gw
import data.lib.kubernetes as k8s

# Only from: All and from: Selector can open a listener to every namespace
# (lib.gatewayapi), so that cheap test comes before the helper call, the kind
# test and the listener walk are inline (a rule or function evaluation costs
# several builtins in OPA), and the namespace exemption (configuration and glob
# matching) is read only for a listener found open (issue 18).
deny contains msg if {
	k8s.kind in {"Gateway", "ListenerSet"}
	k8s.group == "gateway.networking.k8s.io"
	k8s.is_check
	listeners := k8s.spec.listeners
	is_array(listeners)
	some i, listener in listeners
	namespaces := listener.allowedRoutes.namespaces
	namespaces.from in {"All", "Selector"}
	how := gw.open_to_all_namespaces(namespaces)
	not exempt
	msg := sprintf(
		"%s: listener %q accepts routes from all namespaces (allowedRoutes.namespaces.%s); set from: Same, or from: Selector with a selector matching only the namespaces allowed to attach routes",
		[k8s.display, listener_name(listener, i), how],
	)
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
