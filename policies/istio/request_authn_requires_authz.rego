# METADATA
# title: Istio RequestAuthentication needs an AuthorizationPolicy requiring a token
# description: >-
#   A RequestAuthentication (security.istio.io; v1 and v1beta1, one schema)
#   only rejects requests with an invalid token: "A request that does not
#   contain any authentication credentials will be accepted but will not have
#   any authenticated identity. To restrict access to authenticated requests
#   only, this should be accompanied by an authorization rule" (istio.io/api
#   security/v1beta1/request_authentication.proto; istio.io/latest/docs/tasks/
#   security/authentication/authn-policy/). One without such a rule is
#   warned, judged against data.apiguard.inventory.istio.authorizationPolicies
#   of its namespace and of the root namespace (istio.rootNamespace). A token
#   is required when (a) a DENY policy that covers the same workloads has a
#   from.source.notRequestPrincipals, or (b) an ALLOW policy covers them and
#   no ALLOW policy that may apply to them has a rule a request without a
#   token can match (ALLOW policies are OR-ed): a rule requires a token when
#   every from entry has requestPrincipals, or a when condition on
#   request.auth.* has values (a condition the inventory keeps without
#   values counts). A policy without rules allows nothing. Covering: for a
#   selector, a policy without targetRefs whose matchLabels are a subset of
#   it; for no selector, a namespace-wide policy; for targetRefs, a policy of
#   the same namespace naming every one of them (a namespace-wide policy does
#   not reach a waypoint). May apply: a policy whose selector could select the
#   same workload. A jwtRules entry with presence: REQUIRED (istio.io/api
#   v1.32) rejects requests without that token itself and passes. The pair is
#   judged from both sides: an AuthorizationPolicy (created, changed or
#   audited) is warned when, with it, a RequestAuthentication of
#   inventory.istio.requestAuthentications (its namespace, or every namespace
#   from the root namespace) no longer has its token required while without
#   it (or with its old version, on UPDATE) it had. The inventory does not
#   keep jwtRules, so that side does not see presence: REQUIRED.
# custom:
#   kinds: [security.istio.io/RequestAuthentication, security.istio.io/AuthorizationPolicy]
#   severity: medium
#   field: spec.jwtRules
#   remediation: >-
#     Add an AuthorizationPolicy for the same workloads whose rules require
#     from.source.requestPrincipals (for example ["*"]), or set
#     jwtRules[].presence: REQUIRED; an AuthorizationPolicy that reopens such
#     workloads should require requestPrincipals in each rule too.
package istio.request_authn_requires_authz

import data.lib.istio
import data.lib.kubernetes as k8s

# --- the RequestAuthentication under review ------------------------------------------

warn contains msg if {
	request_authentication
	not istio.principal_required(k8s.spec, k8s.namespace, istio.authorization_policies)
	openers := istio.pair_openers(k8s.spec, k8s.namespace, istio.pair_entries(k8s.spec, k8s.namespace, istio.authorization_policies))
	msg := sprintf(
		"%s: no AuthorizationPolicy requires a request principal for the workloads it selects%s, so requests without a token are accepted (a RequestAuthentication only rejects invalid tokens); add an AuthorizationPolicy for the same workloads with from.source.requestPrincipals such as [\"*\"], or set spec.jwtRules[].presence: REQUIRED",
		[k8s.display, opener_text(openers)],
	)
}

request_authentication if {
	k8s.is_check
	istio.security
	k8s.kind == "RequestAuthentication"
	not istio.exempt("requestAuthnNamespaces")
	count(k8s.array_at(k8s.spec, "jwtRules")) > 0
	not self_required
}

self_required if {
	some rule in k8s.array_at(k8s.spec, "jwtRules")
	rule.presence == "REQUIRED"
}

opener_text(openers) := sprintf(" (AuthorizationPolicy %s has a rule a request without a token can match)", [concat(", ", sort(openers))]) if {
	count(openers) > 0
} else := ""

# --- the AuthorizationPolicy under review ----------------------------------------------

warn contains msg if {
	authorization_policy
	some ra_ns in ra_namespaces
	list := istio.request_authentications[ra_ns]
	is_array(list)
	some ra in list
	is_object(ra)
	istio.principal_required(ra, ra_ns, before)
	not istio.principal_required(ra, ra_ns, after)
	msg := sprintf(
		"%s: with this policy, requests without a token reach the workloads of RequestAuthentication %s/%s, which the other AuthorizationPolicies made require one (a RequestAuthentication only rejects invalid tokens); require from.source.requestPrincipals in each rule that applies to those workloads, or narrow the selector",
		[k8s.display, ra_ns, object.get(ra, "name", "?")],
	)
}

authorization_policy if {
	k8s.is_check
	istio.security
	k8s.kind == "AuthorizationPolicy"
	not istio.exempt("requestAuthnNamespaces")
	count(istio.request_authentications) > 0
}

# An AuthorizationPolicy of the root namespace applies in every namespace.
ra_namespaces := object.keys(istio.request_authentications) if k8s.namespace == istio.root_namespace

else := {k8s.namespace}

# others are the policies known besides this one (the inventory may hold its
# stored version, or offline this very object).
others := object.union(istio.authorization_policies, {k8s.namespace: [p |
	some p in object.get(istio.authorization_policies, k8s.namespace, [])
	is_object(p)
	object.get(p, "name", "") != k8s.name
]})

before := object.union(others, {k8s.namespace: array.concat(others[k8s.namespace], old)}) if {
	old := [object.union(o.spec, {"name": k8s.name}) |
		input.request.operation == "UPDATE"
		o := input.request.oldObject
		is_object(o)
		is_object(o.spec)
	]
}

after := object.union(others, {k8s.namespace: array.concat(others[k8s.namespace], [object.union(k8s.spec, {"name": k8s.name})])})
