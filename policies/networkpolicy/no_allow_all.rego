# METADATA
# title: NetworkPolicy must not allow all ingress
# description: >-
#   An ingress rule without from (missing, null or []) or with an empty peer {}
#   admits traffic from every source, inside and outside the cluster. Combined
#   with a spec.podSelector that selects every pod it opens every pod of the
#   namespace and is denied: missing, {}, without matchLabels and
#   matchExpressions, or built only from NotIn and DoesNotExist terms, which
#   also match pods without the key (labels.Requirement.Matches; see
#   lib.selector). With a podSelector that narrows, it only warns. Ports in the
#   rule do not change the
#   verdict. Namespaces matching a glob in
#   data.apiguard.config.networkpolicy.allowAllNamespaces (default []) are
#   exempt. Ingress rules of a policy whose policyTypes leave out Ingress have
#   no effect and are not checked; an Egress-only policy is fine.
# custom:
#   kinds: [NetworkPolicy]
#   severity: high
#   field: spec
#   remediation: >-
#     Give every ingress rule a from list naming the allowed sources
#     (podSelector, namespaceSelector or ipBlock), and select only the pods that
#     need the traffic in spec.podSelector.
package networkpolicy.no_allow_all

import data.lib.kubernetes as k8s
import data.lib.selector

deny contains msg if {
	some i in allow_all_rules
	not selects_some_pods
	msg := sprintf(
		"%s: spec.ingress[%d] has no from restriction and spec.podSelector %s, so every pod in the namespace accepts traffic from everywhere; list the allowed sources in spec.ingress[%d].from and select only the pods that need them in spec.podSelector",
		[k8s.display, i, pod_selector_text, i],
	)
}

warn contains msg if {
	some i in allow_all_rules
	selects_some_pods
	msg := sprintf(
		"%s: spec.ingress[%d] has no from restriction, so the selected pods accept traffic from everywhere; list the allowed sources in spec.ingress[%d].from",
		[k8s.display, i, i],
	)
}

applies if {
	k8s.is_check
	k8s.group == "networking.k8s.io"
	k8s.kind == "NetworkPolicy"
	ingress_enforced
	not k8s.namespace_in(exempt_namespaces)
}

allow_all_rules contains i if {
	applies
	some i, rule in k8s.array_at(k8s.spec, "ingress")
	allow_all(rule)
}

# A null rule decodes to an empty rule, which allows everything.
allow_all(rule) if rule == null

allow_all(rule) if {
	is_object(rule)
	count(k8s.array_at(rule, "from")) == 0
}

allow_all(rule) if {
	some peer in k8s.array_at(rule, "from")
	empty_peer(peer)
}

empty_peer(peer) if peer == null

empty_peer(peer) if {
	is_object(peer)
	every v in peer {
		v == null
	}
}

# Ingress is enforced when policyTypes is unset (the API server then always
# includes Ingress) or lists it.
ingress_enforced if count(policy_types) == 0

ingress_enforced if "Ingress" in policy_types

policy_types := k8s.array_at(k8s.spec, "policyTypes")

# A missing or null spec.podSelector decodes to the empty selector, which
# selects every pod of the namespace.
selects_some_pods if {
	sel := k8s.spec.podSelector
	is_object(sel)
	not selector.selects_all_pods(sel)
}

pod_selector_text := "is empty" if {
	sel := object.get(k8s.spec, "podSelector", null)
	empty_selector(sel)
} else := "selects every pod (its only terms are NotIn or DoesNotExist, which match pods without the key; narrow it with matchLabels or In/Exists terms)"

empty_selector(sel) if not is_object(sel)

empty_selector(sel) if {
	is_object(sel)
	count(selector.match_labels(sel)) == 0
	count(selector.match_expressions(sel)) == 0
}

# Malformed configuration (not a list of strings) means no exemptions.
exempt_namespaces := globs if {
	globs := k8s.setting(["networkpolicy", "allowAllNamespaces"], [])
	is_array(globs)
	every g in globs {
		is_string(g)
	}
} else := []
