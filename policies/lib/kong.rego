# METADATA
# title: Kong objects as Kong Ingress Controller and Kong read them
# description: >-
#   Helpers for the kong.* policies. KongPlugin and KongClusterPlugin
#   (configuration.konghq.com/v1, the CRDs of Kong/kubernetes-configuration) keep
#   plugin, config, configFrom, configPatches, disabled and protocols at the top level
#   of the object, not under spec. Kong Ingress Controller turns one into a Kong plugin
#   (Kong/kong-operator ingress-controller/internal/dataplane/kongstate/plugin.go,
#   kongPluginFromK8SPlugin): the name is plugin as written (Kong looks plugins up by
#   exact name), config is config with each configPatches entry applied as a JSON
#   patch "add" of a Secret's value at its path ("replace" of the whole document for
#   the path ""), or the Secret configFrom names; disabled: true becomes enabled:
#   false. A KongClusterPlugin is cluster-scoped, so its display has no namespace.
#   Annotation lists (konghq.com/protocols, konghq.com/plugins) are split on "," and
#   each item trimmed, empty items dropped (ingress-controller/internal/annotations/
#   annotations.go, extractCommaDelimitedStrings). Not a policy: it defines no deny,
#   violation, warn or patch rule.
package lib.kong

import data.lib.kubernetes as k8s

group := "configuration.konghq.com"

# plugin_kind holds for a KongPlugin or KongClusterPlugin request of Kong's group.
plugin_kind if {
	k8s.group == group
	k8s.kind in {"KongPlugin", "KongClusterPlugin"}
}

cluster_plugin if k8s.kind == "KongClusterPlugin"

# plugin is the plugin name as written (Kong compares it exactly).
plugin := p if {
	p := k8s.resource.plugin
	is_string(p)
} else := ""

config := c if {
	c := k8s.resource.config
	is_object(c)
} else := {}

# disabled holds when KIC sends the plugin with enabled: false (disabled is a boolean
# in the CRD; KIC copies it as is).
disabled if k8s.resource.disabled == true

# display is "KongPlugin ns/name", or "KongClusterPlugin name" (cluster-scoped: a
# namespace the request may carry means nothing for it).
display := sprintf("KongClusterPlugin %s", [k8s.name]) if cluster_plugin

else := k8s.display

# config_from holds when the whole configuration is read from a Secret.
config_from if is_object(k8s.resource.configFrom)

# patch_paths is the set of configPatches paths: keys the controller fills from
# Secrets, whose values apiguard cannot see.
patch_paths contains p if {
	some patch in k8s.array_at(k8s.resource, "configPatches")
	p := patch.path
	is_string(p)
}

# hidden(key) holds when the top-level config key is, or may be, set from a Secret:
# the whole document comes from one (configFrom, or a patch at the root ""), or a
# patch writes the key or something under it. JSON pointer tokens are unescaped
# (~1 is "/", ~0 is "~") before comparing.
hidden(_) if config_from

hidden(_) if "" in patch_paths

hidden(key) if {
	some p in patch_paths
	pointer_head(p) == key
}

# pointer_head is the first token of a JSON pointer, unescaped.
pointer_head(p) := replace(replace(split(substring(p, 1, -1), "/")[0], "~1", "/"), "~0", "~") if startswith(p, "/")

# secret_source names where the hidden configuration comes from, for messages.
secret_source := "configFrom.secretKeyRef" if config_from

else := "configPatches"

# Kong's authentication plugins. Each reads config.anonymous: on a failed
# authentication the request goes on as that consumer instead of getting a 401
# (Kong/kong kong/plugins/key-auth/handler.lua and its siblings; Kong Gateway
# Enterprise's plugins document the same field on developer.konghq.com/plugins/).
# data.apiguard.config.kong.authPlugins adds names (custom auth plugins).
builtin_auth_plugins := {
	"basic-auth", "hmac-auth", "jwt", "key-auth", "key-auth-enc", "ldap-auth",
	"ldap-auth-advanced", "mtls-auth", "oauth2", "oauth2-introspection",
	"openid-connect", "saml", "vault-auth", "header-cert-auth",
}

auth_plugins := builtin_auth_plugins | {n | some n in k8s.setting(["kong", "authPlugins"], []); is_string(n)}

auth_plugin if plugin in auth_plugins

# annotation_list(key) is KIC's reading of a comma-separated annotation: split on
# ",", each item trimmed of white space, empty items dropped. [] when absent.
annotation_list(key) := [s |
	some item in split(k8s.annotations[key], ",")
	s := trim_space(item)
	s != ""
] if is_string(k8s.annotations[key])

else := []

# has_kong_annotation holds when the object carries any konghq.com/ annotation: the
# cheap guard of the Ingress and Service checks.
has_kong_annotation if {
	some k, _ in k8s.annotations
	startswith(k, "konghq.com/")
}

# --- Kong route protocols from an Ingress ----------------------------------------------
# Kong/kong-operator ingress-controller: subtranslator/ingress.go ingressRouteProtocols
# sets the annotation's list (or none: Kong's default, http and https); kongstate/
# route.go Override then runs overrideHTTPSRedirectCode (force-ssl-redirect exactly
# "true": useSSLProtocol), overrideProtocols (the list again, only when every item is
# known to internal/util ValidateProtocol) and normalizeProtocols.

known_protocols := {"http", "https", "grpc", "grpcs", "ws", "wss", "tls", "tcp", "tls_passthrough"}

# protocols_before_normalize(listed, force_ssl) is the route's protocols after the
# annotations, before normalizeProtocols: listed is annotation_list of
# konghq.com/protocols, force_ssl whether ingress.kubernetes.io/force-ssl-redirect is
# exactly "true".
protocols_before_normalize(listed, force_ssl) := listed if {
	count(listed) > 0
	every p in listed {
		p in known_protocols
	}
} else := ssl_protocols(listed) if {
	force_ssl == true
} else := listed if {
	count(listed) > 0
} else := ["http", "https"]

# route_protocols is the route's final protocols, sorted: normalizeProtocols replaces a
# list that mixes a grpc protocol with an http or unknown one by http, https.
route_protocols(listed, force_ssl) := ["http", "https"] if {
	protocols_mixed(protocols_before_normalize(listed, force_ssl))
} else := sort({p | some p in protocols_before_normalize(listed, force_ssl)})

protocols_mixed(ps) if {
	any_contains(ps, "grpc")
	any_contains(ps, "http")
}

protocols_mixed(ps) if {
	any_contains(ps, "grpc")
	some p in ps
	not p in known_protocols
}

# ssl_protocols is useSSLProtocol: grpcs when any holds "grpc", https when any holds
# "http" or neither does (strings.Contains: case-sensitive).
ssl_protocols(ps) := array.concat(
	[x | some x in ["grpcs"]; any_contains(ps, "grpc")],
	[x | some x in ["https"]; http_or_neither(ps)],
)

http_or_neither(ps) if any_contains(ps, "http")

http_or_neither(ps) if {
	not any_contains(ps, "http")
	not any_contains(ps, "grpc")
}

any_contains(ps, s) if {
	some p in ps
	contains(p, s)
}
