package audit

import "github.com/apiguard/apiguard/internal/compactcache"

// Kinds lists the exposure kinds audit re-checks: the kinds the webhook is registered
// for. Kinds whose CRDs are not installed are skipped until they are.
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
