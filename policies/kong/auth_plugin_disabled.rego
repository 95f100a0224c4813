# METADATA
# title: Kong authentication plugins must not be disabled or narrowed to some protocols
# description: >-
#   An authentication plugin (the list of kong.no_anonymous_auth, and
#   data.apiguard.config.kong.authPlugins) on a configuration.konghq.com KongPlugin or
#   KongClusterPlugin with disabled: true is denied: Kong Ingress Controller sends it
#   with enabled: false (Kong/kong-operator ingress-controller/internal/dataplane/
#   kongstate/plugin.go toKongPlugin), Kong skips it, and every route, service or
#   consumer that names it in konghq.com/plugins is served without that
#   authentication while the manifest still shows it attached. The plugin's protocols
#   list (CRD enum http, https, grpc, grpcs, tcp, tls, udp) limits the requests it runs
#   on: a request received over a protocol the route accepts but the plugin does not
#   list skips it. An auth plugin whose protocols leave out http or https (Kong's
#   routes accept both unless konghq.com/protocols narrows them, see
#   kong.ingress_https_only) is warned, since apiguard cannot see the routes it is
#   attached to.
# custom:
#   kinds: [configuration.konghq.com/KongPlugin, configuration.konghq.com/KongClusterPlugin]
#   severity: high
#   field: disabled
#   remediation: >-
#     Remove disabled: true (or detach the plugin from the routes in
#     konghq.com/plugins, so the manifests say they are unauthenticated), and leave
#     protocols unset on authentication plugins.
package kong.auth_plugin_disabled

import data.lib.kong
import data.lib.kubernetes as k8s

deny contains msg if {
	applies
	kong.disabled
	msg := sprintf(
		"%s: authentication plugin %s has disabled: true, so Kong skips it and the routes that name it in konghq.com/plugins are served without authentication; remove disabled: true, or detach the plugin from those routes",
		[kong.display, kong.plugin],
	)
}

warn contains msg if {
	applies
	not kong.disabled
	protocols := [p | some p in k8s.array_at(k8s.resource, "protocols"); is_string(p)]
	count(protocols) > 0
	missing := [p | some p in ["http", "https"]; not p in protocols]
	count(missing) > 0
	msg := sprintf(
		"%s: authentication plugin %s runs only on protocols %v, so a request a route accepts over %s skips it unauthenticated; leave protocols unset, or make sure every route it is attached to accepts only the listed protocols",
		[kong.display, kong.plugin, protocols, concat(", ", missing)],
	)
}

applies if {
	k8s.is_check
	kong.plugin_kind
	kong.auth_plugin
}
