# METADATA
# title: Tenants should not attach KongClusterPlugins to their routes
# description: >-
#   konghq.com/plugins lists plugins by name (split on ",", items trimmed; a
#   "namespace:name" item names a KongPlugin of another namespace, admitted by a
#   KongReferenceGrant). Kong Ingress Controller resolves each name to the KongPlugin
#   of that name in the object's namespace and, when there is none, to the
#   cluster-scoped KongClusterPlugin of that name (Kong/kong-operator
#   ingress-controller/internal/dataplane/kongstate/plugin.go
#   getKongPluginOrKongClusterPlugin). So any namespace can attach a platform's
#   KongClusterPlugin, with whatever it carries (an upstream credential a
#   request-transformer adds, a relaxed authentication, Lua), to its own routes by
#   writing its name, and the platform's later changes to it reach the tenant's
#   routes. Warned on networking.k8s.io Ingresses, core Services and
#   configuration.konghq.com KongConsumers in a tenant namespace (one not matching
#   data.apiguard.config.kong.platformNamespaces, globs, default none) that name a
#   known KongClusterPlugin not listed in data.apiguard.config.kong.tenantClusterPlugins
#   (names tenants may use, default none). apiguard cannot see plugin objects from the
#   annotation, so the KongClusterPlugins are those of the inventory
#   (data.apiguard.inventory.kong.clusterPlugins: {name: {plugin, global}}) and of
#   data.apiguard.config.kong.clusterPlugins (names, default none); a name that the
#   inventory shows as a KongPlugin of the object's namespace
#   (data.apiguard.inventory.kong.plugins.<namespace>.<name>) is that KongPlugin and
#   is not judged. Names known as neither are not judged. Only objects carrying a
#   konghq.com/ annotation are read.
# custom:
#   kinds: [networking.k8s.io/Ingress, core/Service, configuration.konghq.com/KongConsumer]
#   severity: medium
#   field: metadata.annotations["konghq.com/plugins"]
#   remediation: >-
#     Create a KongPlugin in the namespace with the configuration the route needs, or
#     have the platform list the cluster plugin in
#     apiguard.config.kong.tenantClusterPlugins.
package kong.cluster_plugin_reference

import data.lib.kong
import data.lib.kubernetes as k8s

warn contains msg if {
	applies
	some name in referenced
	cluster_plugin(name)
	not name in tenant_allowed
	not local_plugin(name)
	msg := sprintf(
		"%s: konghq.com/plugins names %q, which resolves to the KongClusterPlugin %s%s unless a KongPlugin of that name exists in namespace %s, so a platform-owned plugin and whatever it carries applies to this tenant's routes; create a KongPlugin in the namespace instead, or have the platform list %q in apiguard.config.kong.tenantClusterPlugins",
		[k8s.display, name, name, plugin_text(name), k8s.namespace, name],
	)
}

applies if {
	k8s.is_check
	kinds[k8s.group] == k8s.kind
	kong.has_kong_annotation
	not k8s.namespace_in(k8s.setting(["kong", "platformNamespaces"], []))
}

kinds := {"networking.k8s.io": "Ingress", "": "Service", "configuration.konghq.com": "KongConsumer"}

# referenced: plain names; "namespace:name" items name a KongPlugin of another
# namespace (ExtractNamespacedKongPluginsFromAnnotations) and are left to KIC's
# KongReferenceGrant check.
referenced contains name if {
	some name in kong.annotation_list("konghq.com/plugins")
	not contains(name, ":")
}

inventory := i if {
	i := data.apiguard.inventory.kong
	is_object(i)
} else := {}

cluster_plugin(name) if is_object(object.get(inventory, ["clusterPlugins", name], null))

cluster_plugin(name) if name in k8s.setting(["kong", "clusterPlugins"], [])

local_plugin(name) if is_object(object.get(inventory, ["plugins", k8s.namespace, name], null))

tenant_allowed := {n | some n in k8s.setting(["kong", "tenantClusterPlugins"], [])}

plugin_text(name) := sprintf(" (plugin %s)", [p]) if {
	p := inventory.clusterPlugins[name].plugin
	is_string(p)
} else := ""
