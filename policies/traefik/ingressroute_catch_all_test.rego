package traefik.ingressroute_catch_all_test

import data.traefik.ingressroute_catch_all

req(op, spec) := {"request": {
	"uid": "1",
	"kind": {"group": "traefik.io", "version": "v1alpha1", "kind": "IngressRoute"},
	"name": "web",
	"namespace": "shop",
	"operation": op,
	"object": {"apiVersion": "traefik.io/v1alpha1", "kind": "IngressRoute", "metadata": {"name": "web", "namespace": "shop"}, "spec": spec},
}}

spec(match) := {"entryPoints": ["websecure"], "routes": [{"match": match, "services": [{"name": "web", "port": 80}]}], "tls": {}}

denied(match) if count(ingressroute_catch_all.deny) == 1 with input as req("CREATE", spec(match))

allowed(match) if count(ingressroute_catch_all.deny) == 0 with input as req("CREATE", spec(match))

test_path_prefix_alone_denied if {
	msgs := ingressroute_catch_all.deny with input as req("CREATE", spec("PathPrefix(`/`)"))
	msgs == {"IngressRoute shop/web: spec.routes[0].match \"PathPrefix(`/`)\" matches requests for any host (no Host or HostRegexp matcher restricts every branch of it), and the route listens on public entry points (websecure), so it takes traffic for hosts other teams own or have not claimed yet; start the match with Host(`<your host>`) && ... and drop || branches that do without it"}
	count(ingressroute_catch_all.deny) == 1 with input as req("AUDIT", spec("PathPrefix(`/`)"))
}

# Attacker variants: every one matches a host it does not name (pkg/rules, pkg/muxer/http).
test_catch_all_variants_denied if {
	every m in [
		"Host(`shop.example.com`) || PathPrefix(`/api`)",
		"!Host(`admin.example.com`)",
		"Host(`*`)",
		"HostRegexp(`.*`)",
		"HostRegexp(`.+`)",
		"HostRegexp(`^.*$`)",
		"HostRegexp(`.*\\.com`)",
		"Method(`GET`)",
		"Header(`X-Debug`, `1`)",
		"!(Host(`shop.example.com`) && Path(`/x`))",
		"(Host(`shop.example.com`) && Path(`/a`)) || Path(`/b`)",
		"PathPrefix(`/`) || Host(`shop.example.com`)",
		"ClientIP(`0.0.0.0/0`)",
	] {
		denied(m)
	}
}

# Rules apiguard cannot read are denied: comments, escapes, odd spellings, wrong arity.
test_unreadable_denied if {
	every m in [
		"Host(`shop.example.com`) /* x */ || PathPrefix(`/`)",
		"Host(\"\\x2a\")",
		"hOST(`shop.example.com`)",
		"Host(`a.example.com`, `b.example.com`)",
		"Host(`shop.example.com`) &&",
		"Host(`shop.example.com`) & PathPrefix(`/`)",
	] {
		msgs := ingressroute_catch_all.deny with input as req("CREATE", spec(m))
		some msg in msgs
		contains(msg, "cannot be read")
	}
}

test_host_restricted_allowed if {
	every m in [
		"Host(`shop.example.com`)",
		"Host(`shop.example.com`) && PathPrefix(`/api`)",
		"host(`shop.example.com`)",
		"HOST(`shop.example.com`)",
		"Host(\"shop.example.com\")",
		"Host( `shop.example.com` )",
		"(Host(`a.example.com`) || Host(`b.example.com`)) && PathPrefix(`/`)",
		"Host(`*.example.com`)",
		"HostRegexp(`^[a-z]+\\.example\\.com$`)",
		"Host(`shop.example.com`) && !PathPrefix(`/admin`)",
		"!!Host(`shop.example.com`)",
		"Host(`a.example.com`) && (Path(`/x`) || Host(`*`))",
	] {
		allowed(m)
	}
}

# syntax: v2 reads several Host arguments and gorilla host templates.
test_v2_syntax if {
	count(ingressroute_catch_all.deny) == 0 with input as req("CREATE", {"routes": [{"match": "Host(`a.example.com`, `b.example.com`)", "syntax": "v2", "services": [{"name": "web", "port": 80}]}]})
	count(ingressroute_catch_all.deny) == 0 with input as req("CREATE", {"routes": [{"match": "HostRegexp(`{sub:[a-z]+}.example.com`)", "syntax": "v2", "services": [{"name": "web", "port": 80}]}]})
	count(ingressroute_catch_all.deny) == 1 with input as req("CREATE", {"routes": [{"match": "HostRegexp(`{any:.*}`)", "syntax": "v2", "services": [{"name": "web", "port": 80}]}]})

	# "V2" is not v2: Traefik reads it as v3, where Host takes one argument.
	count(ingressroute_catch_all.deny) == 1 with input as req("CREATE", {"routes": [{"match": "Host(`a.example.com`, `b.example.com`)", "syntax": "V2", "services": [{"name": "web", "port": 80}]}]})
}

test_public_entry_points_config if {
	count(ingressroute_catch_all.deny) == 0 with input as req("CREATE", spec("PathPrefix(`/`)"))
		with data.apiguard.config as {"traefik": {"publicEntryPoints": ["web"]}}
	count(ingressroute_catch_all.deny) == 1 with input as req("CREATE", {"routes": [{"match": "PathPrefix(`/`)"}]})
		with data.apiguard.config as {"traefik": {"publicEntryPoints": ["web"]}}
	count(ingressroute_catch_all.deny) == 0 with input as req("CREATE", spec("PathPrefix(`/`)"))
		with data.apiguard.config as {"traefik": {"catchAllNamespaces": ["shop"]}}
}

test_not_judged if {
	count(ingressroute_catch_all.deny) == 0 with input as req("DELETE", spec("PathPrefix(`/`)"))
	count(ingressroute_catch_all.deny) == 0 with input as req("CREATE", {"parentRefs": [{"name": "p"}], "routes": [{"match": "PathPrefix(`/`)"}]})
	count(ingressroute_catch_all.deny) == 0 with input as json.patch(req("CREATE", spec("PathPrefix(`/`)")), [{"op": "replace", "path": "/request/kind/group", "value": "traefik.containo.us"}])
}
