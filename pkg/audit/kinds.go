package audit

import "github.com/apiguard/apiguard/internal/compactcache"

// Kinds is the table of exposure kinds: the one list of the kinds apiguard judges. Audit
// re-checks them (kinds whose CRDs are not installed are skipped until they are), and
// every other list of kinds is held equal to it by a test, both ways, so adding a kind
// starts here and the tests name each place that must follow:
//   - the chart's webhook rules (apiguard.rules in charts/apiguard/templates/_helpers.tpl,
//     under one webhook.rules value) and its ClusterRole, and the test stack's
//     kubetest.ExposureRules: test/chart/kinds_test.go;
//   - the policies that judge every kind (kubernetes.known_api_version, with the kind's
//     groups and versions, and gitops.reviewed_change): kinds_test.go here;
//   - the resource name, which offline input guesses with policy.Plural: kinds_test.go.
func Kinds() []compactcache.Kind {
	const gateway = "gateway.networking.k8s.io"
	return []compactcache.Kind{
		{Group: "networking.k8s.io", Version: "v1", Kind: "Ingress", Resource: "ingresses"},
		{Group: "networking.k8s.io", Version: "v1", Kind: "NetworkPolicy", Resource: "networkpolicies"},
		{Group: "", Version: "v1", Kind: "Service", Resource: "services"},
		{Group: gateway, Version: "v1", Kind: "Gateway", Resource: "gateways"},
		{Group: gateway, Version: "v1", Kind: "HTTPRoute", Resource: "httproutes"},
		{Group: gateway, Version: "v1", Kind: "GRPCRoute", Resource: "grpcroutes"},
		{Group: gateway, Version: "v1", Kind: "ListenerSet", Resource: "listenersets"},
		{Group: gateway, Version: "v1", Kind: "TLSRoute", Resource: "tlsroutes"},
		{Group: gateway, Version: "v1", Kind: "TCPRoute", Resource: "tcproutes"},
		{Group: gateway, Version: "v1", Kind: "UDPRoute", Resource: "udproutes"},
		{Group: "tyk.tyk.io", Version: "v1alpha1", Kind: "ApiDefinition", Resource: "apidefinitions"},
		{Group: "tyk.tyk.io", Version: "v1alpha1", Kind: "SecurityPolicy", Resource: "securitypolicies"},
		{Group: "tyk.tyk.io", Version: "v1alpha1", Kind: "TykOasApiDefinition", Resource: "tykoasapidefinitions"},
		{Group: "tyk.tyk.io", Version: "v1alpha1", Kind: "TykStreamsApiDefinition", Resource: "tykstreamsapidefinitions"},
		{Group: "tyk.tyk.io", Version: "v1alpha1", Kind: "TykMcpProxyDefinition", Resource: "tykmcpproxydefinitions"},
	}
}
