package policybench

import (
	"encoding/json"
	"fmt"
	"strings"
)

// Class names one part of a kind's corpus.
type Class string

const (
	// ClassClean objects pass every library policy under test/examples-config.yaml.
	ClassClean Class = "clean"
	// ClassViolating objects each break one library policy (a denial, or a warning
	// where the policy only warns).
	ClassViolating Class = "violating"
	// ClassLarge objects are clean-shaped but carry 100 hosts, rules, listeners, ports
	// or paths, so a policy that is quadratic, or builds text for every entry, shows.
	ClassLarge Class = "large"
)

// Classes lists the corpus classes in report order.
func Classes() []Class { return []Class{ClassClean, ClassViolating, ClassLarge} }

// largeN is how many hosts, rules or entries a large object carries.
const largeN = 100

// KindCorpus is one kind's fixed objects. The corpus is generated, never read from
// disk, so the same binary measures the same objects anywhere.
type KindCorpus struct {
	Group, Version, Kind string
	Objects              map[Class][]map[string]any
}

// Corpus is the fixed benchmark corpus: every kind's objects and the cluster state the
// webhook would hold: Existing, the other namespaces' exposure objects, projected into
// data.apiguard.inventory; ConfigMaps, the documents Tyk OAS APIs refer to, resolved
// into input.references as the webhook resolves them.
type Corpus struct {
	Kinds      []KindCorpus
	Existing   []map[string]any
	ConfigMaps []map[string]any
}

// NewCorpus builds the corpus. It is deterministic: two calls give equal objects.
func NewCorpus() Corpus {
	c := Corpus{}
	c.Kinds = []KindCorpus{
		ingressCorpus(),
		serviceCorpus(),
		networkPolicyCorpus(),
		gatewayCorpus(),
		httpRouteCorpus(),
		apiDefinitionCorpus(),
	}
	oas, cms := tykOASCorpus()
	c.Kinds = append(c.Kinds, oas,
		authorizationPolicyCorpus(),
		virtualServiceCorpus(),
		envoySecurityPolicyCorpus(),
		httpProxyCorpus(),
		ingressRouteCorpus(),
		kongPluginCorpus(),
		apisixRouteCorpus(),
		mappingCorpus(),
	)
	c.Existing = existingObjects()
	c.ConfigMaps = cms
	return c
}

// benchNamespace is where every judged object lives; the inventory's objects live in
// other namespaces, so a unique-host check has claims to compare against.
const benchNamespace = "team-bench"

func object(apiVersion, kind, name string, labels, annotations map[string]any, spec map[string]any) map[string]any {
	md := map[string]any{"name": name, "namespace": benchNamespace}
	if labels == nil {
		labels = map[string]any{}
	}
	labels["app.kubernetes.io/name"] = name
	labels["app.kubernetes.io/owner"] = "team-bench"
	md["labels"] = labels
	if len(annotations) > 0 {
		md["annotations"] = annotations
	}
	return map[string]any{"apiVersion": apiVersion, "kind": kind, "metadata": md, "spec": spec}
}

func ingress(name string, hosts []string, tls bool, class string, annotations map[string]any, backend string, port int) map[string]any {
	if annotations == nil {
		annotations = map[string]any{"nginx.ingress.kubernetes.io/force-ssl-redirect": "true"}
	}
	rules := make([]any, 0, len(hosts))
	for _, h := range hosts {
		rules = append(rules, map[string]any{"host": h, "http": map[string]any{"paths": []any{map[string]any{
			"path": "/", "pathType": "Prefix",
			"backend": map[string]any{"service": map[string]any{"name": backend, "port": map[string]any{"number": port}}},
		}}}})
	}
	spec := map[string]any{"ingressClassName": class, "rules": rules}
	if tls {
		tlsHosts := make([]any, 0, len(hosts))
		for _, h := range hosts {
			tlsHosts = append(tlsHosts, h)
		}
		spec["tls"] = []any{map[string]any{"hosts": tlsHosts, "secretName": name + "-tls"}}
	}
	return object("networking.k8s.io/v1", "Ingress", name, nil, annotations, spec)
}

func hostsOf(prefix string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("%s-%03d.team-bench.example.com", prefix, i)
	}
	return out
}

func ingressCorpus() KindCorpus {
	one := func(name string) []string { return []string{name + ".team-bench.example.com"} }
	return KindCorpus{Group: "networking.k8s.io", Version: "v1", Kind: "Ingress", Objects: map[Class][]map[string]any{
		ClassClean: {
			ingress("shop", one("shop"), true, "nginx", nil, "shop", 8080),
			ingress("cart", []string{"cart.team-bench.example.com", "cart-api.team-bench.example.com"}, true, "nginx", nil, "cart", 8443),
		},
		ClassViolating: {
			ingress("plain", one("plain"), false, "nginx", nil, "plain", 8080),
			ingress("outside", []string{"outside.example.org"}, true, "nginx", nil, "outside", 8080),
			ingress("snippet", one("snippet"), true, "nginx", map[string]any{
				"nginx.ingress.kubernetes.io/force-ssl-redirect":    "true",
				"nginx.ingress.kubernetes.io/configuration-snippet": `more_set_headers "X-Id: snippet";`,
			}, "snippet", 8080),
			ingress("traefik", one("traefik"), true, "traefik", nil, "traefik", 8080),
			ingress("database", one("database"), true, "nginx", nil, "orders-db", 5432),
			ingress("wildcard", []string{"*.team-bench.example.com"}, true, "nginx", nil, "wildcard", 8080),
			ingress("taken", []string{existingHost(0)}, true, "nginx", nil, "taken", 8080),
		},
		ClassLarge: {ingress("large", hostsOf("large", largeN), true, "nginx", nil, "large", 8080)},
	}}
}

func service(name string, spec map[string]any) map[string]any {
	if spec["selector"] == nil && spec["type"] != "ExternalName" {
		spec["selector"] = map[string]any{"app.kubernetes.io/name": name}
	}
	return object("v1", "Service", name, nil, nil, spec)
}

func ports(n int) []any {
	out := make([]any, n)
	for i := range out {
		out[i] = map[string]any{"name": fmt.Sprintf("p%03d", i), "port": 8000 + i, "targetPort": 8000 + i, "protocol": "TCP"}
	}
	return out
}

func serviceCorpus() KindCorpus {
	return KindCorpus{Version: "v1", Kind: "Service", Objects: map[Class][]map[string]any{
		ClassClean: {
			service("web", map[string]any{"type": "ClusterIP", "ports": ports(1)}),
			service("api", map[string]any{"ports": ports(2)}),
			service("partner", map[string]any{"type": "ExternalName", "externalName": "api.partner.example.com"}),
		},
		ClassViolating: {
			service("nodeport", map[string]any{"type": "NodePort", "ports": ports(1)}),
			service("external-ips", map[string]any{"type": "ClusterIP", "ports": ports(1), "externalIPs": []any{"203.0.113.10"}}),
			service("public-lb", map[string]any{"type": "LoadBalancer", "ports": ports(1)}),
			service("metadata", map[string]any{"type": "ExternalName", "externalName": "169.254.169.254"}),
		},
		ClassLarge: {service("large", map[string]any{"type": "ClusterIP", "ports": ports(largeN)})},
	}}
}

func networkPolicy(name string, podSelector map[string]any, rules []any) map[string]any {
	spec := map[string]any{"podSelector": podSelector, "policyTypes": []any{"Ingress"}, "ingress": rules}
	return object("networking.k8s.io/v1", "NetworkPolicy", name, nil, nil, spec)
}

func npRule(i int, cidr string) map[string]any {
	return map[string]any{
		"from": []any{
			map[string]any{"namespaceSelector": map[string]any{"matchLabels": map[string]any{"kubernetes.io/metadata.name": "ingress-nginx"}}},
			map[string]any{"ipBlock": map[string]any{"cidr": cidr}},
		},
		"ports": []any{map[string]any{"protocol": "TCP", "port": 8000 + i}},
	}
}

func networkPolicyCorpus() KindCorpus {
	sel := func(name string) map[string]any {
		return map[string]any{"matchLabels": map[string]any{"app.kubernetes.io/name": name}}
	}
	large := make([]any, largeN)
	for i := range large {
		large[i] = npRule(i, fmt.Sprintf("10.%d.%d.0/24", i/256, i%256))
	}
	return KindCorpus{Group: "networking.k8s.io", Version: "v1", Kind: "NetworkPolicy", Objects: map[Class][]map[string]any{
		ClassClean: {
			networkPolicy("web", sel("web"), []any{npRule(0, "203.0.113.0/24")}),
			networkPolicy("api", sel("api"), []any{npRule(1, "198.51.100.0/24"), npRule(2, "10.0.0.0/8")}),
		},
		ClassViolating: {
			networkPolicy("world", sel("world"), []any{npRule(0, "0.0.0.0/0")}),
			networkPolicy("allow-all", map[string]any{}, []any{map[string]any{}}),
		},
		ClassLarge: {networkPolicy("large", sel("large"), large)},
	}}
}

func listener(i int, protocol, from string) map[string]any {
	l := map[string]any{
		"name":          fmt.Sprintf("l%03d", i),
		"protocol":      protocol,
		"port":          443,
		"hostname":      fmt.Sprintf("gw-%03d.team-bench.example.com", i),
		"allowedRoutes": map[string]any{"namespaces": map[string]any{"from": from}},
	}
	if protocol == "HTTP" {
		l["port"] = 80
	} else {
		l["tls"] = map[string]any{"mode": "Terminate", "certificateRefs": []any{map[string]any{"kind": "Secret", "name": fmt.Sprintf("gw-%03d-tls", i)}}}
	}
	return l
}

func gateway(name string, listeners []any, extra map[string]any) map[string]any {
	spec := map[string]any{"gatewayClassName": "public", "listeners": listeners}
	for k, v := range extra {
		spec[k] = v
	}
	return object("gateway.networking.k8s.io/v1", "Gateway", name, nil, nil, spec)
}

func gatewayCorpus() KindCorpus {
	large := make([]any, largeN)
	for i := range large {
		large[i] = listener(i, "HTTPS", "Same")
	}
	return KindCorpus{Group: "gateway.networking.k8s.io", Version: "v1", Kind: "Gateway", Objects: map[Class][]map[string]any{
		ClassClean: {
			gateway("edge", []any{listener(0, "HTTPS", "Same")}, nil),
			gateway("internal", []any{listener(1, "HTTPS", "Same"), listener(2, "HTTPS", "Same")}, nil),
		},
		ClassViolating: {
			gateway("plain", []any{listener(0, "HTTP", "Same")}, nil),
			gateway("open-routes", []any{listener(0, "HTTPS", "All")}, nil),
			gateway("open-listeners", []any{listener(0, "HTTPS", "Same")}, map[string]any{
				"allowedListeners": map[string]any{"namespaces": map[string]any{"from": "All"}},
			}),
		},
		ClassLarge: {gateway("large", large, nil)},
	}}
}

func httpRoute(name string, hostnames []string, rules int, backendNS, backend string, port int) map[string]any {
	hs := make([]any, len(hostnames))
	for i, h := range hostnames {
		hs[i] = h
	}
	rs := make([]any, rules)
	for i := range rs {
		ref := map[string]any{"name": backend, "port": port}
		if backendNS != "" {
			ref["namespace"] = backendNS
		}
		rs[i] = map[string]any{
			"matches":     []any{map[string]any{"path": map[string]any{"type": "PathPrefix", "value": fmt.Sprintf("/r%03d", i)}}},
			"backendRefs": []any{ref},
		}
	}
	return object("gateway.networking.k8s.io/v1", "HTTPRoute", name, nil, nil, map[string]any{
		"parentRefs": []any{map[string]any{"name": "edge", "sectionName": "https"}},
		"hostnames":  hs,
		"rules":      rs,
	})
}

func httpRouteCorpus() KindCorpus {
	one := func(name string) []string { return []string{name + ".team-bench.example.com"} }
	return KindCorpus{Group: "gateway.networking.k8s.io", Version: "v1", Kind: "HTTPRoute", Objects: map[Class][]map[string]any{
		ClassClean: {
			httpRoute("shop", one("shop-route"), 1, "", "shop", 80),
			httpRoute("cart", []string{"cart-route.team-bench.example.com", "cart-api-route.team-bench.example.com"}, 2, "", "cart", 8080),
		},
		ClassViolating: {
			httpRoute("wildcard", []string{"*.team-bench.example.com"}, 1, "", "wildcard", 80),
			httpRoute("outside", []string{"outside.example.net"}, 1, "", "outside", 80),
			httpRoute("cross", one("cross-route"), 1, "payments", "ledger", 80),
			httpRoute("taken", []string{existingHost(1)}, 1, "", "taken", 80),
			httpRoute("database", one("database-route"), 1, "", "orders-db", 5432),
		},
		ClassLarge: {httpRoute("large", hostsOf("large-route", largeN), largeN, "", "large", 80)},
	}}
}

func apiDefinition(name string, edit func(spec map[string]any)) map[string]any {
	spec := map[string]any{
		"name": name, "domain": name + ".team-bench.example.com", "protocol": "http", "active": true,
		"use_keyless": false, "enable_jwt": true, "jwt_signing_method": "rsa",
		"jwt_source": "https://idp.example.com/.well-known/jwks.json", "jwt_identity_base_field": "sub",
		"strip_auth_data": true,
		"proxy": map[string]any{
			"target_url": "http://" + name + "." + benchNamespace + ".svc:8000", "listen_path": "/" + name + "/", "strip_listen_path": true,
			"transport": map[string]any{"ssl_min_version": 771},
		},
	}
	if edit != nil {
		edit(spec)
	}
	return object("tyk.tyk.io/v1alpha1", "ApiDefinition", name, nil, nil, spec)
}

func apiDefinitionCorpus() KindCorpus {
	transport := func(spec map[string]any) map[string]any {
		return spec["proxy"].(map[string]any)["transport"].(map[string]any)
	}
	large := apiDefinition("large", func(spec map[string]any) {
		ignored := make([]any, largeN)
		for i := range ignored {
			ignored[i] = map[string]any{
				"path":           fmt.Sprintf("/public/r%03d", i),
				"method_actions": map[string]any{"GET": map[string]any{"action": "no_action", "code": 200}},
			}
		}
		spec["version_data"] = map[string]any{"not_versioned": true, "default_version": "Default", "versions": map[string]any{
			"Default": map[string]any{"name": "Default", "use_extended_paths": true, "extended_paths": map[string]any{"ignored": ignored}},
		}}
	})
	return KindCorpus{Group: "tyk.tyk.io", Version: "v1alpha1", Kind: "ApiDefinition", Objects: map[Class][]map[string]any{
		ClassClean: {apiDefinition("orders", nil), apiDefinition("billing", nil)},
		ClassViolating: {
			apiDefinition("keyless", func(s map[string]any) { s["use_keyless"] = true; delete(s, "enable_jwt") }),
			apiDefinition("insecure", func(s map[string]any) { transport(s)["ssl_insecure_skip_verify"] = true }),
			apiDefinition("tls10", func(s map[string]any) { transport(s)["ssl_min_version"] = 769 }),
			apiDefinition("cors", func(s map[string]any) {
				s["CORS"] = map[string]any{"enable": true, "allowed_origins": []any{"*"}, "allow_credentials": true}
			}),
			apiDefinition("unlimited", func(s map[string]any) { s["disable_rate_limit"] = true }),
			apiDefinition("taken", func(s map[string]any) {
				s["domain"] = existingDomain
				s["proxy"].(map[string]any)["listen_path"] = existingListenPath(0)
			}),
		},
		ClassLarge: {large},
	}}
}

// oasDocument is a Tyk OAS API document; edit may change it before it is encoded.
func oasDocument(name string, paths int, edit func(doc, xtyk map[string]any)) string {
	ps := map[string]any{}
	for i := range paths {
		ps[fmt.Sprintf("/items/r%03d", i)] = map[string]any{
			"get": map[string]any{"operationId": fmt.Sprintf("get%03d", i), "responses": map[string]any{"200": map[string]any{"description": "ok"}}},
		}
	}
	xtyk := map[string]any{
		"info": map[string]any{"name": name, "state": map[string]any{"active": true}},
		"upstream": map[string]any{
			"url":       "http://" + name + "." + benchNamespace + ".svc:8000",
			"rateLimit": map[string]any{"enabled": true, "rate": 100, "per": "1s"},
		},
		"server": map[string]any{
			"listenPath":     map[string]any{"value": "/" + name + "/", "strip": true},
			"authentication": map[string]any{"enabled": true, "securitySchemes": map[string]any{"api_key": map[string]any{"enabled": true}}},
		},
	}
	doc := map[string]any{
		"openapi":           "3.0.3",
		"info":              map[string]any{"title": name, "version": "1.0.0"},
		"paths":             ps,
		"components":        map[string]any{"securitySchemes": map[string]any{"api_key": map[string]any{"type": "apiKey", "in": "header", "name": "Authorization"}}},
		"security":          []any{map[string]any{"api_key": []any{}}},
		"x-tyk-api-gateway": xtyk,
	}
	if edit != nil {
		edit(doc, xtyk)
	}
	b, err := json.Marshal(doc)
	if err != nil {
		panic("policybench: encode OAS document: " + err.Error()) // plain maps always encode
	}
	return string(b)
}

// tykOAS returns a TykOasApiDefinition and the ConfigMap holding its document.
func tykOAS(name, document string) (api, configMap map[string]any) {
	api = object("tyk.tyk.io/v1alpha1", "TykOasApiDefinition", name, nil, nil, map[string]any{
		"tykOAS": map[string]any{"configmapRef": map[string]any{"name": name + "-oas", "keyName": "oas.json"}},
	})
	configMap = map[string]any{
		"apiVersion": "v1", "kind": "ConfigMap",
		"metadata": map[string]any{"name": name + "-oas", "namespace": benchNamespace},
		"data":     map[string]any{"oas.json": document},
	}
	return api, configMap
}

func tykOASCorpus() (KindCorpus, []map[string]any) {
	k := KindCorpus{Group: "tyk.tyk.io", Version: "v1alpha1", Kind: "TykOasApiDefinition", Objects: map[Class][]map[string]any{}}
	var cms []map[string]any
	add := func(c Class, name string, paths int, edit func(doc, xtyk map[string]any)) {
		api, cm := tykOAS(name, oasDocument(name, paths, edit))
		k.Objects[c] = append(k.Objects[c], api)
		cms = append(cms, cm)
	}
	server := func(x map[string]any) map[string]any { return x["server"].(map[string]any) }
	upstream := func(x map[string]any) map[string]any { return x["upstream"].(map[string]any) }
	add(ClassClean, "httpbin", 1, nil)
	add(ClassClean, "catalog", 4, nil)
	add(ClassViolating, "keyless", 1, func(_, x map[string]any) {
		server(x)["authentication"] = map[string]any{"enabled": false}
	})
	add(ClassViolating, "cors", 1, func(_, x map[string]any) {
		x["middleware"] = map[string]any{"global": map[string]any{"cors": map[string]any{
			"enabled": true, "allowedOrigins": []any{"*"}, "allowCredentials": true,
		}}}
	})
	add(ClassViolating, "unlimited", 1, func(_, x map[string]any) { delete(upstream(x), "rateLimit") })
	add(ClassViolating, "taken", 1, func(_, x map[string]any) {
		server(x)["listenPath"] = map[string]any{"value": existingListenPath(1), "strip": true}
	})
	add(ClassLarge, "large", largeN, nil)
	// A reference to a ConfigMap that does not exist: tyk.oas_reference.
	missing, _ := tykOAS("dangling", "")
	k.Objects[ClassViolating] = append(k.Objects[ClassViolating], missing)
	return k, cms
}

// existingHost and existingListenPath name claims of the inventory's objects, which
// the "taken" objects of the corpus collide with.
func existingHost(i int) string { return fmt.Sprintf("existing-%03d.team-other.example.com", i) }

func existingListenPath(i int) string { return fmt.Sprintf("/existing-%03d/", i) }

// existingDomain is the custom domain the inventory's ApiDefinitions share.
const existingDomain = "apis.team-other.example.com"

// existingObjects are the cluster's other exposure objects, in another namespace: 50
// Ingresses, 50 HTTPRoutes and 50 ApiDefinitions, whose hosts and listen paths the
// inventory holds.
func existingObjects() []map[string]any {
	var out []map[string]any
	for i := range 50 {
		ing := ingress(fmt.Sprintf("existing-ing-%03d", i), []string{existingHost(2 * i)}, true, "nginx", nil, "existing", 8080)
		route := httpRoute(fmt.Sprintf("existing-route-%03d", i), []string{existingHost(2*i + 1)}, 1, "", "existing", 80)
		api := apiDefinition(fmt.Sprintf("existing-api-%03d", i), func(s map[string]any) {
			s["domain"] = existingDomain
			s["proxy"].(map[string]any)["listen_path"] = existingListenPath(2 * i)
		})
		for _, o := range []map[string]any{ing, route, api} {
			o["metadata"].(map[string]any)["namespace"] = "team-other"
			o["metadata"].(map[string]any)["uid"] = fmt.Sprintf("00000000-0000-4000-8000-%012d", len(out))
			out = append(out, o)
		}
	}
	// OAS APIs elsewhere claim the odd listen paths, through their documents and the
	// status Tyk Operator records, which the inventory reads.
	for i := range 25 {
		name := fmt.Sprintf("existing-oas-%03d", i)
		api, cm := tykOAS(name, oasDocument(name, 1, func(_, x map[string]any) {
			x["server"].(map[string]any)["listenPath"] = map[string]any{"value": existingListenPath(2*i + 1), "strip": true}
		}))
		api["status"] = map[string]any{"listenPath": existingListenPath(2*i + 1)}
		for _, o := range []map[string]any{api, cm} {
			o["metadata"].(map[string]any)["namespace"] = "team-other"
			out = append(out, o)
		}
	}
	return out
}

// kindName is how the report names a kind: "group/Kind", or "Kind" for the core group.
func kindName(group, kind string) string {
	if group == "" {
		return kind
	}
	return group + "/" + kind
}

// shortKind drops the group, for the text table.
func shortKind(name string) string {
	if i := strings.LastIndex(name, "/"); i >= 0 {
		return name[i+1:]
	}
	return name
}
