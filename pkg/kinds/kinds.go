// Package kinds owns the table of exposure kinds: the one list of the kinds apiguard
// judges. Everything else that names them is derived from it: the audit and the
// inventory's served-kind discovery read it at run time, and `make generate`
// (tools/genkinds) writes it into the chart's webhook rules and ClusterRole
// (charts/apiguard/templates/_kinds.tpl), into the API versions the policies accept
// (policies/lib/kinds.rego) and into the custom.kinds of the policies that judge every
// kind (kubernetes.known_api_version, gitops.reviewed_change). A test fails when a
// generated file is not what the table gives, so adding a kind is one line here and one
// `make generate`.
package kinds

// Kind is one exposure kind.
type Kind struct {
	// Pack is the chart's switch under webhook.rules that sends the kind to the webhooks
	// (ingress, service, networkPolicy, gatewayAPI, tyk, istio, envoyGateway, contour).
	Pack string
	// Group, Version and Resource are what the API server serves the kind as: Version is
	// the storage version, the one audit lists and the checks are written for.
	Group, Version, Kind, Resource string
	// AlsoJudged are the other served versions the checks read as Version (their schema
	// is the same, e.g. Gateway API's v1beta1 HTTPRoute, Istio's v1beta1).
	AlsoJudged []string
	// FormerGroups served the same kind once (extensions/v1beta1 Ingress): an object in
	// them is denied by kubernetes.known_api_version with the version to use.
	FormerGroups []string
	// ClusterScoped kinds (Kong's KongClusterPlugin) get admission rules of their own
	// scope; the namespace selector does not apply to them.
	ClusterScoped bool
}

// APIVersion is the kind's apiVersion as a manifest spells it in version v.
func (k Kind) APIVersion(v string) string {
	if k.Group == "" {
		return v
	}
	return k.Group + "/" + v
}

// Judged are the versions the checks read the kind in, Version first.
func (k Kind) Judged() []string { return append([]string{k.Version}, k.AlsoJudged...) }

// Packs are the chart's switches, in the order the chart renders them.
func Packs() []string {
	return []string{"ingress", "networkPolicy", "service", "gatewayAPI", "tyk", "istio", "envoyGateway", "contour",
		"traefik", "kong", "apisix", "emissary"}
}

// Table is the table of exposure kinds.
func Table() []Kind {
	const (
		gateway = "gateway.networking.k8s.io"
		tyk     = "tyk.tyk.io"
		istioS  = "security.istio.io"
		istioN  = "networking.istio.io"
		envoy   = "gateway.envoyproxy.io"
		contour = "projectcontour.io"
		traefik = "traefik.io"
		kong    = "configuration.konghq.com"
		apisix  = "apisix.apache.org"
		ambass  = "getambassador.io"
	)
	// Istio v1.32 serves its security kinds in v1 and v1beta1 and its networking kinds in
	// v1, v1beta1 and v1alpha3, all from one schema (istio.io/api
	// kubernetes/customresourcedefinitions.gen.yaml: no conversion, same openAPIV3Schema).
	istioSecurity := []string{"v1beta1"}
	istioNetworking := []string{"v1beta1", "v1alpha3"}
	return []Kind{
		{Pack: "ingress", Group: "networking.k8s.io", Version: "v1", Kind: "Ingress", Resource: "ingresses", FormerGroups: []string{"extensions"}},
		{Pack: "networkPolicy", Group: "networking.k8s.io", Version: "v1", Kind: "NetworkPolicy", Resource: "networkpolicies", FormerGroups: []string{"extensions"}},
		{Pack: "service", Group: "", Version: "v1", Kind: "Service", Resource: "services"},
		// Gateway API serves v1beta1 Gateway and HTTPRoute from the v1 schema (conversion
		// None); earlier experimental bundles served TLSRoute (v1alpha2, v1alpha3), TCPRoute
		// and UDPRoute (v1alpha2) with the fields of v1.
		{Pack: "gatewayAPI", Group: gateway, Version: "v1", Kind: "Gateway", Resource: "gateways", AlsoJudged: []string{"v1beta1"}},
		{Pack: "gatewayAPI", Group: gateway, Version: "v1", Kind: "HTTPRoute", Resource: "httproutes", AlsoJudged: []string{"v1beta1"}},
		{Pack: "gatewayAPI", Group: gateway, Version: "v1", Kind: "GRPCRoute", Resource: "grpcroutes"},
		{Pack: "gatewayAPI", Group: gateway, Version: "v1", Kind: "ListenerSet", Resource: "listenersets"},
		{Pack: "gatewayAPI", Group: gateway, Version: "v1", Kind: "TLSRoute", Resource: "tlsroutes", AlsoJudged: []string{"v1alpha3", "v1alpha2"}},
		{Pack: "gatewayAPI", Group: gateway, Version: "v1", Kind: "TCPRoute", Resource: "tcproutes", AlsoJudged: []string{"v1alpha2"}},
		{Pack: "gatewayAPI", Group: gateway, Version: "v1", Kind: "UDPRoute", Resource: "udproutes", AlsoJudged: []string{"v1alpha2"}},
		// BackendTLSPolicy is standard since Gateway API v1.4; v1alpha3 is no longer served.
		{Pack: "gatewayAPI", Group: gateway, Version: "v1", Kind: "BackendTLSPolicy", Resource: "backendtlspolicies"},
		// Tyk Operator v1.4.2 serves every kind as v1alpha1 only.
		{Pack: "tyk", Group: tyk, Version: "v1alpha1", Kind: "ApiDefinition", Resource: "apidefinitions"},
		{Pack: "tyk", Group: tyk, Version: "v1alpha1", Kind: "SecurityPolicy", Resource: "securitypolicies"},
		{Pack: "tyk", Group: tyk, Version: "v1alpha1", Kind: "TykOasApiDefinition", Resource: "tykoasapidefinitions"},
		{Pack: "tyk", Group: tyk, Version: "v1alpha1", Kind: "TykStreamsApiDefinition", Resource: "tykstreamsapidefinitions"},
		{Pack: "tyk", Group: tyk, Version: "v1alpha1", Kind: "TykMcpProxyDefinition", Resource: "tykmcpproxydefinitions"},
		{Pack: "istio", Group: istioS, Version: "v1", Kind: "AuthorizationPolicy", Resource: "authorizationpolicies", AlsoJudged: istioSecurity},
		{Pack: "istio", Group: istioS, Version: "v1", Kind: "PeerAuthentication", Resource: "peerauthentications", AlsoJudged: istioSecurity},
		{Pack: "istio", Group: istioS, Version: "v1", Kind: "RequestAuthentication", Resource: "requestauthentications", AlsoJudged: istioSecurity},
		{Pack: "istio", Group: istioN, Version: "v1", Kind: "Gateway", Resource: "gateways", AlsoJudged: istioNetworking},
		{Pack: "istio", Group: istioN, Version: "v1", Kind: "VirtualService", Resource: "virtualservices", AlsoJudged: istioNetworking},
		{Pack: "istio", Group: istioN, Version: "v1", Kind: "DestinationRule", Resource: "destinationrules", AlsoJudged: istioNetworking},
		// Envoy Gateway v1.9 serves its policies as v1alpha1 only.
		{Pack: "envoyGateway", Group: envoy, Version: "v1alpha1", Kind: "SecurityPolicy", Resource: "securitypolicies"},
		{Pack: "envoyGateway", Group: envoy, Version: "v1alpha1", Kind: "ClientTrafficPolicy", Resource: "clienttrafficpolicies"},
		{Pack: "envoyGateway", Group: envoy, Version: "v1alpha1", Kind: "Backend", Resource: "backends"},
		{Pack: "envoyGateway", Group: envoy, Version: "v1alpha1", Kind: "EnvoyPatchPolicy", Resource: "envoypatchpolicies"},
		{Pack: "contour", Group: contour, Version: "v1", Kind: "HTTPProxy", Resource: "httpproxies"},
		// Traefik v3.7 serves its CRDs as traefik.io/v1alpha1 only (the traefik.containo.us
		// group of v2 is gone from its CRD file).
		{Pack: "traefik", Group: traefik, Version: "v1alpha1", Kind: "IngressRoute", Resource: "ingressroutes"},
		{Pack: "traefik", Group: traefik, Version: "v1alpha1", Kind: "IngressRouteTCP", Resource: "ingressroutetcps"},
		{Pack: "traefik", Group: traefik, Version: "v1alpha1", Kind: "Middleware", Resource: "middlewares"},
		{Pack: "traefik", Group: traefik, Version: "v1alpha1", Kind: "ServersTransport", Resource: "serverstransports"},
		{Pack: "traefik", Group: traefik, Version: "v1alpha1", Kind: "TLSOption", Resource: "tlsoptions"},
		{Pack: "traefik", Group: traefik, Version: "v1alpha1", Kind: "MiddlewareTCP", Resource: "middlewaretcps"},
		{Pack: "traefik", Group: traefik, Version: "v1alpha1", Kind: "ServersTransportTCP", Resource: "serverstransporttcps"},
		{Pack: "traefik", Group: traefik, Version: "v1alpha1", Kind: "TLSStore", Resource: "tlsstores"},
		{Pack: "traefik", Group: traefik, Version: "v1alpha1", Kind: "TraefikService", Resource: "traefikservices"},
		// Kong's configuration v2 (Kong/kubernetes-configuration): KongIngress, TCPIngress and
		// UDPIngress are gone.
		{Pack: "kong", Group: kong, Version: "v1", Kind: "KongPlugin", Resource: "kongplugins"},
		{Pack: "kong", Group: kong, Version: "v1", Kind: "KongClusterPlugin", Resource: "kongclusterplugins", ClusterScoped: true},
		{Pack: "kong", Group: kong, Version: "v1", Kind: "KongConsumer", Resource: "kongconsumers"},
		{Pack: "apisix", Group: apisix, Version: "v2", Kind: "ApisixRoute", Resource: "apisixroutes"},
		{Pack: "apisix", Group: apisix, Version: "v2", Kind: "ApisixConsumer", Resource: "apisixconsumers"},
		{Pack: "apisix", Group: apisix, Version: "v2", Kind: "ApisixTls", Resource: "apisixtlses"},
		{Pack: "apisix", Group: apisix, Version: "v2", Kind: "ApisixUpstream", Resource: "apisixupstreams"},
		// Plugin lists a route names (plugin_config_name) or that apply to every route:
		// judged for inline code and CORS like a route's own plugins.
		{Pack: "apisix", Group: apisix, Version: "v2", Kind: "ApisixPluginConfig", Resource: "apisixpluginconfigs"},
		{Pack: "apisix", Group: apisix, Version: "v2", Kind: "ApisixGlobalRule", Resource: "apisixglobalrules"},
		// Emissary stores v2 and serves v3alpha1, the version its docs write, through its
		// conversion webhook; the checks read v3alpha1.
		{Pack: "emissary", Group: ambass, Version: "v3alpha1", Kind: "Mapping", Resource: "mappings"},
		{Pack: "emissary", Group: ambass, Version: "v3alpha1", Kind: "Host", Resource: "hosts"},
		{Pack: "emissary", Group: ambass, Version: "v3alpha1", Kind: "TLSContext", Resource: "tlscontexts"},
	}
}
