# METADATA
# title: Kong plugin credentials must come from Secrets, not the plugin object
# description: >-
#   The issue asked to deny KongConsumers with credentials written inline. Kong's
#   KongConsumer (configuration.konghq.com/v1, Kong/kubernetes-configuration CRD) has
#   no inline credential field: its schema holds username, custom_id, consumerGroups,
#   spec (controlPlaneRef, tags) and credentials, a list of Secret names, and the
#   structural schema prunes (or, with strict field validation, refuses) anything
#   else; Kong Ingress Controller reads every consumer credential from those Secrets
#   (Kong/kong-operator ingress-controller/internal/dataplane/kongstate/
#   credentials.go). Where credentials are written inline in this API is a plugin's
#   config: the CRD's own configFrom description says it "should be used when the
#   plugin configuration contains sensitive information, such as AWS credentials in
#   the Lambda plugin or the client secret in the OIDC plugin", and configPatches
#   fills single keys from Secrets. A KongPlugin or KongClusterPlugin whose config
#   holds, at any depth, a non-empty string under a key Kong's plugin schemas mark as
#   a secret (encrypted and referenceable fields: aws_key, aws_secret
#   (aws-lambda), client_secret and session_secret (openid-connect), secret (session),
#   password, sentinel_password and redis_password (the Redis settings of
#   rate-limiting, proxy-cache-advanced and others), eab_hmac_key (acme), apikey
#   (azure-functions), ldap_password, provision_key (oauth2), header_value,
#   param_value, aws_secret_access_key, azure_client_secret, gcp_service_account_json
#   (the AI plugins' auth), and the keys of data.apiguard.config.kong.secretKeys) is
#   denied: anyone who can read KongPlugins, a far wider audience than Secret readers,
#   reads the credential (kubectl get kongplugin -o wide prints config), and it sits
#   in Git. A Kong vault reference ("{vault://...}") is not a credential and passes.
#   Allowed in namespaces matching data.apiguard.config.kong.inlineSecretNamespaces
#   (globs, default none; KongClusterPlugins are never exempt that way).
# custom:
#   kinds: [configuration.konghq.com/KongPlugin, configuration.konghq.com/KongClusterPlugin]
#   severity: high
#   field: config
#   remediation: >-
#     Move the value into a Secret and reference it with configPatches (path
#     /<key>, valueFrom.secretKeyRef) or configFrom.secretKeyRef, or use a Kong vault
#     reference ({vault://...}).
package kong.plugin_inline_secret

import data.lib.kong
import data.lib.kubernetes as k8s

deny contains msg if {
	applies
	some field in inline_secrets
	not allowed
	msg := sprintf(
		"%s: plugin %s holds a credential inline at config.%s, so anyone who can read KongPlugins (or the Git repository) reads it; move it into a Secret referenced by configPatches (path /%s) or configFrom, or use a Kong vault reference {vault://...}",
		[kong.display, kong.plugin, field, replace(field, ".", "/")],
	)
}

applies if {
	k8s.is_check
	kong.plugin_kind
}

builtin_secret_keys := {
	"aws_key", "aws_secret", "aws_secret_access_key", "client_secret", "session_secret",
	"secret", "password", "sentinel_password", "redis_password", "eab_hmac_key",
	"apikey", "ldap_password", "provision_key", "header_value", "param_value",
	"azure_client_secret", "gcp_service_account_json",
}

secret_keys := builtin_secret_keys | {k | some k in k8s.setting(["kong", "secretKeys"], []); is_string(k)}

inline_secrets contains concat(".", [sprintf("%v", [p]) | some p in path]) if {
	walk(kong.config, [path, value])
	count(path) > 0
	last := path[count(path) - 1]
	is_string(last)
	last in secret_keys
	some s in strings_of(value)
	s != ""
	not startswith(s, "{vault://")
}

strings_of(v) := [v] if is_string(v)

else := [x | some x in v; is_string(x)] if is_array(v)

else := []

allowed if {
	not kong.cluster_plugin
	k8s.namespace_in(k8s.setting(["kong", "inlineSecretNamespaces"], []))
}
