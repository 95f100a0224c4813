# METADATA
# title: Istio AuthorizationPolicy must not allow every request
# description: >-
#   An ALLOW AuthorizationPolicy (security.istio.io; v1 and v1beta1, one
#   schema; an absent action is ALLOW) with a rule that matches every request
#   is denied: ALLOW policies are OR-ed, so that rule lets every caller reach
#   the selected workloads, whatever the other policies require. Istio's own
#   reference calls `rules: [{}]` "allow-all" and `spec: {}` (no rules)
#   "allow-nothing" (istio.io/latest/docs/reference/config/security/
#   authorization-policy/). Read as istiod builds the Envoy RBAC policy
#   (istio/istio pilot/pkg/security/authz/model/model.go New): a rule with no
#   from, to or when, empty lists, a from entry without a source or with an
#   empty source, `to: [{operation: {}}]`, a when condition with empty values
#   and notValues, host/method/path "*" (the regex ".+",
#   matcher/string.go), the paths "/*" and "/{**}", and ipBlocks or
#   remoteIpBlocks (or a source.ip/remote.ip condition) covering every
#   public IPv4 or IPv6 address (0.0.0.0/0, two /1s, ::/0; lib.net) all match
#   everything. A source with principals or namespaces "*" requires an mTLS
#   identity and is warned by istio.authz_wildcard_source instead; any not*
#   list narrows the rule and is not judged. DENY, AUDIT and CUSTOM policies
#   are not judged.
# custom:
#   kinds: [security.istio.io/AuthorizationPolicy]
#   severity: high
#   field: spec.rules
#   remediation: >-
#     Give every ALLOW rule a from.source (principals, namespaces,
#     requestPrincipals) or a to.operation that names what is allowed, or
#     remove the rule; use `spec: {}` for allow-nothing.
package istio.authz_no_allow_all

import data.lib.istio
import data.lib.kubernetes as k8s

deny contains msg if {
	k8s.is_check
	istio.security
	k8s.kind == "AuthorizationPolicy"
	istio.action(k8s.spec) == "ALLOW"
	not istio.exempt("allowAllNamespaces")
	some i, rule in k8s.array_at(k8s.spec, "rules")
	istio.rule_matches_all(rule)
	msg := sprintf(
		"%s: spec.rules[%d] matches every request (no source, operation or condition narrows it), so this ALLOW policy lets any caller reach %s; give the rule a from.source or to.operation that names who and what is allowed, or remove it",
		[k8s.display, i, scope],
	)
}

scope := "every workload of the mesh" if {
	k8s.namespace == istio.root_namespace
	istio.namespace_wide(k8s.spec)
} else := "every workload of the namespace" if {
	istio.namespace_wide(k8s.spec)
} else := "the selected workloads"
