# METADATA
# title: Kong authentication plugins must not let failed requests through anonymously
# description: >-
#   An authentication plugin (basic-auth, hmac-auth, jwt, key-auth, key-auth-enc,
#   ldap-auth, ldap-auth-advanced, mtls-auth, oauth2, oauth2-introspection,
#   openid-connect, saml, vault-auth, header-cert-auth, and the names in
#   data.apiguard.config.kong.authPlugins) with config.anonymous set does not answer
#   401 to a request without valid credentials: it lets it through as the anonymous
#   consumer (Kong/kong kong/plugins/key-auth/handler.lua access: "if not ok then if
#   conf.anonymous then ... set_consumer(consumer)"; the same in every auth plugin's
#   handler). In the handler read, the request goes on even when that consumer does
#   not exist, with no consumer at all (set_consumer(nil)). Kong documents anonymous for chaining auth
#   plugins with a logical OR, where a later plugin (request-termination on the
#   anonymous consumer, acl) must still refuse it; apiguard cannot see that chain, so
#   any non-empty anonymous is denied, on configuration.konghq.com KongPlugins and
#   KongClusterPlugins, unless the KongPlugin's namespace matches
#   data.apiguard.config.kong.anonymousNamespaces (globs, default none) or, for a
#   KongClusterPlugin, data.apiguard.config.kong.allowClusterAnonymous is true
#   (default false). Kong's schema refuses an empty string (strings are non-empty
#   unless a field says otherwise), so "" is not judged; any other value is. A
#   configPatches entry that writes /anonymous from a Secret is denied the same way:
#   its only effect is to admit anonymous requests. A configuration read whole from a
#   Secret (configFrom.secretKeyRef, or a configPatches entry at the root "") cannot be
#   judged and is warned. Disabled plugins are not judged here (kong.auth_plugin_disabled
#   denies them).
# custom:
#   kinds: [configuration.konghq.com/KongPlugin, configuration.konghq.com/KongClusterPlugin]
#   severity: high
#   field: config.anonymous
#   remediation: >-
#     Remove config.anonymous so requests without valid credentials get 401, or have
#     the namespace allowed in apiguard.config.kong.anonymousNamespaces once the
#     anonymous consumer is refused further down the plugin chain.
package kong.no_anonymous_auth

import data.lib.kong
import data.lib.kubernetes as k8s

deny contains msg if {
	applies
	anonymous_set
	not allowed
	msg := sprintf(
		"%s: plugin %s sets config.anonymous (%s), so a request without valid credentials is not refused but proxied as that consumer (or as none when it does not exist); remove config.anonymous, or have the %s",
		[kong.display, kong.plugin, anonymous_text, allowance],
	)
}

deny contains msg if {
	applies
	not anonymous_set
	some p in kong.patch_paths
	kong.pointer_head(p) == "anonymous"
	not allowed
	msg := sprintf(
		"%s: plugin %s takes config.anonymous from a Secret (configPatches path %q), so a request without valid credentials is proxied as an anonymous consumer; remove the patch, or have the %s",
		[kong.display, kong.plugin, p, allowance],
	)
}

warn contains msg if {
	applies
	not anonymous_set
	whole_config_hidden
	not allowed
	msg := sprintf(
		"%s: the configuration of authentication plugin %s comes from a Secret (%s), which apiguard cannot read, so whether config.anonymous lets unauthenticated requests through cannot be judged; keep the non-secret configuration in config and only secrets in configPatches",
		[kong.display, kong.plugin, kong.secret_source],
	)
}

applies if {
	k8s.is_check
	kong.plugin_kind
	kong.auth_plugin
	not kong.disabled
}

anonymous_set if {
	v := kong.config.anonymous
	v != null
	v != ""
}

anonymous_text := sprintf("%q", [kong.config.anonymous]) if is_string(kong.config.anonymous)

else := sprintf("%v", [kong.config.anonymous])

whole_config_hidden if kong.config_from

whole_config_hidden if "" in kong.patch_paths

allowed if {
	kong.cluster_plugin
	k8s.setting(["kong", "allowClusterAnonymous"], false) == true
}

allowed if {
	not kong.cluster_plugin
	k8s.namespace_in(k8s.setting(["kong", "anonymousNamespaces"], []))
}

allowance := "platform allow it with apiguard.config.kong.allowClusterAnonymous" if kong.cluster_plugin

else := "namespace allowed in apiguard.config.kong.anonymousNamespaces"
