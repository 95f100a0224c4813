package traefik.default_tls_resources_test

import data.traefik.default_tls_resources as policy

req(kind, op, name, ns) := {"request": {
	"uid": "1",
	"kind": {"group": "traefik.io", "version": "v1alpha1", "kind": kind},
	"name": name,
	"namespace": ns,
	"operation": op,
	"object": {"apiVersion": "traefik.io/v1alpha1", "kind": kind, "metadata": {"name": name, "namespace": ns}, "spec": {}},
}}

test_tenant_default_denied if {
	policy.deny == {"TLSOption shop/default: a TLSOption named default replaces Traefik's default TLS options (versions, cipher suites, client certificates) for every router of the cluster that names none of its own (and a second one in another namespace makes Traefik drop both), so namespace \"shop\" would set TLS for every team; give it another name and reference it from your IngressRoutes, or ask the platform to list \"shop\" in traefik.defaultTLSNamespaces"} with input as req("TLSOption", "CREATE", "default", "shop")
	count(policy.deny) == 1 with input as req("TLSStore", "UPDATE", "default", "shop")
	count(policy.deny) == 1 with input as req("TLSStore", "AUDIT", "default", "traefik")
}

test_platform_and_other_names_allowed if {
	count(policy.deny) == 0 with input as req("TLSOption", "CREATE", "default", "traefik") with data.apiguard.config as {"traefik": {"defaultTLSNamespaces": ["traefik"]}}
	count(policy.deny) == 0 with input as req("TLSOption", "CREATE", "modern", "shop")

	# Traefik compares the name exactly: "Default" is an ordinary option.
	count(policy.deny) == 0 with input as req("TLSOption", "CREATE", "default-shop", "shop")
}

test_not_judged if {
	count(policy.deny) == 0 with input as req("TLSOption", "DELETE", "default", "shop")
	count(policy.deny) == 0 with input as json.patch(req("TLSOption", "CREATE", "default", "shop"), [{"op": "replace", "path": "/request/kind/group", "value": "traefik.containo.us"}])
}
