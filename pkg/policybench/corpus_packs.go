package policybench

import "fmt"

// The corpora of the Istio, Envoy Gateway and Contour packs: one kind each whose checks
// are the pack's busiest (an AuthorizationPolicy and a VirtualService for Istio, a
// SecurityPolicy for Envoy Gateway, an HTTPProxy for Contour), so `apiguard test --bench`
// reports what a decision of each pack costs beside an Ingress decision.

func authorizationPolicy(name string, spec map[string]any) map[string]any {
	return object("security.istio.io/v1", "AuthorizationPolicy", name, nil, nil, spec)
}

func authzRule(i int) map[string]any {
	return map[string]any{
		"from": []any{map[string]any{"source": map[string]any{"principals": []any{fmt.Sprintf("cluster.local/ns/team-bench/sa/client-%03d", i)}}}},
		"to":   []any{map[string]any{"operation": map[string]any{"methods": []any{"GET"}, "paths": []any{fmt.Sprintf("/api/v1/items-%03d/*", i)}}}},
	}
}

func authorizationPolicyCorpus() KindCorpus {
	sel := func(app string) map[string]any {
		return map[string]any{"matchLabels": map[string]any{"app": app}}
	}
	large := make([]any, largeN)
	for i := range large {
		large[i] = authzRule(i)
	}
	return KindCorpus{Group: "security.istio.io", Version: "v1", Kind: "AuthorizationPolicy", Objects: map[Class][]map[string]any{
		ClassClean: {
			authorizationPolicy("shop", map[string]any{"selector": sel("shop"), "action": "ALLOW", "rules": []any{authzRule(0)}}),
			authorizationPolicy("deny-admin", map[string]any{"selector": sel("cart"), "action": "DENY", "rules": []any{
				map[string]any{"to": []any{map[string]any{"operation": map[string]any{"paths": []any{"/admin/*"}}}}},
			}}),
		},
		ClassViolating: {
			authorizationPolicy("allow-all", map[string]any{"selector": sel("open"), "action": "ALLOW", "rules": []any{map[string]any{}}}),
			authorizationPolicy("any-principal", map[string]any{"selector": sel("any"), "rules": []any{
				map[string]any{"from": []any{map[string]any{"source": map[string]any{"principals": []any{"*"}}}}},
			}}),
		},
		ClassLarge: {authorizationPolicy("large", map[string]any{"selector": sel("large"), "action": "ALLOW", "rules": large})},
	}}
}

func virtualService(name string, hosts []string, routes int, mutate func(map[string]any)) map[string]any {
	hs := make([]any, len(hosts))
	for i, h := range hosts {
		hs[i] = h
	}
	http := make([]any, routes)
	for i := range http {
		http[i] = map[string]any{
			"match": []any{map[string]any{"uri": map[string]any{"prefix": fmt.Sprintf("/v%d/", i)}}},
			"route": []any{map[string]any{"destination": map[string]any{"host": name + ".team-bench.svc.cluster.local", "port": map[string]any{"number": 8080}}}},
		}
	}
	spec := map[string]any{"hosts": hs, "gateways": []any{"istio-system/public"}, "http": http}
	if mutate != nil {
		mutate(spec)
	}
	return object("networking.istio.io/v1", "VirtualService", name, nil, nil, spec)
}

func virtualServiceCorpus() KindCorpus {
	one := func(name string) []string { return []string{name + "-vs.team-bench.example.com"} }
	return KindCorpus{Group: "networking.istio.io", Version: "v1", Kind: "VirtualService", Objects: map[Class][]map[string]any{
		ClassClean: {
			virtualService("shop", one("shop"), 1, nil),
			virtualService("cart", []string{"cart-vs.team-bench.example.com", "cart-api-vs.team-bench.example.com"}, 2, nil),
		},
		ClassViolating: {
			virtualService("catch-all", []string{"*"}, 1, nil),
			virtualService("taken", []string{existingHost(0)}, 1, nil),
			virtualService("cors", one("cors"), 1, func(s map[string]any) {
				s["http"].([]any)[0].(map[string]any)["corsPolicy"] = map[string]any{
					"allowOrigins":     []any{map[string]any{"regex": ".*"}},
					"allowCredentials": true,
				}
			}),
		},
		ClassLarge: {virtualService("large", hostsOf("large-vs", largeN), largeN, nil)},
	}}
}

func envoySecurityPolicy(name string, spec map[string]any) map[string]any {
	spec["targetRefs"] = []any{map[string]any{"group": "gateway.networking.k8s.io", "kind": "HTTPRoute", "name": name}}
	return object("gateway.envoyproxy.io/v1alpha1", "SecurityPolicy", name, nil, nil, spec)
}

func jwtProviders(optional bool) map[string]any {
	jwt := map[string]any{"providers": []any{map[string]any{
		"name": "idp", "issuer": "https://idp.example.com",
		"remoteJWKS": map[string]any{"uri": "https://idp.example.com/.well-known/jwks.json"},
	}}}
	if optional {
		jwt["optional"] = true
	}
	return jwt
}

func allowCIDRRule(i int) map[string]any {
	return map[string]any{
		"name": fmt.Sprintf("office-%03d", i), "action": "Allow",
		"principal": map[string]any{"clientCIDRs": []any{fmt.Sprintf("10.%d.%d.0/24", i/256, i%256)}},
	}
}

func envoySecurityPolicyCorpus() KindCorpus {
	large := make([]any, largeN)
	for i := range large {
		large[i] = allowCIDRRule(i)
	}
	return KindCorpus{Group: "gateway.envoyproxy.io", Version: "v1alpha1", Kind: "SecurityPolicy", Objects: map[Class][]map[string]any{
		ClassClean: {
			envoySecurityPolicy("shop", map[string]any{"jwt": jwtProviders(false)}),
			envoySecurityPolicy("office", map[string]any{"authorization": map[string]any{"defaultAction": "Deny", "rules": []any{allowCIDRRule(0)}}}),
		},
		ClassViolating: {
			envoySecurityPolicy("optional-jwt", map[string]any{"jwt": jwtProviders(true)}),
			envoySecurityPolicy("world", map[string]any{"authorization": map[string]any{"defaultAction": "Deny", "rules": []any{
				map[string]any{"name": "world", "action": "Allow", "principal": map[string]any{"clientCIDRs": []any{"0.0.0.0/0"}}},
			}}}),
		},
		ClassLarge: {envoySecurityPolicy("large", map[string]any{"authorization": map[string]any{"defaultAction": "Deny", "rules": large}})},
	}}
}

func httpProxy(name, fqdn string, routes int, mutate func(map[string]any)) map[string]any {
	rs := make([]any, routes)
	for i := range rs {
		rs[i] = map[string]any{
			"conditions": []any{map[string]any{"prefix": fmt.Sprintf("/v%d", i)}},
			"services":   []any{map[string]any{"name": name, "port": 8080}},
		}
	}
	spec := map[string]any{
		"virtualhost": map[string]any{"fqdn": fqdn, "tls": map[string]any{"secretName": name + "-tls", "minimumProtocolVersion": "1.2"}},
		"routes":      rs,
	}
	if mutate != nil {
		mutate(spec)
	}
	return object("projectcontour.io/v1", "HTTPProxy", name, nil, nil, spec)
}

func httpProxyCorpus() KindCorpus {
	host := func(name string) string { return name + "-proxy.team-bench.example.com" }
	return KindCorpus{Group: "projectcontour.io", Version: "v1", Kind: "HTTPProxy", Objects: map[Class][]map[string]any{
		ClassClean: {
			httpProxy("shop", host("shop"), 1, nil),
			httpProxy("cart", host("cart"), 2, nil),
		},
		ClassViolating: {
			httpProxy("insecure", host("insecure"), 1, func(s map[string]any) {
				s["routes"].([]any)[0].(map[string]any)["permitInsecure"] = true
			}),
			httpProxy("taken", existingHost(1), 1, nil),
			httpProxy("old-tls", host("old-tls"), 1, func(s map[string]any) {
				s["virtualhost"].(map[string]any)["tls"].(map[string]any)["minimumProtocolVersion"] = "1.1"
			}),
		},
		ClassLarge: {httpProxy("large", host("large"), largeN, nil)},
	}}
}

// The corpora of the Traefik, Kong, APISIX and Emissary packs: the route kind of each
// (the plugin for Kong, whose routes are Ingresses).

func ingressRoute(name string, rules int, mutate func(map[string]any)) map[string]any {
	routes := make([]any, rules)
	for i := range routes {
		routes[i] = map[string]any{
			"match":    fmt.Sprintf("Host(`%s-ir.team-bench.example.com`) && PathPrefix(`/v%d`)", name, i),
			"kind":     "Rule",
			"services": []any{map[string]any{"name": name, "port": 8080}},
		}
	}
	spec := map[string]any{"entryPoints": []any{"websecure"}, "routes": routes, "tls": map[string]any{"secretName": name + "-tls"}}
	if mutate != nil {
		mutate(spec)
	}
	return object("traefik.io/v1alpha1", "IngressRoute", name, nil, nil, spec)
}

func ingressRouteCorpus() KindCorpus {
	return KindCorpus{Group: "traefik.io", Version: "v1alpha1", Kind: "IngressRoute", Objects: map[Class][]map[string]any{
		ClassClean: {ingressRoute("shop", 1, nil), ingressRoute("cart", 2, nil)},
		ClassViolating: {
			ingressRoute("plain", 1, func(s map[string]any) { delete(s, "tls"); s["entryPoints"] = []any{"web"} }),
			ingressRoute("catch-all", 1, func(s map[string]any) { s["routes"].([]any)[0].(map[string]any)["match"] = "PathPrefix(`/`)" }),
		},
		ClassLarge: {ingressRoute("large", largeN, nil)},
	}}
}

func kongPlugin(name, plugin string, config map[string]any) map[string]any {
	o := object("configuration.konghq.com/v1", "KongPlugin", name, nil, nil, nil)
	delete(o, "spec")
	o["plugin"], o["config"] = plugin, config
	return o
}

func kongPluginCorpus() KindCorpus {
	allow := make([]any, largeN)
	for i := range allow {
		allow[i] = fmt.Sprintf("10.%d.%d.0/24", i/256, i%256)
	}
	return KindCorpus{Group: "configuration.konghq.com", Version: "v1", Kind: "KongPlugin", Objects: map[Class][]map[string]any{
		ClassClean: {
			kongPlugin("rate", "rate-limiting", map[string]any{"minute": 100, "policy": "local"}),
			kongPlugin("keys", "key-auth", map[string]any{"key_names": []any{"apikey"}}),
		},
		ClassViolating: {
			kongPlugin("lua", "pre-function", map[string]any{"access": []any{"kong.log.err('x')"}}),
			kongPlugin("anonymous", "key-auth", map[string]any{"anonymous": "guest"}),
		},
		ClassLarge: {kongPlugin("large", "ip-restriction", map[string]any{"allow": allow})},
	}}
}

func apisixRoute(name string, rules int, mutate func(map[string]any)) map[string]any {
	http := make([]any, rules)
	for i := range http {
		http[i] = map[string]any{
			"name":           fmt.Sprintf("r%03d", i),
			"match":          map[string]any{"hosts": []any{name + "-ax.team-bench.example.com"}, "paths": []any{fmt.Sprintf("/v%d/*", i)}},
			"backends":       []any{map[string]any{"serviceName": name, "servicePort": 8080}},
			"authentication": map[string]any{"enable": true, "type": "keyAuth"},
		}
	}
	spec := map[string]any{"ingressClassName": "apisix", "http": http}
	if mutate != nil {
		mutate(spec)
	}
	return object("apisix.apache.org/v2", "ApisixRoute", name, nil, nil, spec)
}

func apisixRouteCorpus() KindCorpus {
	return KindCorpus{Group: "apisix.apache.org", Version: "v2", Kind: "ApisixRoute", Objects: map[Class][]map[string]any{
		ClassClean: {apisixRoute("shop", 1, nil), apisixRoute("cart", 2, nil)},
		ClassViolating: {
			apisixRoute("open", 1, func(s map[string]any) { delete(s["http"].([]any)[0].(map[string]any), "authentication") }),
			apisixRoute("any-host", 1, func(s map[string]any) {
				s["http"].([]any)[0].(map[string]any)["match"].(map[string]any)["hosts"] = []any{"*"}
			}),
		},
		ClassLarge: {apisixRoute("large", largeN, nil)},
	}}
}

func mapping(name string, spec map[string]any) map[string]any {
	return object("getambassador.io/v3alpha1", "Mapping", name, nil, nil, spec)
}

func mappingCorpus() KindCorpus {
	origins := make([]any, largeN)
	for i := range origins {
		origins[i] = fmt.Sprintf("https://app-%03d.team-bench.example.com", i)
	}
	return KindCorpus{Group: "getambassador.io", Version: "v3alpha1", Kind: "Mapping", Objects: map[Class][]map[string]any{
		ClassClean: {
			mapping("shop", map[string]any{"hostname": "shop-map.team-bench.example.com", "prefix": "/shop/", "service": "shop.team-bench:8080"}),
			mapping("cart", map[string]any{"hostname": "cart-map.team-bench.example.com", "prefix": "/cart/", "service": "cart.team-bench:8080"}),
		},
		ClassViolating: {
			mapping("bypass", map[string]any{"hostname": "bypass-map.team-bench.example.com", "prefix": "/b/", "service": "b.team-bench:8080", "bypass_auth": true}),
			mapping("everything", map[string]any{"hostname": "*", "prefix": "/", "service": "e.team-bench:8080"}),
		},
		ClassLarge: {mapping("large", map[string]any{
			"hostname": "large-map.team-bench.example.com", "prefix": "/large/", "service": "large.team-bench:8080",
			"cors": map[string]any{"origins": origins, "credentials": true},
		})},
	}}
}
