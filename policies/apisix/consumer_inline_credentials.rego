# METADATA
# title: ApisixConsumer credentials must come from Secrets
# description: >-
#   An ApisixConsumer (apisix.apache.org) names the credentials APISIX accepts for it
#   in spec.authParameter.<type>, either inline (value) or from a Secret in its own
#   namespace (secretRef). The controller uses value whenever it is set, secretRef
#   only otherwise (apache/apisix-ingress-controller
#   internal/adc/translator/apisixconsumer.go translateConsumer*Plugin: `if cfg.Value
#   != nil`). A credential written inline is readable by anyone who can read the
#   object (get/list on apisixconsumers, which many roles grant and audit logs
#   record), lives in Git with the manifest, and cannot be rotated without editing it.
#   Denied: keyAuth.value (key), basicAuth.value (password), hmacAuth.value
#   (secret_key), jwtAuth.value with a secret or private_key (a public_key and key id
#   alone are not secret), and an enabled consumer plugin in spec.plugins that carries
#   the same secrets in its config (key-auth key, basic-auth password, jwt-auth secret
#   or private_key, hmac-auth secret_key; the CRD documents that such a plugin takes
#   precedence over authParameter). ldapAuth.value (user_dn) and wolfRBAC.value
#   (server, appid, header_prefix) hold no secret and are not judged.
# custom:
#   kinds: [apisix.apache.org/ApisixConsumer]
#   severity: high
#   field: spec.authParameter
#   remediation: >-
#     Put the credential in a Secret in the consumer's namespace and reference it with
#     authParameter.<type>.secretRef.name (keys key, username/password, secret_key,
#     secret/private_key), or with the plugin's secretRef.
package apisix.consumer_inline_credentials

import data.lib.apisix
import data.lib.kubernetes as k8s

# The fields of each auth type's value that hold a secret.
secret_fields := {
	"keyAuth": ["key"],
	"basicAuth": ["password"],
	"hmacAuth": ["secret_key"],
	"jwtAuth": ["secret", "private_key"],
}

plugin_secret_fields := {
	"key-auth": ["key"],
	"basic-auth": ["password"],
	"hmac-auth": ["secret_key"],
	"jwt-auth": ["secret", "private_key"],
}

deny contains msg if {
	applies
	some type, fields in secret_fields
	value := k8s.spec.authParameter[type].value
	is_object(value)
	inline := [f | some f in fields; secret_value(value[f])]
	count(inline) > 0
	msg := sprintf(
		"%s: spec.authParameter.%s.value holds the credential inline (%s), so anyone who can read the ApisixConsumer or its manifest can use it; put it in a Secret and reference it with spec.authParameter.%s.secretRef instead",
		[k8s.display, type, concat(", ", inline), type],
	)
}

deny contains msg if {
	applies
	some [where, name, p] in apisix.running_plugins
	fields := plugin_secret_fields[name]
	c := apisix.config(p)
	inline := [f | some f in fields; secret_value(c[f])]
	count(inline) > 0
	msg := sprintf(
		"%s: %s (%s) holds the credential inline in its config (%s), so anyone who can read the ApisixConsumer or its manifest can use it; move it to a Secret and reference it with the plugin's secretRef",
		[k8s.display, where, name, concat(", ", inline)],
	)
}

applies if {
	k8s.kind == "ApisixConsumer"
	k8s.group == apisix.group
	k8s.is_check
}

# Any value set counts, whatever its type: an empty string is no secret.
secret_value(v) if {
	v != null
	v != ""
}
