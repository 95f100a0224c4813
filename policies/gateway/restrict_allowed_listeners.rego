# METADATA
# title: Gateways must not accept ListenerSets from every namespace
# description: >-
#   A Gateway's spec.allowedListeners.namespaces decides which namespaces may
#   attach ListenerSets (gateway.networking.k8s.io/v1, GEP-1713): listeners of
#   their own, with their own hostnames, ports and certificates, merged into the
#   Gateway and served on its addresses. The default is from: None. With from:
#   All, or from: Selector with a selector every namespace matches (empty, only
#   NotIn or DoesNotExist terms, Exists on kubernetes.io/metadata.name) or with
#   no selector, any namespace can open listeners on the Gateway. Denied unless
#   the Gateway's namespace matches one of the glob patterns in
#   data.apiguard.config.gateway.allowAllListenersNamespaces (default []).
# custom:
#   kinds: [gateway.networking.k8s.io/Gateway]
#   severity: high
#   field: spec.allowedListeners
#   remediation: >-
#     Set spec.allowedListeners.namespaces.from to Same or None, or to Selector
#     with a namespace label selector naming the teams allowed to attach
#     ListenerSets.
package gateway.restrict_allowed_listeners

import data.lib.gatewayapi as gw
import data.lib.kubernetes as k8s

# The kind test is inline (a rule evaluation costs several builtins in OPA),
# and the namespace exemption (configuration and glob matching) is read only
# once the block is found open (issue 18).
deny contains msg if {
	k8s.kind == "Gateway"
	k8s.group == "gateway.networking.k8s.io"
	k8s.is_check
	namespaces := k8s.spec.allowedListeners.namespaces
	namespaces.from in {"All", "Selector"}
	how := gw.open_to_all_namespaces(namespaces)
	not exempt
	msg := sprintf(
		"%s: spec.allowedListeners.namespaces lets ListenerSets from every namespace add listeners to this Gateway (%s); set from: Same or None, or from: Selector with a selector matching only the namespaces allowed to attach listeners",
		[k8s.display, how],
	)
}

# Malformed configuration (not an array) exempts nothing; non-string entries
# are skipped.
exempt_patterns contains p if {
	patterns := k8s.setting(["gateway", "allowAllListenersNamespaces"], [])
	is_array(patterns)
	some p in patterns
	is_string(p)
}

exempt if k8s.namespace_in(exempt_patterns)
