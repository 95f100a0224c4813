# METADATA
# title: No mesh-wide ALLOW AuthorizationPolicy in the Istio root namespace
# description: >-
#   An ALLOW AuthorizationPolicy (security.istio.io; v1 and v1beta1, one
#   schema) in the mesh root namespace (meshConfig.rootNamespace,
#   istio-system by default; istio.rootNamespace) without a selector and
#   without targetRef/targetRefs applies to every workload of every namespace
#   ("If the selector and the targetRef are not set, the selector will match
#   all workloads"; "If the authorization policy is in the root namespace, the
#   selector will additionally match with workloads in all namespaces",
#   istio.io/api security/v1beta1/authorization_policy.proto).
#   ALLOW policies are OR-ed, so each of its rules opens every workload of the
#   mesh to what it matches, past every namespace's own allow-list. An empty
#   selector or `matchLabels: {}` selects every workload too. A root ALLOW
#   whose targetRefs name a GatewayClass (gateway.networking.k8s.io) reaches
#   every Gateway of that class in every namespace, and is denied the same
#   way. A root ALLOW without rules (`spec: {}`, the recommended mesh-wide
#   allow-nothing) allows nothing and passes.
# custom:
#   kinds: [security.istio.io/AuthorizationPolicy]
#   severity: high
#   field: spec.selector
#   remediation: >-
#     Move the policy to the namespaces it is meant for, or give it a
#     selector (or targetRefs) naming the workloads; keep only allow-nothing
#     (`spec: {}`) or DENY policies mesh-wide.
package istio.authz_mesh_wide_allow

import data.lib.istio
import data.lib.kubernetes as k8s

deny contains msg if {
	applies
	istio.namespace_wide(k8s.spec)
	msg := sprintf(
		"%s: an ALLOW policy without spec.selector or spec.targetRefs in the root namespace %q applies to every workload of the mesh, so its %d rule(s) open every namespace past its own policies; move it to the namespaces it is for or add a selector",
		[k8s.display, istio.root_namespace, rule_count],
	)
}

deny contains msg if {
	applies
	istio.gateway_class_target(k8s.spec)
	msg := sprintf(
		"%s: an ALLOW policy targeting a GatewayClass in the root namespace %q applies to every Gateway of that class in every namespace, so its %d rule(s) open all of them; target the Gateways it is for, in their own namespaces",
		[k8s.display, istio.root_namespace, rule_count],
	)
}

applies if {
	k8s.is_check
	istio.security
	k8s.kind == "AuthorizationPolicy"
	k8s.namespace == istio.root_namespace
	istio.action(k8s.spec) == "ALLOW"
	rule_count > 0
}

rule_count := count(k8s.array_at(k8s.spec, "rules"))
