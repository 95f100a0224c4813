# METADATA
# title: Istio ALLOW rules should not admit every identity
# description: >-
#   An ALLOW AuthorizationPolicy (security.istio.io; v1 and v1beta1, one
#   schema) whose from.source.principals holds "*" (the regex ".+": any mTLS
#   identity, istio/istio pilot/pkg/security/authz/model/matcher/string.go),
#   "<trust domain>/*" or "<trust domain>/ns/*", or whose namespaces holds
#   only stars or regex syntax (srcNamespaceGenerator in model/generator.go
#   writes the value into the regex ".*/ns/<value>/.*", replacing "*" with
#   ".*", so ".+" or "[a-z]+" match every namespace) is warned: it admits
#   every workload of the mesh, a compromised one included. It still
#   requires mutual TLS, so it is not the allow-all denied by
#   istio.authz_no_allow_all.
# custom:
#   kinds: [security.istio.io/AuthorizationPolicy]
#   severity: medium
#   field: spec.rules[].from[].source
#   remediation: >-
#     Name the calling service accounts
#     (cluster.local/ns/<namespace>/sa/<name>) or namespaces instead of "*".
package istio.authz_wildcard_source

import data.lib.istio
import data.lib.kubernetes as k8s

warn contains msg if {
	applies
	some i, rule in k8s.array_at(k8s.spec, "rules")
	some j, f in k8s.array_at(rule, "from")
	some v in k8s.array_at(istio.source(f), "principals")
	istio.any_principal(v)
	msg := sprintf(
		"%s: spec.rules[%d].from[%d].source.principals contains %q, so every workload identity of the mesh is allowed, a compromised one included; list the calling service accounts (cluster.local/ns/<namespace>/sa/<name>) instead",
		[k8s.display, i, j, v],
	)
}

warn contains msg if {
	applies
	some i, rule in k8s.array_at(k8s.spec, "rules")
	some j, f in k8s.array_at(rule, "from")
	some v in k8s.array_at(istio.source(f), "namespaces")
	istio.any_namespace(v)
	msg := sprintf(
		"%s: spec.rules[%d].from[%d].source.namespaces contains %q, which Istio reads as a pattern matching every namespace (or as a regular expression), so every workload of the mesh is allowed; list the calling namespaces by name instead",
		[k8s.display, i, j, v],
	)
}

applies if {
	k8s.is_check
	istio.security
	k8s.kind == "AuthorizationPolicy"
	istio.action(k8s.spec) == "ALLOW"
	not istio.exempt("allowAllNamespaces")
}
