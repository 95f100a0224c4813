# METADATA
# title: Contour external authorization must fail closed
# description: >-
#   A root HTTPProxy (projectcontour.io) with spec.virtualhost.authorization.failOpen:
#   true is denied. Contour passes the flag to Envoy's ext_authz filter as
#   failure_mode_allow (projectcontour/contour internal/envoy/v3/listener.go
#   FilterExternalAuthz: FailureModeAllow: AuthorizationFailOpen), so when the
#   authorization server errors, times out or cannot be reached, every request is
#   forwarded to the service unauthorized; an attacker who can overload or slow the
#   authorization server gets in. Contour's API says the field "should not be set in
#   most cases" and is meant only for migrating from in-application authorization
#   (apis/projectcontour/v1/httpproxy.go AuthorizationServer.FailOpen;
#   projectcontour.io/docs/1.33/config/client-authorization/, "Migrating from
#   Application Authorization"). Namespaces matching a glob in
#   data.apiguard.config.contour.failOpenNamespaces (default none) may set it during
#   such a migration.
# custom:
#   kinds: [projectcontour.io/HTTPProxy]
#   severity: high
#   field: spec.virtualhost.authorization.failOpen
#   remediation: >-
#     Remove failOpen (or set it to false) so a failing authorization server denies
#     requests; while migrating, have the namespace listed in
#     apiguard.config.contour.failOpenNamespaces.
package contour.no_auth_fail_open

import data.lib.contour
import data.lib.kubernetes as k8s

deny contains msg if {
	k8s.is_check
	contour.httpproxy
	contour.virtualhost.authorization.failOpen == true
	not k8s.namespace_in(exempt_namespaces)
	msg := sprintf(
		"%s: spec.virtualhost.authorization.failOpen is true, so when the authorization server fails or cannot be reached, requests reach the services unauthorized; remove failOpen, or list the namespace in apiguard.config.contour.failOpenNamespaces while migrating",
		[k8s.display],
	)
}

exempt_namespaces := [p | some p in patterns; is_string(p)] if {
	patterns := k8s.setting(["contour", "failOpenNamespaces"], [])
	is_array(patterns)
} else := []
