package traefik.tcp_sensitive_backend_test

import data.traefik.tcp_sensitive_backend as policy

req(op, spec) := {"request": {
	"uid": "1",
	"kind": {"group": "traefik.io", "version": "v1alpha1", "kind": "IngressRouteTCP"},
	"name": "db",
	"namespace": "shop",
	"operation": op,
	"object": {"apiVersion": "traefik.io/v1alpha1", "kind": "IngressRouteTCP", "metadata": {"name": "db", "namespace": "shop"}, "spec": spec},
}}

spec(match, service, tls) := object.union({"entryPoints": ["postgres"], "routes": [{"match": match, "services": [service]}]}, tls)

pg := {"name": "orders", "port": 5432}

passthrough := {"tls": {"passthrough": true}}

test_passthrough_catch_all_denied if {
	policy.deny == {"IngressRouteTCP shop/db: spec.routes[0] (match \"HostSNI(`*`)\") forwards TLS connections it does not terminate (tls.passthrough) from every client on postgres to spec.routes[0].services[0] \"orders\" port 5432, which looks like a data store (port 5432 is in sensitivePorts); match a HostSNI of your own and let Traefik terminate TLS with client certificates, or keep it off public entry points"} with input as req("CREATE", spec("HostSNI(`*`)", pg, passthrough))
	count(policy.deny) == 1 with input as req("AUDIT", spec("HostSNI(`*`)", pg, passthrough))
}

# Plain TCP (no tls) forwards raw bytes too; names and string ports count.
test_variants_denied if {
	count(policy.deny) == 1 with input as req("CREATE", spec("HostSNI(`*`)", pg, {}))
	count(policy.deny) == 1 with input as req("CREATE", spec("hostsni(`*`)", {"name": "orders-db", "port": 8080}, passthrough))
	count(policy.deny) == 1 with input as req("CREATE", spec("HostSNI(`*`)", {"name": "orders", "port": "postgres"}, passthrough))
	count(policy.deny) == 1 with input as req("CREATE", spec("HostSNI(`*`)", {"name": "orders", "port": "6379"}, passthrough))
	count(policy.deny) == 1 with input as req("CREATE", spec("HostSNIRegexp(`.+`)", pg, passthrough))
	count(policy.deny) == 1 with input as req("CREATE", spec("ClientIP(`0.0.0.0/0`)", pg, {}))
	count(policy.deny) == 1 with input as req("CREATE", spec("HostSNI(`db.example.com`) || HostSNI(`*`)", pg, passthrough))
}

test_allowed if {
	# A named SNI.
	count(policy.deny) == 0 with input as req("CREATE", spec("HostSNI(`db.example.com`)", pg, passthrough))

	# Traefik terminates TLS (its TLSOption decides on client certificates).
	count(policy.deny) == 0 with input as req("CREATE", spec("HostSNI(`*`)", pg, {"tls": {"secretName": "db-tls"}}))

	# Not a data store.
	count(policy.deny) == 0 with input as req("CREATE", spec("HostSNI(`*`)", {"name": "mqtt", "port": 8883}, passthrough))

	# Not a public entry point.
	count(policy.deny) == 0 with input as req("CREATE", spec("HostSNI(`*`)", pg, passthrough)) with data.apiguard.config as {"traefik": {"publicEntryPoints": ["websecure"]}}
}

test_not_judged if {
	count(policy.deny) == 0 with input as req("DELETE", spec("HostSNI(`*`)", pg, passthrough))
	count(policy.deny) == 0 with input as json.patch(req("CREATE", spec("HostSNI(`*`)", pg, passthrough)), [{"op": "replace", "path": "/request/kind/group", "value": "traefik.containo.us"}])
	count(policy.deny) == 0 with input as req("CREATE", spec("HostSNI(`*`)", pg, passthrough)) with data.apiguard.config as {"traefik": {"tcpSensitiveNamespaces": ["shop"]}}
}
