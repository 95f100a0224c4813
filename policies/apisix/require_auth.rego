# METADATA
# title: APISIX HTTP routes on a public ingress class must authenticate
# description: >-
#   Each spec.http[] rule of an ApisixRoute (apisix.apache.org) becomes one APISIX route
#   (apache/apisix-ingress-controller internal/adc/translator/apisixroute.go
#   translateHTTPRule). Without authentication APISIX proxies every request that matches
#   it. A rule on a public ingress class is denied unless it authenticates, in one of
#   the ways APISIX runs:
#   authentication.enable: true (addAuthenticationPlugins adds key-auth, basic-auth,
#   jwt-auth, hmac-auth, wolf-rbac or ldap-auth, and basic-auth for any other type); an
#   enabled plugin of APISIX's Authentication category in plugins[] (the same plugin in
#   the same map, lib.apisix auth_plugins; the last enabled entry of a name is the one
#   that runs); or a plugin_config_name the platform lists in apisix.authPluginConfigs
#   (the ApisixPluginConfig's plugins are not visible at admission, so an unlisted one
#   does not count). An auth plugin that admits requests without credentials does not
#   count: anonymous_consumer (key-auth, basic-auth, jwt-auth, hmac-auth, ldap-auth),
#   _meta.filter (APISIX runs the plugin only for requests matching it, apache/apisix
#   apisix/plugin.lua meta_filter), _meta.disable: true (check_disable skips it),
#   openid-connect unauth_action "pass", forward-auth allow_degradation: true. A rule is
#   public unless apisix.publicIngressClasses (every class when unset) leaves its
#   spec.ingressClassName out; a route without one goes to the controller's default
#   IngressClass (FindMatchingIngressClassByName), public unless
#   apisix.defaultIngressClass names a class that is not. Public APIs are listed in
#   apisix.publicRoutes. match.remoteAddrs is not counted as a restriction: behind a
#   load balancer that rewrites the source address it matches the balancer.
# custom:
#   kinds: [apisix.apache.org/ApisixRoute]
#   severity: high
#   field: spec.http[].authentication
#   remediation: >-
#     Set authentication: {enable: true, type: keyAuth} (or jwtAuth, basicAuth,
#     hmacAuth, ldapAuth, wolfRBAC) on the rule, or enable an auth plugin such as
#     openid-connect; list deliberately public APIs in apisix.publicRoutes.
package apisix.require_auth

import data.lib.apisix
import data.lib.kubernetes as k8s

deny contains msg if {
	apisix.route
	k8s.is_check
	apisix.public_class
	some i, rule in k8s.array_at(k8s.spec, "http")
	is_object(rule)
	not authenticated(rule)
	not public_route(rule)
	msg := sprintf(
		"%s: spec.http[%d] (%s) on %s has no authentication%s, so anyone on the internet can call it; set authentication: {enable: true, type: keyAuth} (or another type) or enable an auth plugin, or list the route in apisix.publicRoutes if it is meant to be public",
		[k8s.display, i, rule_name(rule), apisix.class_text, detail(rule)],
	)
}

authenticated(rule) if rule.authentication.enable == true

authenticated(rule) if {
	some name, [_, p] in apisix.effective(k8s.array_at(rule, "plugins"))
	name in apisix.auth_plugins
	not apisix.weakened(name, p)
}

# A listed PluginConfig authenticates unless one of the rule's own enabled auth plugins
# replaces its plugin of that name with one that admits anonymous requests.
authenticated(rule) if {
	trusted_plugin_config(rule)
	not some_weakened(rule)
}

some_weakened(rule) if {
	some name, [_, p] in apisix.effective(k8s.array_at(rule, "plugins"))
	name in apisix.auth_plugins
	apisix.weakened(name, p)
}

trusted_plugin_config(rule) if {
	name := rule.plugin_config_name
	is_string(name)
	name != ""
	some e in k8s.setting(["apisix", "authPluginConfigs"], [])
	apisix.glob_entry_matches(e, {"namespace": plugin_config_namespace(rule), "name": name})
}

plugin_config_namespace(rule) := ns if {
	ns := rule.plugin_config_namespace
	is_string(ns)
	ns != ""
} else := k8s.namespace

public_route(rule) if {
	some e in k8s.setting(["apisix", "publicRoutes"], [])
	apisix.glob_entry_matches(e, {"namespace": k8s.namespace, "name": k8s.name, "rule": rule_name(rule)})
}

rule_name(rule) := n if {
	n := rule.name
	is_string(n)
} else := ""

# detail(rule) says why what the rule has does not count.
detail(rule) := sprintf(" (%s)", [concat("; ", sort(weak))]) if {
	weak := [sprintf("%s: %s", [name, why]) |
		some name, [_, p] in apisix.effective(k8s.array_at(rule, "plugins"))
		name in apisix.auth_plugins
		why := apisix.weakened(name, p)
	]
	count(weak) > 0
} else := sprintf(" (its ApisixPluginConfig %s/%s is not in apisix.authPluginConfigs, and apiguard cannot see its plugins)", [plugin_config_namespace(rule), rule.plugin_config_name]) if {
	is_string(rule.plugin_config_name)
	rule.plugin_config_name != ""
} else := " (authentication.enable is not true)" if {
	is_object(rule.authentication)
} else := ""
