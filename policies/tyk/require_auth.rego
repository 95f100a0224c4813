# METADATA
# title: Tyk ApiDefinition must require authentication
# description: >-
#   A Tyk ApiDefinition (tyk.tyk.io) must not be keyless and must enable at
#   least one authentication method: use_standard_auth, use_oauth2, use_openid,
#   enable_jwt, use_basic_auth, enable_coprocess_auth, use_mutual_tls_auth or
#   use_go_plugin_auth. A keyless API can be called by anyone who can reach the
#   gateway.
# custom:
#   kinds: [ApiDefinition]
#   severity: high
#   remediation: "Set use_keyless: false and enable an auth method such as use_standard_auth: true."
package tyk.require_auth

auth_methods := [
	"use_standard_auth",
	"use_oauth2",
	"use_openid",
	"enable_jwt",
	"use_basic_auth",
	"enable_coprocess_auth",
	"use_mutual_tls_auth",
	"use_go_plugin_auth",
]

deny contains msg if {
	applies
	keyless
	msg := sprintf(
		"ApiDefinition %s/%s: sets use_keyless: true, so anyone who reaches the gateway can call it; set use_keyless: false and enable an auth method such as use_standard_auth: true",
		[namespace, name],
	)
}

# Reported only when not keyless: Tyk ignores the auth flags of a keyless API,
# and one message is enough.
deny contains msg if {
	applies
	not keyless
	not some_auth_method
	msg := sprintf(
		"ApiDefinition %s/%s: enables no authentication method; set use_keyless: false and enable an auth method such as use_standard_auth: true",
		[namespace, name],
	)
}

# On DELETE the object is null and there is nothing to block.
applies if {
	input.request.operation != "DELETE"
	input.request.kind.group == "tyk.tyk.io"
	input.request.kind.kind == "ApiDefinition"
	is_object(input.request.object)
}

keyless if input.request.object.spec.use_keyless == true

some_auth_method if {
	some method in auth_methods
	input.request.object.spec[method] == true
}

name := n if {
	n := input.request.object.metadata.name
	is_string(n)
	n != ""
} else := n if {
	n := input.request.name
	is_string(n)
	n != ""
} else := "<unnamed>"

namespace := ns if {
	ns := input.request.namespace
	is_string(ns)
	ns != ""
} else := ns if {
	ns := input.request.object.metadata.namespace
	is_string(ns)
	ns != ""
} else := "default"
