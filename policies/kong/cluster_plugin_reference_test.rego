package kong.cluster_plugin_reference_test

import data.kong.cluster_plugin_reference

request(group, kind, namespace, plugins) := {"request": {
	"kind": {"group": group, "version": "v1", "kind": kind},
	"name": "api",
	"namespace": namespace,
	"operation": "CREATE",
	"object": {"metadata": {"name": "api", "namespace": namespace, "annotations": {"konghq.com/plugins": plugins}}},
}}

ingress(plugins) := request("networking.k8s.io", "Ingress", "team-a", plugins)

inventory := {"kong": {
	"clusterPlugins": {"platform-auth-header": {"plugin": "request-transformer", "global": false}, "shared-rate-limit": {"plugin": "rate-limiting", "global": false}},
	"plugins": {"team-b": {"platform-auth-header": {"plugin": "request-transformer"}}},
}}

msg := "Ingress team-a/api: konghq.com/plugins names \"platform-auth-header\", which resolves to the KongClusterPlugin platform-auth-header (plugin request-transformer) unless a KongPlugin of that name exists in namespace team-a, so a platform-owned plugin and whatever it carries applies to this tenant's routes; create a KongPlugin in the namespace instead, or have the platform list \"platform-auth-header\" in apiguard.config.kong.tenantClusterPlugins"

test_cluster_plugin_from_tenant_warned if {
	cluster_plugin_reference.warn == {msg} with input as ingress("rate-limit, platform-auth-header") with data.apiguard.inventory as inventory
	count(cluster_plugin_reference.warn) == 1 with input as request("", "Service", "team-a", "platform-auth-header") with data.apiguard.inventory as inventory
	count(cluster_plugin_reference.warn) == 1 with input as request("configuration.konghq.com", "KongConsumer", "team-a", "platform-auth-header") with data.apiguard.inventory as inventory
}

# Configured names count when no inventory holds them.
test_configured_names if {
	count(cluster_plugin_reference.warn) == 1 with input as ingress("global-oidc") with data.apiguard.config as {"kong": {"clusterPlugins": ["global-oidc"]}}
	count(cluster_plugin_reference.warn) == 0 with input as ingress("global-oidc")
}

# KIC resolves the namespace's KongPlugin of that name first.
test_local_plugin_of_same_name_not_judged if {
	count(cluster_plugin_reference.warn) == 0 with input as request("networking.k8s.io", "Ingress", "team-b", "platform-auth-header") with data.apiguard.inventory as inventory
}

test_allowances if {
	count(cluster_plugin_reference.warn) == 0 with input as ingress("shared-rate-limit") with data.apiguard.inventory as inventory with data.apiguard.config as {"kong": {"tenantClusterPlugins": ["shared-rate-limit"]}}
	count(cluster_plugin_reference.warn) == 0 with input as ingress("platform-auth-header") with data.apiguard.inventory as inventory with data.apiguard.config as {"kong": {"platformNamespaces": ["team-*"]}}
}

# "namespace:name" names a KongPlugin of another namespace (KongReferenceGrant).
test_namespaced_reference_not_judged if {
	count(cluster_plugin_reference.warn) == 0 with input as ingress("team-b:platform-auth-header") with data.apiguard.inventory as inventory
}

test_other_kinds_and_delete_not_judged if {
	count(cluster_plugin_reference.warn) == 0 with input as request("gateway.networking.k8s.io", "HTTPRoute", "team-a", "platform-auth-header") with data.apiguard.inventory as inventory
	r := ingress("platform-auth-header")
	del := json.patch(r, [{"op": "replace", "path": "/request/operation", "value": "DELETE"}, {"op": "add", "path": "/request/oldObject", "value": r.request.object}, {"op": "remove", "path": "/request/object"}])
	count(cluster_plugin_reference.warn) == 0 with input as del with data.apiguard.inventory as inventory
}
