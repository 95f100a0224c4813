package traefik.ingressroute_tls_test

import data.traefik.ingressroute_tls

req(op, spec) := {"request": {
	"uid": "1",
	"kind": {"group": "traefik.io", "version": "v1alpha1", "kind": "IngressRoute"},
	"name": "web",
	"namespace": "shop",
	"operation": op,
	"object": {"apiVersion": "traefik.io/v1alpha1", "kind": "IngressRoute", "metadata": {"name": "web", "namespace": "shop"}, "spec": spec},
}}

routes := [{"match": "Host(`shop.example.com`)", "kind": "Rule", "services": [{"name": "web", "port": 80}]}]

test_web_without_tls_denied if {
	msgs := ingressroute_tls.deny with input as req("CREATE", {"entryPoints": ["web"], "routes": routes})
	msgs == {"IngressRoute shop/web: spec.tls is not set and the routes listen on entry point(s) web, so Traefik serves them in plain HTTP there and anyone on the path can read and change the traffic; add spec.tls (secretName or certResolver) or list only TLS entry points (websecure) in spec.entryPoints"}
	count(ingressroute_tls.deny) == 1 with input as req("UPDATE", {"entryPoints": ["web"], "routes": routes})
	count(ingressroute_tls.deny) == 1 with input as req("AUDIT", {"entryPoints": ["web"], "routes": routes})
}

# pkg/server/aggregator.go: no entryPoints means the default ones, web among them.
test_no_entry_points_is_every_default_one if {
	msgs := ingressroute_tls.deny with input as req("CREATE", {"routes": routes})
	some msg in msgs
	contains(msg, "the default entry points (spec.entryPoints is unset), including web")
	count(ingressroute_tls.deny) == 1 with input as req("CREATE", {"entryPoints": [], "routes": routes})
}

# A mix of TLS and plain entry points still serves plain HTTP on the plain one.
test_mixed_entry_points_denied if {
	count(ingressroute_tls.deny) == 1 with input as req("CREATE", {"entryPoints": ["websecure", "web"], "routes": routes})
}

# Router TLS is set whenever spec.tls is present, even empty (default certificate).
test_tls_allowed if {
	every tls in [{"secretName": "shop-tls"}, {"certResolver": "le"}, {}] {
		count(ingressroute_tls.deny) == 0 with input as req("CREATE", {"entryPoints": ["web"], "routes": routes, "tls": tls})
	}
}

# tls: null is no TLS (the API server drops it; Go decodes a nil pointer).
test_null_tls_denied if {
	count(ingressroute_tls.deny) == 1 with input as req("CREATE", {"entryPoints": ["web"], "routes": routes, "tls": null})
}

test_websecure_only_allowed if {
	count(ingressroute_tls.deny) == 0 with input as req("CREATE", {"entryPoints": ["websecure"], "routes": routes})
}

# Entry point names compare exactly: "WebSecure" is not the TLS entry point.
test_entry_point_spelling if {
	count(ingressroute_tls.deny) == 1 with input as req("CREATE", {"entryPoints": ["WebSecure"], "routes": routes})
}

test_config if {
	count(ingressroute_tls.deny) == 0 with input as req("CREATE", {"entryPoints": ["web"], "routes": routes})
		with data.apiguard.config as {"traefik": {"tlsEntryPoints": ["web", "websecure"]}}
	count(ingressroute_tls.deny) == 0 with input as req("CREATE", {"routes": routes})
		with data.apiguard.config as {"traefik": {"defaultEntryPoints": ["websecure"]}}
	count(ingressroute_tls.deny) == 0 with input as req("CREATE", {"entryPoints": ["web"], "routes": routes})
		with data.apiguard.config as {"traefik": {"plainHTTPNamespaces": ["sh*"]}}
}

# A child IngressRoute runs inside its parent's routers (router.go).
test_child_not_judged if {
	count(ingressroute_tls.deny) == 0 with input as req("CREATE", {"parentRefs": [{"name": "parent"}], "routes": routes})
	count(ingressroute_tls.deny) == 1 with input as req("CREATE", {"parentRefs": [], "routes": routes})
}

test_delete_and_other_group_not_judged if {
	count(ingressroute_tls.deny) == 0 with input as req("DELETE", {"entryPoints": ["web"], "routes": routes})
	count(ingressroute_tls.deny) == 0 with input as json.patch(req("CREATE", {"entryPoints": ["web"], "routes": routes}), [{"op": "replace", "path": "/request/kind/group", "value": "traefik.containo.us"}])
}
