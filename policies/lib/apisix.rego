# METADATA
# title: How the Apache APISIX ingress controller reads its apisix.apache.org/v2 kinds
# description: >-
#   Semantics shared by the apisix.* policies, each from the controller's own source
#   (apache/apisix-ingress-controller, internal/adc/translator and internal/controller)
#   or APISIX's (apache/apisix). Plugin lists: the controller skips an entry whose
#   enable is false (loadRoutePlugins, `if !plugin.Enable { continue }`; the CRD
#   defaults enable to true) and keys the rest by name, so the last enabled entry of a
#   name wins (`plugins[plugin.Name] = config`); PluginConfig plugins are loaded first
#   and the route's own override them (buildPlugins). Authentication:
#   authentication.enable true always adds an auth plugin (addAuthenticationPlugins:
#   an unknown type falls back to basic-auth), and an auth plugin in plugins[] is the
#   same APISIX plugin. The ingress class: spec.ingressClassName, and without one the
#   controller's default IngressClass (FindMatchingIngressClassByName). Kubernetes
#   Service host names for "outside the cluster". Not a policy: it defines no deny,
#   warn or patch rule.
package lib.apisix

import data.lib.kubernetes as k8s

group := "apisix.apache.org"

route if {
	k8s.kind == "ApisixRoute"
	k8s.group == group
}

# --- Plugins ----------------------------------------------------------------------

# kept(p): the controller keeps the entry. enable defaults to true (CRD default);
# only false drops it.
kept(p) if {
	is_object(p)
	object.get(p, "enable", true) != false
}

# enabled(p): the entry runs. APISIX itself skips a plugin whose config has
# _meta.disable: true (apache/apisix apisix/plugin.lua filter: `if not
# check_disable(plugin_conf)`; _meta.disable is a boolean in the injected schema).
enabled(p) if {
	kept(p)
	not meta_disabled(p)
}

meta_disabled(p) if p.config._meta.disable == true

# config(p) is the plugin's inline configuration ({} when absent). A secretRef adds
# the Secret's keys on top (buildPluginConfig: pkgutils.InsertKeyInMap), which
# apiguard does not see.
config(p) := c if {
	c := p.config
	is_object(c)
} else := {}

# effective(list) maps each plugin name to [index, entry] of the entry APISIX runs:
# the last kept entry with that name (later entries overwrite earlier ones in the
# controller's plugin map; ones with enable false are skipped and overwrite nothing),
# unless APISIX then skips it for _meta.disable.
effective(list) := {name: [j, p] |
	some j, p in list
	kept(p)
	name := p.name
	is_string(name)
	not kept_later(list, name, j)
	not meta_disabled(p)
}

kept_later(list, name, j) if {
	some k, q in list
	k > j
	kept(q)
	q.name == name
}

# plugin_lists are [path, list] pairs of every plugin list of the object under review:
# an ApisixRoute's http and stream rules, and the spec.plugins of the kinds that carry
# one (ApisixConsumer, ApisixPluginConfig, ApisixGlobalRule).
plugin_lists contains [sprintf("spec.http[%d].plugins", [i]), list] if {
	route
	some i, rule in k8s.array_at(k8s.spec, "http")
	list := k8s.array_at(rule, "plugins")
	count(list) > 0
}

plugin_lists contains [sprintf("spec.stream[%d].plugins", [i]), list] if {
	route
	some i, rule in k8s.array_at(k8s.spec, "stream")
	list := k8s.array_at(rule, "plugins")
	count(list) > 0
}

plugin_lists contains ["spec.plugins", list] if {
	k8s.kind in {"ApisixConsumer", "ApisixPluginConfig", "ApisixGlobalRule"}
	k8s.group == group
	list := k8s.array_at(k8s.spec, "plugins")
	count(list) > 0
}

# running_plugins are [where, name, entry] of every plugin APISIX runs for the object.
running_plugins contains [sprintf("%s[%d]", [path, j]), name, p] if {
	some [path, list] in plugin_lists
	some name, [j, p] in effective(list)
}

# --- Ingress classes --------------------------------------------------------------

# ingress_class is spec.ingressClassName, or "" when unset.
ingress_class := c if {
	c := k8s.spec.ingressClassName
	is_string(c)
} else := ""

# A route without a class goes to the controller's default IngressClass (the one
# annotated ingressclass.kubernetes.io/is-default-class: "true"), which apiguard does
# not see: data.apiguard.config.apisix.defaultIngressClass names it, else it counts
# as public.
effective_class := ingress_class if ingress_class != ""

else := c if {
	c := k8s.setting(["apisix", "defaultIngressClass"], null)
	is_string(c)
	c != ""
}

configured_public_classes := c if {
	c := k8s.setting(["apisix", "publicIngressClasses"], null)
	is_array(c)
}

classes_restricted if is_array(configured_public_classes)

# public_class holds when the object's class is public: every class when
# apisix.publicIngressClasses is not a list, an unknown default class always.
public_class if not classes_restricted

public_class if not effective_class

public_class if effective_class in configured_public_classes

# class_text describes the class for messages.
class_text := sprintf("ingress class %q", [ingress_class]) if ingress_class != ""

else := "the default ingress class"

# --- Authentication ---------------------------------------------------------------

# The authentication plugins APISIX lists (apisix.apache.org/docs/apisix/getting-started/key-authentication/:
# key, basic, JWT, Keycloak, Casdoor, Wolf RBAC, OpenID Connect, CAS, HMAC, LDAP, OPA,
# forward and multiple authentication); configurable as apisix.authPlugins. authz-casbin,
# also listed there, is left out: it authorizes a username it reads from a request
# header the client sets, and verifies no credential.
default_auth_plugins := [
	"key-auth", "jwt-auth", "basic-auth", "hmac-auth", "ldap-auth", "wolf-rbac",
	"openid-connect", "authz-keycloak", "authz-casdoor", "cas-auth", "forward-auth",
	"multi-auth", "opa",
]

auth_plugins := {n | some n in list; is_string(n)} if {
	list := k8s.setting(["apisix", "authPlugins"], default_auth_plugins)
	is_array(list)
} else := {n | some n in default_auth_plugins}

# weakened(name, p) is why an auth plugin lets unauthenticated requests through, or
# undefined. anonymous_consumer (key-auth, basic-auth, jwt-auth, hmac-auth, ldap-auth,
# multi-auth: schema_def.anonymous_consumer_schema) runs a request without
# credentials as that consumer; _meta.filter runs the plugin only for requests its
# vars expression matches (apache/apisix apisix/plugin.lua meta_filter); openid-connect
# unauth_action "pass" forwards it; forward-auth allow_degradation lets it through when
# the auth service is down.
weakened(_, p) := sprintf("anonymous_consumer %q admits requests without credentials", [a]) if {
	a := config(p).anonymous_consumer
	a != null
	a != ""
}

else := "_meta.filter runs it only for requests that match the filter, and the others skip it" if {
	f := config(p)._meta.filter
	f != null
	f != []
} else := "unauth_action \"pass\" forwards requests without a token" if {
	p.name == "openid-connect"
	config(p).unauth_action == "pass"
} else := "allow_degradation: true lets requests through when the auth service is down" if {
	p.name == "forward-auth"
	config(p).allow_degradation == true
}

# --- Hosts ------------------------------------------------------------------------

cluster_domains := {lower(trim_suffix(d, ".")) | some d in list; is_string(d)} if {
	list := k8s.setting(["service", "clusterDomains"], ["cluster.local"])
	is_array(list)
} else := {"cluster.local"}

# in_cluster_host(h): a Kubernetes Service name (a bare name, *.svc, or
# *.svc.<cluster domain>), as the cluster's DNS resolves it for the gateway's pods.
# The two-label form name.namespace is not trusted: "example.com" reads the same.
in_cluster_host(h) if not contains(trim_suffix(h, "."), ".")

in_cluster_host(h) if endswith(lower(trim_suffix(h, ".")), ".svc")

in_cluster_host(h) if {
	some d in cluster_domains
	endswith(lower(trim_suffix(h, ".")), concat("", [".svc.", d]))
}

# glob_entry_matches(e, keys): a config entry {namespace, name, ...} whose globs all
# match (a missing key matches anything; a key that is not a string matches nothing).
glob_entry_matches(e, values) if {
	is_object(e)
	every key, value in values {
		pattern := object.get(e, key, "*")
		is_string(pattern)
		glob.match(pattern, [], value)
	}
}
