package policy

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	admissionv1 "k8s.io/api/admission/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/yaml"
)

// Complexity of the bundled library in the size of the object under review (issue 14):
// every policy must be at most O(n log n) in the hosts, rules, CIDRs or ports an object
// carries, or one large object passes the evaluation deadline and fails closed for
// everyone. One generator per policy family builds an object of n elements; the
// benchmarks and TestComplexitySlopes run it through the real PolicySet with the bundled
// library and examples configuration, as the webhook would.

// complexitySizes are the object sizes measured: 10 to 10,000 elements.
var complexitySizes = []int{10, 100, 1000, 10000}

// complexityFamily builds the object of one policy family with n elements.
type complexityFamily struct {
	name  string
	group string
	kind  string
	build func(n int) map[string]any
}

func complexityFamilies() []complexityFamily {
	return []complexityFamily{
		{"ingress/hosts", "networking.k8s.io", "Ingress", ingressWithHosts},
		{"networkpolicy/cidrs", "networking.k8s.io", "NetworkPolicy", networkPolicyWithCIDRs},
		{"service/ports", "", "Service", serviceWithPorts},
		{"gateway/listeners", "gateway.networking.k8s.io", "Gateway", gatewayWithListeners},
		{"httproute/hostnames", "gateway.networking.k8s.io", "HTTPRoute", httpRouteWithHostnames},
		{"tyk/origins", "tyk.tyk.io", "ApiDefinition", apiDefinitionWithOrigins},
		{"istio/authz-rules", "security.istio.io", "AuthorizationPolicy", authorizationPolicyWithRules},
		{"istio/authz-ipblocks", "security.istio.io", "AuthorizationPolicy", authorizationPolicyWithIPBlocks},
		{"istio/vs-hosts-cors", "networking.istio.io", "VirtualService", virtualServiceWithHostsAndCORS},
		{"istio/gateway-servers", "networking.istio.io", "Gateway", istioGatewayWithServers},
		{"istio/dr-subsets", "networking.istio.io", "DestinationRule", destinationRuleWithSubsets},
		{"envoygateway/authz-cidrs", "gateway.envoyproxy.io", "SecurityPolicy", securityPolicyWithCIDRRules},
		{"envoygateway/cors-origins", "gateway.envoyproxy.io", "SecurityPolicy", securityPolicyWithOrigins},
		{"contour/routes", "projectcontour.io", "HTTPProxy", httpProxyWithRoutes},
		{"contour/includes", "projectcontour.io", "HTTPProxy", httpProxyWithIncludes},
	}
}

func meta(name string) map[string]any {
	return map[string]any{"name": name, "namespace": "team", "labels": map[string]any{"app.kubernetes.io/owner": "team-a"}}
}

// ingressWithHosts: n rules, one host each, all covered by one TLS entry with a Secret.
func ingressWithHosts(n int) map[string]any {
	rules := make([]any, n)
	hosts := make([]any, n)
	for i := range n {
		host := fmt.Sprintf("h%d.apps.example.com", i)
		hosts[i] = host
		rules[i] = map[string]any{"host": host, "http": map[string]any{"paths": []any{map[string]any{
			"path": "/", "pathType": "Prefix",
			"backend": map[string]any{"service": map[string]any{"name": "web", "port": map[string]any{"number": 80}}},
		}}}}
	}
	return map[string]any{
		"apiVersion": "networking.k8s.io/v1", "kind": "Ingress", "metadata": meta("web"),
		"spec": map[string]any{
			"ingressClassName": "nginx", "rules": rules,
			"tls": []any{map[string]any{"hosts": hosts, "secretName": "web-tls"}},
		},
	}
}

// networkPolicyWithCIDRs: one ingress rule whose peers are n private /32 ipBlocks, and n
// ports.
func networkPolicyWithCIDRs(n int) map[string]any {
	peers := make([]any, n)
	ports := make([]any, n)
	for i := range n {
		peers[i] = map[string]any{"ipBlock": map[string]any{"cidr": fmt.Sprintf("10.%d.%d.%d/32", i>>16&255, i>>8&255, i&255)}}
		ports[i] = map[string]any{"protocol": "TCP", "port": 1024 + i}
	}
	return map[string]any{
		"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy", "metadata": meta("allow-office"),
		"spec": map[string]any{
			"podSelector": map[string]any{"matchLabels": map[string]any{"app": "web"}},
			"policyTypes": []any{"Ingress"},
			"ingress":     []any{map[string]any{"from": peers, "ports": ports}},
		},
	}
}

// serviceWithPorts: a ClusterIP Service with n ports.
func serviceWithPorts(n int) map[string]any {
	ports := make([]any, n)
	for i := range n {
		ports[i] = map[string]any{"name": fmt.Sprintf("p%d", i), "protocol": "TCP", "port": 1024 + i, "targetPort": 1024 + i}
	}
	return map[string]any{
		"apiVersion": "v1", "kind": "Service", "metadata": meta("web"),
		"spec": map[string]any{"type": "ClusterIP", "selector": map[string]any{"app": "web"}, "ports": ports},
	}
}

// gatewayWithListeners: n HTTPS listeners, one hostname each, each with a certificate and
// routes from the same namespace only.
func gatewayWithListeners(n int) map[string]any {
	listeners := make([]any, n)
	for i := range n {
		listeners[i] = map[string]any{
			"name": fmt.Sprintf("l%d", i), "protocol": "HTTPS", "port": 443,
			"hostname":      fmt.Sprintf("h%d.apps.example.com", i),
			"tls":           map[string]any{"mode": "Terminate", "certificateRefs": []any{map[string]any{"name": "web-tls"}}},
			"allowedRoutes": map[string]any{"namespaces": map[string]any{"from": "Same"}},
		}
	}
	return map[string]any{
		"apiVersion": "gateway.networking.k8s.io/v1", "kind": "Gateway", "metadata": meta("edge"),
		"spec": map[string]any{"gatewayClassName": "internal", "listeners": listeners},
	}
}

// httpRouteWithHostnames: n hostnames and n rules, each to a Service in the same namespace.
func httpRouteWithHostnames(n int) map[string]any {
	hostnames := make([]any, n)
	rules := make([]any, n)
	for i := range n {
		hostnames[i] = fmt.Sprintf("h%d.apps.example.com", i)
		rules[i] = map[string]any{
			"matches":     []any{map[string]any{"path": map[string]any{"type": "PathPrefix", "value": fmt.Sprintf("/r%d", i)}}},
			"backendRefs": []any{map[string]any{"name": "web", "port": 80}},
		}
	}
	return map[string]any{
		"apiVersion": "gateway.networking.k8s.io/v1", "kind": "HTTPRoute", "metadata": meta("web"),
		"spec": map[string]any{
			"parentRefs": []any{map[string]any{"name": "edge"}},
			"hostnames":  hostnames, "rules": rules,
		},
	}
}

// apiDefinitionWithOrigins: an authenticated, rate-limited Tyk API with n CORS origins.
func apiDefinitionWithOrigins(n int) map[string]any {
	origins := make([]any, n)
	for i := range n {
		origins[i] = fmt.Sprintf("https://h%d.apps.example.com", i)
	}
	return map[string]any{
		"apiVersion": "tyk.tyk.io/v1alpha1", "kind": "ApiDefinition", "metadata": meta("httpbin"),
		"spec": map[string]any{
			"name": "httpbin", "active": true, "use_standard_auth": true,
			"auth_configs":      map[string]any{"authToken": map[string]any{"auth_header_name": "Authorization"}},
			"global_rate_limit": map[string]any{"rate": 100, "per": 60},
			"proxy":             map[string]any{"listen_path": "/httpbin", "target_url": "https://httpbin.team.svc:443", "strip_listen_path": true},
			"CORS":              map[string]any{"enable": true, "allowed_origins": origins, "allow_credentials": false},
		},
	}
}

// The Istio, Envoy Gateway and Contour families (issue 19). Each object is valid against
// the real CRD (istio.io/api v1.32.0, Envoy Gateway v1.9.1, Contour v1.33.8): write them
// with APIGUARD_COMPLEXITY_DUMP (TestComplexityDump) and check them with
// `apiguard check --crd <crd file> <dir>` (--validate=strict is the default).

// istioMaxRules is the CRD's maxItems of an AuthorizationPolicy's spec.rules: the API
// server rejects more, so past it the elements go into the rules' lists instead.
const istioMaxRules = 512

// authorizationPolicyWithRules: an ALLOW policy for one workload with n principals and n
// paths, in n rules (up to the CRD's 512, then spread over them), each rule from
// principals to methods and paths, every other one with a when on a request header.
func authorizationPolicyWithRules(n int) map[string]any {
	r := min(n, istioMaxRules)
	principals := make([][]any, r)
	paths := make([][]any, r)
	for i := range n {
		principals[i%r] = append(principals[i%r], fmt.Sprintf("cluster.local/ns/team/sa/client-%d", i))
		paths[i%r] = append(paths[i%r], fmt.Sprintf("/api/v1/items-%d/*", i))
	}
	rules := make([]any, r)
	for j := range r {
		rule := map[string]any{
			"from": []any{map[string]any{"source": map[string]any{"principals": principals[j]}}},
			"to":   []any{map[string]any{"operation": map[string]any{"methods": []any{"GET", "POST"}, "paths": paths[j]}}},
		}
		if j%2 == 1 {
			rule["when"] = []any{map[string]any{"key": "request.headers[x-tenant]", "values": []any{fmt.Sprintf("tenant-%d", j)}}}
		}
		rules[j] = rule
	}
	return map[string]any{
		"apiVersion": "security.istio.io/v1", "kind": "AuthorizationPolicy", "metadata": meta("web-clients"),
		"spec": map[string]any{
			"selector": map[string]any{"matchLabels": map[string]any{"app": "web"}},
			"action":   "ALLOW", "rules": rules,
		},
	}
}

// authorizationPolicyWithIPBlocks: one ALLOW rule from one source of n ipBlocks to /api/*:
// public IPv4 /24s, private /24s, IPv6 /48s and single addresses, which istio.
// authz_no_allow_all unions (lib.net) to find out whether they cover the world. They
// do not: the policy is allowed.
func authorizationPolicyWithIPBlocks(n int) map[string]any {
	blocks := make([]any, n)
	for i := range n {
		switch i % 4 {
		case 0:
			blocks[i] = fmt.Sprintf("%d.%d.%d.0/24", 20+i/65536%100, i/256%256, i%256)
		case 1:
			blocks[i] = fmt.Sprintf("10.%d.%d.0/24", i/256%256, i%256)
		case 2:
			blocks[i] = fmt.Sprintf("2a01:%x:%x::/48", i/65536+1, i%65536)
		default:
			blocks[i] = fmt.Sprintf("198.51.%d.%d", i/256%256, i%256)
		}
	}
	return map[string]any{
		"apiVersion": "security.istio.io/v1", "kind": "AuthorizationPolicy", "metadata": meta("web-offices"),
		"spec": map[string]any{
			"selector": map[string]any{"matchLabels": map[string]any{"app": "web"}},
			"action":   "ALLOW",
			"rules": []any{map[string]any{
				"from": []any{map[string]any{"source": map[string]any{"ipBlocks": blocks}}},
				"to":   []any{map[string]any{"operation": map[string]any{"paths": []any{"/api/*"}}}},
			}},
		},
	}
}

// virtualServiceWithHostsAndCORS: n hosts bound to a gateway and n http routes, each with
// a corsPolicy allowing credentials from an exact, a prefix and a regex origin of its
// own host (none admits an attacker's origin).
func virtualServiceWithHostsAndCORS(n int) map[string]any {
	hosts := make([]any, n)
	routes := make([]any, n)
	for i := range n {
		host := fmt.Sprintf("h%d.apps.example.com", i)
		hosts[i] = host
		routes[i] = map[string]any{
			"name":  fmt.Sprintf("r%d", i),
			"match": []any{map[string]any{"uri": map[string]any{"prefix": fmt.Sprintf("/r%d/", i)}}},
			"route": []any{map[string]any{"destination": map[string]any{"host": "web.team.svc.cluster.local", "port": map[string]any{"number": 8080}}}},
			"corsPolicy": map[string]any{
				"allowOrigins": []any{
					map[string]any{"exact": "https://" + host},
					map[string]any{"prefix": "https://" + host + ":"},
					map[string]any{"regex": fmt.Sprintf(`https://(www\.)?h%d\.apps\.example\.com`, i)},
				},
				"allowMethods":     []any{"GET", "POST"},
				"allowCredentials": true,
			},
		}
	}
	return map[string]any{
		"apiVersion": "networking.istio.io/v1", "kind": "VirtualService", "metadata": meta("web"),
		"spec": map[string]any{"hosts": hosts, "gateways": []any{"istio-system/public"}, "http": routes},
	}
}

// istioGatewayWithServers: n servers with distinct hosts, in fours: an HTTPS server, a
// plain HTTP server redirecting the same host to HTTPS, another HTTPS server, and a plain
// HTTP server for a host served only in clear text (every eighth a wildcard), which
// istio.gateway_https_redirect warns about. Each plain server is compared with every TLS
// host.
func istioGatewayWithServers(n int) map[string]any {
	servers := make([]any, n)
	for i := range n {
		host := fmt.Sprintf("team/h%d.apps.example.com", i)
		switch i % 4 {
		case 0, 2:
			servers[i] = map[string]any{
				"port":  map[string]any{"number": 443, "name": fmt.Sprintf("https-%d", i), "protocol": "HTTPS"},
				"hosts": []any{host},
				"tls":   map[string]any{"mode": "SIMPLE", "credentialName": fmt.Sprintf("h%d-cert", i), "minProtocolVersion": "TLSV1_2"},
			}
		case 1:
			servers[i] = map[string]any{
				"port":  map[string]any{"number": 80, "name": fmt.Sprintf("http-%d", i), "protocol": "HTTP"},
				"hosts": []any{fmt.Sprintf("team/h%d.apps.example.com", i-1)},
				"tls":   map[string]any{"httpsRedirect": true},
			}
		default:
			if i%8 == 7 {
				host = fmt.Sprintf("team/*.w%d.apps.example.com", i)
			}
			servers[i] = map[string]any{
				"port":  map[string]any{"number": 80, "name": fmt.Sprintf("http-%d", i), "protocol": "HTTP"},
				"hosts": []any{host},
			}
		}
	}
	return map[string]any{
		"apiVersion": "networking.istio.io/v1", "kind": "Gateway", "metadata": meta("edge"),
		"spec": map[string]any{"selector": map[string]any{"istio": "ingressgateway"}, "servers": servers},
	}
}

// destinationRuleWithSubsets: a rule with mutual TLS for a Service and n subsets, each
// with a traffic policy of its own TLS settings and one port-level setting (n TLS blocks
// of each kind; the CRD caps one portLevelSettings list at 4096).
func destinationRuleWithSubsets(n int) map[string]any {
	subsets := make([]any, n)
	for i := range n {
		subsets[i] = map[string]any{
			"name":   fmt.Sprintf("v%d", i),
			"labels": map[string]any{"version": fmt.Sprintf("v%d", i)},
			"trafficPolicy": map[string]any{
				"tls": map[string]any{"mode": "ISTIO_MUTUAL"},
				"portLevelSettings": []any{map[string]any{
					"port": map[string]any{"number": 8443},
					"tls":  map[string]any{"mode": "SIMPLE", "sni": "web.team.svc", "insecureSkipVerify": false},
				}},
			},
		}
	}
	return map[string]any{
		"apiVersion": "networking.istio.io/v1", "kind": "DestinationRule", "metadata": meta("web"),
		"spec": map[string]any{
			"host":          "web.team.svc.cluster.local",
			"trafficPolicy": map[string]any{"tls": map[string]any{"mode": "ISTIO_MUTUAL"}},
			"subsets":       subsets,
		},
	}
}

// envoySecurityPolicy is an Envoy Gateway SecurityPolicy for the HTTPRoute web.
func envoySecurityPolicy(spec map[string]any) map[string]any {
	spec["targetRefs"] = []any{map[string]any{"group": "gateway.networking.k8s.io", "kind": "HTTPRoute", "name": "web"}}
	return map[string]any{"apiVersion": "gateway.envoyproxy.io/v1alpha1", "kind": "SecurityPolicy", "metadata": meta("web"), "spec": spec}
}

// securityPolicyWithCIDRRules: default Deny and n rules, one client CIDR each: public
// IPv4 /24s, private /24s and IPv6 /48s, every fourth rule narrowed to a path and every
// tenth a Deny. envoygateway.authorization_allow_all unions the CIDRs of the broad Allow
// rules (lib.net), about 850,000 public IPv4 addresses at n=10,000, under the default
// bound of a /8: the policy is allowed.
func securityPolicyWithCIDRRules(n int) map[string]any {
	rules := make([]any, n)
	for i := range n {
		var cidr string
		switch i % 3 {
		case 0:
			cidr = fmt.Sprintf("%d.%d.%d.0/24", 20+i/65536%100, i/256%256, i%256)
		case 1:
			cidr = fmt.Sprintf("10.%d.%d.0/24", i/256%256, i%256)
		default:
			cidr = fmt.Sprintf("2a01:%x:%x::/48", i/65536+1, i%65536)
		}
		rule := map[string]any{
			"name": fmt.Sprintf("r%d", i), "action": "Allow",
			"principal": map[string]any{"clientCIDRs": []any{cidr}},
		}
		if i%10 == 9 {
			rule["action"] = "Deny"
		}
		if i%4 == 3 {
			rule["operation"] = map[string]any{"path": map[string]any{"type": "PathPrefix", "value": fmt.Sprintf("/r%d", i)}}
		}
		rules[i] = rule
	}
	return envoySecurityPolicy(map[string]any{"authorization": map[string]any{"defaultAction": "Deny", "rules": rules}})
}

// securityPolicyWithOrigins: CORS with credentials from n origins, every tenth a
// subdomain wildcard ("https://*.<host>"), which envoygateway.safe_cors warns about.
func securityPolicyWithOrigins(n int) map[string]any {
	origins := make([]any, n)
	for i := range n {
		origins[i] = fmt.Sprintf("https://h%d.apps.example.com", i)
		if i%10 == 9 {
			origins[i] = fmt.Sprintf("https://*.h%d.apps.example.com", i)
		}
	}
	return envoySecurityPolicy(map[string]any{"cors": map[string]any{
		"allowOrigins": origins, "allowMethods": []any{"GET", "POST"}, "allowCredentials": true,
	}})
}

// contourVirtualHost is a root HTTPProxy's virtual host with TLS 1.2, external
// authorization, a default JWT provider and CORS with credentials from one origin.
func contourVirtualHost() map[string]any {
	return map[string]any{
		"fqdn":          "web.apps.example.com",
		"tls":           map[string]any{"secretName": "web-tls", "minimumProtocolVersion": "1.2"},
		"authorization": map[string]any{"extensionRef": map[string]any{"name": "authz", "namespace": "auth"}},
		"jwtProviders": []any{map[string]any{
			"name": "idp", "default": true, "issuer": "https://idp.example.com",
			"remoteJWKS": map[string]any{"uri": "https://idp.example.com/.well-known/jwks.json"},
		}},
		"corsPolicy": map[string]any{
			"allowCredentials": true, "allowOrigin": []any{"https://app.example.com"}, "allowMethods": []any{"GET", "POST"},
		},
	}
}

// httpProxyWithRoutes: a root HTTPProxy with n routes, each with path conditions (a
// prefix, every third with a header condition too): every fifth sets authPolicy,
// jwtVerificationPolicy or timeoutPolicy of its own, and every tenth
// permitInsecure, which contour.no_permit_insecure denies (n/10 violations).
func httpProxyWithRoutes(n int) map[string]any {
	routes := make([]any, n)
	for i := range n {
		conditions := []any{map[string]any{"prefix": fmt.Sprintf("/r%d", i)}}
		if i%3 == 2 {
			conditions = append(conditions, map[string]any{"header": map[string]any{"name": "x-tenant", "present": true}})
		}
		route := map[string]any{
			"conditions": conditions,
			"services":   []any{map[string]any{"name": "web", "port": 80}},
		}
		switch i % 5 {
		case 1:
			route["authPolicy"] = map[string]any{"disabled": false}
		case 2:
			route["jwtVerificationPolicy"] = map[string]any{"require": "idp"}
		case 3:
			route["timeoutPolicy"] = map[string]any{"response": "5s"}
		}
		if i%10 == 9 {
			route["permitInsecure"] = true
		}
		routes[i] = route
	}
	return map[string]any{
		"apiVersion": "projectcontour.io/v1", "kind": "HTTPProxy", "metadata": meta("web"),
		"spec": map[string]any{"virtualhost": contourVirtualHost(), "routes": routes},
	}
}

// httpProxyWithIncludes: a root HTTPProxy including n HTTPProxies under path prefixes,
// from its own namespace (by name, or naming it) and every tenth from another namespace,
// which contour.cross_namespace_include denies (n/10 violations).
func httpProxyWithIncludes(n int) map[string]any {
	includes := make([]any, n)
	for i := range n {
		include := map[string]any{
			"name":       fmt.Sprintf("child-%d", i),
			"conditions": []any{map[string]any{"prefix": fmt.Sprintf("/c%d", i)}},
		}
		switch {
		case i%10 == 9:
			include["namespace"] = fmt.Sprintf("other-%d", i)
		case i%2 == 1:
			include["namespace"] = "team"
		}
		includes[i] = include
	}
	return map[string]any{
		"apiVersion": "projectcontour.io/v1", "kind": "HTTPProxy", "metadata": meta("web"),
		"spec": map[string]any{"virtualhost": contourVirtualHost(), "includes": includes},
	}
}

// complexityRequest is the CREATE request the API server would send for obj.
func complexityRequest(tb testing.TB, f complexityFamily, obj map[string]any) Input {
	tb.Helper()
	raw, err := json.Marshal(obj)
	if err != nil {
		tb.Fatal(err)
	}
	apiVersion, _ := obj["apiVersion"].(string)
	_, version, _ := strings.Cut(apiVersion, "/")
	if version == "" {
		version = apiVersion
	}
	gvk := metav1.GroupVersionKind{Group: f.group, Version: version, Kind: f.kind}
	return Input{Request: &admissionv1.AdmissionRequest{
		UID:       "complexity",
		Kind:      gvk,
		Resource:  metav1.GroupVersionResource{Group: f.group, Version: version, Resource: Plural(f.kind)},
		Name:      "web",
		Namespace: "team",
		Operation: admissionv1.Create,
		Object:    runtime.RawExtension{Raw: raw},
	}}
}

// loadLibraryWithExamples loads the bundled library with the examples' configuration
// (allowed classes and host suffixes), so the generated objects are judged as a
// configured cluster would judge them.
func loadLibraryWithExamples(tb testing.TB, more ...map[string]any) *PolicySet {
	tb.Helper()
	b, err := os.ReadFile("../../test/examples-config.yaml")
	if err != nil {
		tb.Fatal(err)
	}
	var data map[string]any
	if err := yaml.Unmarshal(b, &data); err != nil {
		tb.Fatal(err)
	}
	set, err := Load(context.Background(), os.DirFS(complexityPolicyDir()), LoadOptions{Revision: "complexity", Data: append([]map[string]any{data}, more...)})
	if err != nil {
		tb.Fatal(err)
	}
	return set
}

// complexityPolicyDir is the bundled library, or APIGUARD_COMPLEXITY_POLICY_DIR to measure
// another tree (say, a snapshot while the library is being edited).
func complexityPolicyDir() string {
	if dir := os.Getenv("APIGUARD_COMPLEXITY_POLICY_DIR"); dir != "" {
		return dir
	}
	return "../../policies"
}

// BenchmarkComplexity runs each family at each size. Compare ns/op between sizes: ten
// times the elements should cost about ten times the time (O(n log n): a bit more).
func BenchmarkComplexity(b *testing.B) {
	set := loadLibraryWithExamples(b)
	for _, f := range complexityFamilies() {
		for _, n := range complexitySizes {
			b.Run(fmt.Sprintf("%s/n=%d", f.name, n), func(b *testing.B) {
				in := complexityRequest(b, f, f.build(n))
				ctx := context.Background()
				b.ReportAllocs()
				for b.Loop() {
					if _, err := set.Evaluate(ctx, in); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

// complexityRunSizes are the sizes a slopes report measures: complexitySizes up to
// APIGUARD_COMPLEXITY (1000 when it is not a number above 1). Without the variable the
// report is not wanted and the test skips: it measures time, which make test does not
// gate on (benchmarks do).
func complexityRunSizes(t *testing.T) []int {
	t.Helper()
	v := os.Getenv("APIGUARD_COMPLEXITY")
	if v == "" {
		t.Skip("set APIGUARD_COMPLEXITY=<largest n> to measure")
	}
	maxN, err := strconv.Atoi(v)
	if err != nil || maxN <= 1 {
		maxN = 1000
	}
	var sizes []int
	for _, n := range complexitySizes {
		if n <= maxN {
			sizes = append(sizes, n)
		}
	}
	return sizes
}

// TestComplexitySlopes prints, per family, the time of one evaluation at each size and
// the log-log slope between successive sizes: 1.0 is linear, about 1.0–1.1 is
// O(n log n), 2.0 is quadratic. It is a reporter, not a gate (timings on a shared machine
// are noisy): run it with
//
//	APIGUARD_COMPLEXITY=10000 go test ./pkg/policy -run TestComplexitySlopes -v
//
// where the value is the largest size (default 1000 when the variable is "1"). Add
// APIGUARD_COMPLEXITY_FAMILIES=istio/,contour/ to measure only some families, and
// APIGUARD_COMPLEXITY_POLICIES=1 for a row per policy. An evaluation past a minute is
// cut off (">1m0s") and the family's larger sizes are skipped.
func TestComplexitySlopes(t *testing.T) {
	sizes := complexityRunSizes(t)
	const perEvalLimit = time.Minute
	set := loadLibraryWithExamples(t)
	// With APIGUARD_COMPLEXITY_POLICIES set, each policy of a family is also measured
	// alone (every other policy switched off), to find the one that bends the curve.
	perPolicy := os.Getenv("APIGUARD_COMPLEXITY_POLICIES") != ""
	var out strings.Builder
	fmt.Fprintf(&out, "%-44s", "family / policy")
	for _, n := range sizes {
		fmt.Fprintf(&out, " %12s", fmt.Sprintf("n=%d", n))
	}
	fmt.Fprintf(&out, "   slopes\n")
	for _, f := range complexityFamilies() {
		if !familyWanted(f.name) {
			continue
		}
		row(t, &out, f.name, set, f, sizes, perEvalLimit)
		if !perPolicy {
			continue
		}
		for _, p := range set.Policies() {
			if !appliesToKind(p, f.group, f.kind) {
				continue
			}
			row(t, &out, "  "+p.ID, loadOnly(t, set, p.ID), f, sizes, perEvalLimit)
		}
	}
	t.Log("\n" + out.String())
}

// familyWanted reports whether a slopes report measures the family: all of them, or with
// APIGUARD_COMPLEXITY_FAMILIES (comma-separated substrings, e.g. "istio/,contour/") those
// whose name contains one.
func familyWanted(name string) bool {
	v := os.Getenv("APIGUARD_COMPLEXITY_FAMILIES")
	if v == "" {
		return true
	}
	for _, part := range strings.Split(v, ",") {
		if part = strings.TrimSpace(part); part != "" && strings.Contains(name, part) {
			return true
		}
	}
	return false
}

// row measures one family on one set and writes its line of the table. An evaluation
// that passes limit is cut off there and shown as ">limit" (the slope to it is then a
// lower bound), and the larger sizes are skipped. Each line is also logged as soon as it
// is measured, so a long run shows its progress.
func row(t *testing.T, out *strings.Builder, name string, set *PolicySet, f complexityFamily, sizes []int, limit time.Duration) {
	t.Helper()
	var times []time.Duration
	verdict, cut := "", false
	for _, n := range sizes {
		in := complexityRequest(t, f, f.build(n))
		d, decision, ok := timeEvaluation(t, set, in, limit)
		times = append(times, d)
		if !ok {
			cut = true
			verdict = fmt.Sprintf("cut off at n=%d", n)
			break
		}
		verdict = fmt.Sprintf("allowed=%v violations=%d warnings=%d at n=%d", decision.Allowed(), len(decision.Violations), len(decision.Warnings), n)
	}
	var line strings.Builder
	fmt.Fprintf(&line, "%-44s", name)
	for i, d := range times {
		text := d.Round(time.Microsecond).String()
		if cut && i == len(times)-1 {
			text = ">" + text
		}
		fmt.Fprintf(&line, " %12s", text)
	}
	for range len(sizes) - len(times) {
		fmt.Fprintf(&line, " %12s", "-")
	}
	line.WriteString("  ")
	for i := 1; i < len(times); i++ {
		fmt.Fprintf(&line, " %5.2f", slope(sizes[i-1], sizes[i], times[i-1], times[i]))
	}
	fmt.Fprintf(&line, "   (%s)", verdict)
	t.Log(line.String())
	out.WriteString(line.String() + "\n")
}

// appliesToKind reports whether p is in the partition of group/kind.
func appliesToKind(p Policy, group, kind string) bool {
	if len(p.Kinds) == 0 {
		return true
	}
	for _, entry := range p.Kinds {
		g, k, qualified := splitKind(entry)
		if k == kind && (!qualified || g == group) {
			return true
		}
	}
	return false
}

// loadOnly loads the library again with every policy but id switched off.
func loadOnly(t *testing.T, set *PolicySet, id string) *PolicySet {
	t.Helper()
	off := map[string]any{}
	for _, p := range set.Policies() {
		if p.ID != id {
			off[p.ID] = "off"
		}
	}
	return loadLibraryWithExamples(t, map[string]any{"apiguard": map[string]any{"config": map[string]any{"enforcement": off}}})
}

// timeEvaluation returns the fastest of a few evaluations (at least 3, or as many as fit in
// about half a second), the figure least disturbed by other work on the machine, with the
// decision; or limit and false when an evaluation passes limit.
func timeEvaluation(t *testing.T, set *PolicySet, in Input, limit time.Duration) (time.Duration, Decision, bool) {
	t.Helper()
	best := time.Duration(math.MaxInt64)
	var (
		spent    time.Duration
		decision Decision
	)
	for i := 0; i < 3 || spent < 500*time.Millisecond; i++ {
		ctx, cancel := context.WithTimeout(context.Background(), limit)
		start := time.Now()
		d, err := set.Evaluate(ctx, in)
		took := time.Since(start)
		expired := ctx.Err() != nil
		cancel()
		if errors.Is(err, context.DeadlineExceeded) || expired {
			return limit, decision, false
		}
		if err != nil {
			t.Fatalf("%s: %v", in.Request.Kind.Kind, err)
		}
		if i == 0 {
			decision = d
		}
		best = min(best, took)
		spent += took
		if took > 10*time.Second {
			break
		}
	}
	return best, decision, true
}

// TestComplexityDump writes each family's object at n=APIGUARD_COMPLEXITY_DUMP_N (default
// 10) as YAML into the directory APIGUARD_COMPLEXITY_DUMP, to check the generators against
// the real CRDs:
//
//	APIGUARD_COMPLEXITY_DUMP=/tmp/objs go test ./pkg/policy -run TestComplexityDump
//	apiguard check --crd <crd file> ... /tmp/objs
func TestComplexityDump(t *testing.T) {
	dir := os.Getenv("APIGUARD_COMPLEXITY_DUMP")
	if dir == "" {
		t.Skip("set APIGUARD_COMPLEXITY_DUMP=<directory> to write the generated objects")
	}
	n := 10
	if v, err := strconv.Atoi(os.Getenv("APIGUARD_COMPLEXITY_DUMP_N")); err == nil && v > 0 {
		n = v
	}
	for _, f := range complexityFamilies() {
		b, err := yaml.Marshal(f.build(n))
		if err != nil {
			t.Fatal(err)
		}
		name := strings.ReplaceAll(f.name, "/", "-") + ".yaml"
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// slope is the log-log slope of time against n between two sizes.
func slope(n1, n2 int, t1, t2 time.Duration) float64 {
	return math.Log(float64(t2)/float64(t1)) / math.Log(float64(n2)/float64(n1))
}
