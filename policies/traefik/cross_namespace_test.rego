package traefik.cross_namespace_test

import data.traefik.cross_namespace

req(kind, op, spec) := {"request": {
	"uid": "1",
	"kind": {"group": "traefik.io", "version": "v1alpha1", "kind": kind},
	"name": "web",
	"namespace": "shop",
	"operation": op,
	"object": {"apiVersion": "traefik.io/v1alpha1", "kind": kind, "metadata": {"name": "web", "namespace": "shop"}, "spec": spec},
}}

route(services, middlewares) := {"routes": [{"match": "Host(`shop.example.com`)", "services": services, "middlewares": middlewares}]}

test_other_namespace_service_denied if {
	msgs := cross_namespace.deny with input as req("IngressRoute", "CREATE", route([{"name": "billing", "namespace": "payments", "port": 80}], []))
	msgs == {"IngressRoute shop/web: spec.routes[0].services[0] sends traffic to a Service of namespace \"payments\", so this namespace publishes another team's Service (Traefik refuses it unless allowCrossNamespace is on); route to a Service in \"shop\", or ask the platform to list this namespace in traefik.crossNamespaceServices"}
	count(cross_namespace.deny) == 1 with input as req("IngressRoute", "AUDIT", route([{"name": "billing", "namespace": "payments", "port": 80}], []))
}

test_tcp_service_denied if {
	count(cross_namespace.deny) == 1 with input as req("IngressRouteTCP", "CREATE", route([{"name": "billing", "namespace": "payments", "port": 443}], []))
}

# resolveReference: a @kubernetescrd name is another namespace's object, whatever namespace says.
test_kubernetescrd_reference_denied if {
	msgs := cross_namespace.deny with input as req("IngressRoute", "CREATE", route([{"name": "payments-billing-80@kubernetescrd", "kind": "TraefikService"}], []))
	some msg in msgs
	contains(msg, "@kubernetescrd reference")
}

# namespaceOrParentNamespace: empty or own namespace is the route's own.
test_own_namespace_allowed if {
	count(cross_namespace.deny) == 0 with input as req("IngressRoute", "CREATE", route([{"name": "web", "port": 80}, {"name": "web2", "namespace": "shop", "port": 80}, {"name": "web3", "namespace": "", "port": 80}], [{"name": "auth"}]))
	count(cross_namespace.warn) == 0 with input as req("IngressRoute", "CREATE", route([{"name": "web", "port": 80}], [{"name": "auth", "namespace": "shop"}]))
}

test_config_allows if {
	count(cross_namespace.deny) == 0 with input as req("IngressRoute", "CREATE", route([{"name": "billing", "namespace": "payments", "port": 80}], []))
		with data.apiguard.config as {"traefik": {"crossNamespaceServices": ["sh*"]}}
	count(cross_namespace.deny) == 0 with input as req("IngressRoute", "CREATE", route([{"name": "billing", "namespace": "payments", "port": 80}], []))
		with data.apiguard.config as {"traefik": {"crossNamespaceServices": ["*"]}}
}

test_middlewares_warned if {
	warns := cross_namespace.warn with input as req("IngressRoute", "CREATE", route([{"name": "web", "port": 80}], [{"name": "auth", "namespace": "team-b"}]))
	count(warns) == 1
	count(cross_namespace.deny) == 0 with input as req("IngressRoute", "CREATE", route([{"name": "web", "port": 80}], [{"name": "auth", "namespace": "team-b"}]))
	count(cross_namespace.warn) == 1 with input as req("IngressRoute", "CREATE", route([{"name": "web", "port": 80, "middlewares": [{"name": "m", "namespace": "team-b"}]}], []))
	count(cross_namespace.warn) == 0 with input as req("IngressRoute", "CREATE", route([{"name": "web", "port": 80}], [{"name": "auth", "namespace": "traefik"}]))
		with data.apiguard.config as {"traefik": {"sharedMiddlewareNamespaces": ["traefik"]}}
}

# api@internal is Traefik's API and dashboard; other providers' objects are warned.
test_other_provider_warned if {
	warns := cross_namespace.warn with input as req("IngressRoute", "CREATE", route([{"name": "api@internal", "kind": "TraefikService"}], []))
	count(warns) == 1
	count(cross_namespace.warn) == 1 with input as req("IngressRoute", "CREATE", route([{"name": "web", "port": 80}], [{"name": "auth@file"}]))
}

test_not_judged if {
	count(cross_namespace.deny) == 0 with input as req("IngressRoute", "DELETE", route([{"name": "billing", "namespace": "payments", "port": 80}], []))
	count(cross_namespace.deny) == 0 with input as json.patch(req("IngressRoute", "CREATE", route([{"name": "billing", "namespace": "payments", "port": 80}], [])), [{"op": "replace", "path": "/request/kind/group", "value": "traefik.containo.us"}])
}

# A TraefikService of shop balancing to payments' Service is the same exposure, one hop away.
test_traefik_service_denied if {
	every spec in [
		{"weighted": {"services": [{"name": "shop", "port": 80}, {"name": "billing", "namespace": "payments", "port": 80}]}},
		{"highestRandomWeight": {"services": [{"name": "billing", "namespace": "payments", "port": 80}]}},
		{"mirroring": {"name": "billing", "namespace": "payments", "port": 80}},
		{"mirroring": {"name": "shop", "port": 80, "mirrors": [{"name": "billing", "namespace": "payments", "port": 80, "percent": 10}]}},
		{"failover": {"service": {"name": "shop", "port": 80}, "fallback": {"name": "billing", "namespace": "payments", "port": 80}}},
	] {
		count(cross_namespace.deny) == 1 with input as req("TraefikService", "CREATE", spec)
	}
	count(cross_namespace.deny) == 0 with input as req("TraefikService", "CREATE", {"weighted": {"services": [{"name": "shop", "port": 80}]}})
	count(cross_namespace.warn) == 1 with input as req("TraefikService", "CREATE", {"weighted": {"services": [{"name": "shop", "port": 80, "middlewares": [{"name": "m", "namespace": "team-b"}]}]}})
}

test_middleware_references if {
	count(cross_namespace.deny) == 1 with input as req("Middleware", "CREATE", {"errors": {"status": ["500"], "query": "/{status}.html", "service": {"name": "pages", "namespace": "payments", "port": 80}}})
	count(cross_namespace.deny) == 0 with input as req("Middleware", "CREATE", {"errors": {"status": ["500"], "query": "/{status}.html", "service": {"name": "pages", "port": 80}}})
	count(cross_namespace.warn) == 1 with input as req("Middleware", "CREATE", {"chain": {"middlewares": [{"name": "a"}, {"name": "sso", "namespace": "auth"}]}})
	count(cross_namespace.warn) == 1 with input as req("IngressRouteTCP", "CREATE", route([{"name": "db", "port": 5432}], [{"name": "allow", "namespace": "team-b"}]))
}

test_servers_transport_reference if {
	count(cross_namespace.deny) == 1 with input as req("IngressRoute", "CREATE", route([{"name": "api", "port": 443, "serversTransport": "payments-mtls@kubernetescrd"}], []))
	count(cross_namespace.deny) == 0 with input as req("IngressRoute", "CREATE", route([{"name": "api", "port": 443, "serversTransport": "mtls"}], []))
	count(cross_namespace.warn) == 1 with input as req("IngressRoute", "CREATE", route([{"name": "api", "port": 443, "serversTransport": "mtls@file"}], []))
}

test_parent_refs if {
	msgs := cross_namespace.deny with input as req("IngressRoute", "CREATE", {"parentRefs": [{"name": "shop", "namespace": "payments"}], "routes": [{"match": "PathPrefix(`/x`)", "services": [{"name": "web", "port": 80}]}]})
	msgs == {"IngressRoute shop/web: spec.parentRefs[0] attaches the routes under IngressRoute payments/shop, so this namespace adds paths to the hosts of namespace \"payments\"; attach to a parent IngressRoute of \"shop\", or ask the platform to list this namespace in traefik.crossNamespaceParents"}
	count(cross_namespace.deny) == 0 with input as req("IngressRoute", "CREATE", {"parentRefs": [{"name": "shop"}, {"name": "shop2", "namespace": "shop"}], "routes": [{"match": "PathPrefix(`/x`)"}]})
	count(cross_namespace.deny) == 0 with input as req("IngressRoute", "CREATE", {"parentRefs": [{"name": "shop", "namespace": "payments"}], "routes": [{"match": "PathPrefix(`/x`)"}]})
		with data.apiguard.config as {"traefik": {"crossNamespaceParents": ["shop"]}}
}
