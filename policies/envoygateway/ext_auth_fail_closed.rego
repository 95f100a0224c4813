# METADATA
# title: Envoy Gateway external authorization must fail closed
# description: >-
#   A SecurityPolicy (gateway.envoyproxy.io/v1alpha1) with spec.extAuth.failOpen: true
#   lets every request through when the external authorization service cannot be
#   reached or errors, and also when its configuration is invalid
#   (api/v1alpha1/ext_auth_types.go FailOpen; internal/gatewayapi/securitypolicy.go:
#   an ExtAuth-only translation error with failOpen skips the 500 direct response). An
#   attacker who can slow or crash the authorizer, or a broken backendRef, opens the
#   route. The default (false) fails closed with a 5xx. Namespaces matching a glob in
#   envoyGateway.extAuthFailOpenNamespaces (default []) are exempt.
# custom:
#   kinds: [gateway.envoyproxy.io/SecurityPolicy]
#   severity: high
#   field: spec.extAuth.failOpen
#   remediation: >-
#     Remove spec.extAuth.failOpen (or set it to false) and make the authorization
#     service highly available instead.
package envoygateway.ext_auth_fail_closed

import data.lib.envoygateway as eg
import data.lib.kubernetes as k8s

deny contains msg if {
	eg.judged("SecurityPolicy")
	k8s.spec.extAuth.failOpen == true
	not eg.exempt("extAuthFailOpenNamespaces")
	msg := sprintf(
		"%s: spec.extAuth.failOpen is true, so every request reaches the backend unauthorized whenever the external authorization service is down, slow or misconfigured; remove failOpen (the default, false, answers 5xx instead)",
		[k8s.display],
	)
}
