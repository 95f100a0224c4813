# METADATA
# title: Tyk ApiDefinition should name its authentication method
# description: >-
#   A Tyk ApiDefinition (tyk.tyk.io) that is not keyless is never open: Tyk Gateway
#   builds its auth middleware from the auth flags, and when none applies it falls
#   back to token auth (gateway/api_loader.go: `if spec.UseStandardAuth ||
#   len(authArray) == 0` appends AuthKey, which rejects a request without a known
#   key in the Authorization header). So this check warns, never denies: an API
#   with no auth method of its own, or whose only method cannot run, is protected
#   by token auth it does not state, and changing the flags later changes who gets
#   in. Methods that count (the fields of Tyk Operator's v1.4.2 CRD):
#   use_standard_auth, use_oauth2, enable_jwt, use_basic_auth, use_mutual_tls_auth,
#   and enable_coprocess_auth or use_go_plugin_auth only together with
#   spec.custom_middleware.auth_check.name (api_loader.go adds a plugin auth check
#   only from custom_middleware.auth_check). use_openid is not a field of the CRD
#   (the API server prunes it), so it counts for nothing. Keyless definitions
#   (use_keyless: true) are judged by tyk.no_keyless instead.
# custom:
#   kinds: [tyk.tyk.io/ApiDefinition]
#   severity: medium
#   field: spec.use_standard_auth
#   remediation: >-
#     State the method, for example use_standard_auth: true with
#     auth_configs.authToken.auth_header_name: Authorization; a plugin auth flag
#     needs custom_middleware.auth_check (name and path).
package tyk.require_auth

import data.lib.kubernetes as k8s

# Flags that enable a built-in auth middleware on their own.
auth_methods := ["use_standard_auth", "use_oauth2", "enable_jwt", "use_basic_auth", "use_mutual_tls_auth"]

# Flags that enable a plugin's auth check, which is read from custom_middleware.auth_check.
plugin_methods := ["enable_coprocess_auth", "use_go_plugin_auth"]

warn contains msg if {
	applies
	not some_auth_method
	some_plugin_flag
	msg := sprintf(
		"%s: sets %s but spec.custom_middleware.auth_check has no name, so no plugin checks credentials and Tyk falls back to token auth (a key in the Authorization header); set custom_middleware.auth_check (name and path) and custom_middleware.driver, or use_standard_auth: true with auth_configs.authToken",
		[k8s.display, concat(" and ", [f | some f in plugin_methods; k8s.spec[f] == true])],
	)
}

warn contains msg if {
	applies
	not some_auth_method
	not some_plugin_flag
	msg := sprintf(
		"%s: enables no authentication method, so Tyk falls back to token auth (a key in the Authorization header) without saying so; state it with use_standard_auth: true and auth_configs.authToken.auth_header_name: Authorization, or enable use_oauth2, enable_jwt, use_basic_auth or use_mutual_tls_auth",
		[k8s.display],
	)
}

applies if {
	k8s.is_check
	k8s.group == "tyk.tyk.io"
	k8s.kind == "ApiDefinition"
	not k8s.spec.use_keyless == true
}

some_auth_method if {
	some method in auth_methods
	k8s.spec[method] == true
}

some_auth_method if {
	some_plugin_flag
	auth_check_named
}

some_plugin_flag if {
	some method in plugin_methods
	k8s.spec[method] == true
}

auth_check_named if {
	name := k8s.spec.custom_middleware.auth_check.name
	is_string(name)
	trim_space(name) != ""
}
