# METADATA
# title: Tyk ApiDefinition must require authentication
# description: >-
#   A Tyk ApiDefinition (tyk.tyk.io) that is not keyless must enable at least
#   one authentication method: use_standard_auth (with auth_configs.authToken),
#   use_oauth2, enable_jwt, use_basic_auth, use_mutual_tls_auth, use_openid,
#   enable_coprocess_auth or use_go_plugin_auth. Keyless definitions
#   (use_keyless: true) are judged by tyk.no_keyless instead.
# custom:
#   kinds: [tyk.tyk.io/ApiDefinition]
#   severity: high
#   remediation: >-
#     Enable an auth method, for example use_standard_auth: true with
#     auth_configs.authToken.auth_header_name: Authorization.
package tyk.require_auth

import data.lib.kubernetes as k8s

# Methods that count when set to true. use_standard_auth is handled apart:
# it also needs auth_configs.authToken.
auth_methods := [
	"use_oauth2",
	"enable_jwt",
	"use_basic_auth",
	"use_mutual_tls_auth",
	"use_openid",
	"enable_coprocess_auth",
	"use_go_plugin_auth",
]

deny contains msg if {
	applies
	not some_auth_method
	msg := sprintf("%s: %s", [k8s.display, problem])
}

applies if {
	k8s.is_check
	k8s.group == "tyk.tyk.io"
	k8s.kind == "ApiDefinition"
	not keyless
}

keyless if k8s.spec.use_keyless == true

some_auth_method if {
	some method in auth_methods
	k8s.spec[method] == true
}

some_auth_method if {
	k8s.spec.use_standard_auth == true
	has_auth_token
}

has_auth_token if is_object(k8s.spec.auth_configs.authToken)

problem := "sets use_standard_auth: true but has no spec.auth_configs.authToken; add auth_configs.authToken (for example auth_header_name: Authorization) or enable another auth method" if {
	k8s.spec.use_standard_auth == true
} else := "enables no authentication method; enable one such as use_standard_auth: true with auth_configs.authToken.auth_header_name: Authorization, use_oauth2, enable_jwt or use_openid"
