# METADATA
# title: Envoy Gateway SecurityPolicy JWT authentication must reject requests without a valid token
# description: >-
#   A SecurityPolicy (gateway.envoyproxy.io/v1alpha1) with spec.jwt.optional: true
#   lets a request without a JWT through, and spec.jwt.failOpen: true one with a
#   missing or invalid JWT (internal/gatewayapi/securitypolicy.go buildJWT:
#   AllowMissing and AllowMissingOrFailed; internal/xds/translator/jwt.go: Envoy
#   jwt_authn allow_missing / allow_missing_or_failed; api/v1alpha1/jwt_types.go:
#   "this does not enforce authentication on its own, pair it with an Authorization
#   policy"). Either is denied unless the same SecurityPolicy carries that pairing:
#   spec.authorization whose default action is Deny (the default when unset,
#   authorization_types.go) and whose every Allow rule has a principal.jwt (claims or
#   scopes). Such a principal matches the payload jwt_authn writes into dynamic
#   metadata only for a verified token (internal/xds/translator/authorization.go,
#   payload_in_metadata), so a request without one matches no Allow rule. Only one SecurityPolicy
#   applies to a route unless mergeType is set, so authorization in another object
#   does not count. Both fields exist in v1.9.1 (the CRD refuses setting both).
#   Namespaces matching a glob in envoyGateway.optionalJWTNamespaces (default []) are
#   exempt.
# custom:
#   kinds: [gateway.envoyproxy.io/SecurityPolicy]
#   severity: high
#   field: spec.jwt
#   remediation: >-
#     Remove spec.jwt.optional and spec.jwt.failOpen, or pair them with
#     spec.authorization (defaultAction Deny) whose Allow rules each require a
#     principal.jwt claim or scope.
package envoygateway.jwt_required

import data.lib.envoygateway as eg
import data.lib.kubernetes as k8s

deny contains msg if {
	eg.judged("SecurityPolicy")
	some field in ["optional", "failOpen"]
	k8s.spec.jwt[field] == true
	not eg.exempt("optionalJWTNamespaces")
	not jwt_enforced_by_authorization
	msg := sprintf(
		"%s: spec.jwt.%s is true, so %s reaches the backend unauthenticated; remove it, or add spec.authorization with defaultAction Deny whose every Allow rule requires a principal.jwt claim or scope",
		[k8s.display, field, consequence[field]],
	)
}

consequence := {
	"optional": "a request without a JWT",
	"failOpen": "a request with a missing or invalid JWT",
}

# jwt_enforced_by_authorization: default Deny and every Allow rule needs JWT claims.
jwt_enforced_by_authorization if {
	auth := k8s.spec.authorization
	is_object(auth)
	eg.default_action(auth) == "Deny"
	every rule in k8s.array_at(auth, "rules") {
		jwt_rule(rule)
	}
}

jwt_rule(rule) if rule.action != "Allow"

jwt_rule(rule) if is_object(rule.principal.jwt)
