package kubernetes.known_api_version_test

import data.kubernetes.known_api_version

request(operation, group, version, kind) := {"request": {
	"uid": "1",
	"kind": {"group": group, "version": version, "kind": kind},
	"name": "web",
	"namespace": "demo",
	"operation": operation,
	"object": {"metadata": {"name": "web", "namespace": "demo"}, "spec": {}},
	"oldObject": {"metadata": {"name": "web", "namespace": "demo"}, "spec": {}},
}}

test_v1_ingress_passes if {
	count(known_api_version.deny) == 0 with input as request("CREATE", "networking.k8s.io", "v1", "Ingress")
}

test_v1beta1_ingress_denied_naming_v1 if {
	some msg in known_api_version.deny with input as request("CREATE", "networking.k8s.io", "v1beta1", "Ingress")
	contains(msg, "Ingress demo/web: networking.k8s.io/v1beta1 Ingress is not an API version")
	endswith(msg, "write it as networking.k8s.io/v1")
}

test_extensions_ingress_denied if {
	count(known_api_version.deny) == 1 with input as request("UPDATE", "extensions", "v1beta1", "Ingress")
}

test_extensions_network_policy_denied if {
	count(known_api_version.deny) == 1 with input as request("CREATE", "extensions", "v1beta1", "NetworkPolicy")
}

test_audit_judged if {
	count(known_api_version.deny) == 1 with input as request("AUDIT", "networking.k8s.io", "v1beta1", "Ingress")
}

test_delete_never_denied if {
	count(known_api_version.deny) == 0 with input as request("DELETE", "networking.k8s.io", "v1beta1", "Ingress")
}

test_core_service if {
	count(known_api_version.deny) == 0 with input as request("CREATE", "", "v1", "Service")
	some msg in known_api_version.deny with input as request("CREATE", "", "v2", "Service")
	contains(msg, "v2 Service is not an API version")
	endswith(msg, "write it as v1")
}

test_gateway_api_versions_sharing_one_schema_pass if {
	every kind in ["Gateway", "HTTPRoute"] {
		every version in ["v1", "v1beta1"] {
			count(known_api_version.deny) == 0 with input as request("CREATE", "gateway.networking.k8s.io", version, kind)
		}
	}
	count(known_api_version.deny) == 0 with input as request("CREATE", "gateway.networking.k8s.io", "v1", "GRPCRoute")
}

test_future_gateway_version_denied_listing_both if {
	some msg in known_api_version.deny with input as request("CREATE", "gateway.networking.k8s.io", "v2", "HTTPRoute")
	endswith(msg, "write it as gateway.networking.k8s.io/v1 or gateway.networking.k8s.io/v1beta1")
}

test_tyk if {
	count(known_api_version.deny) == 0 with input as request("CREATE", "tyk.tyk.io", "v1alpha1", "ApiDefinition")
	count(known_api_version.deny) == 1 with input as request("CREATE", "tyk.tyk.io", "v1alpha2", "SecurityPolicy")
	count(known_api_version.deny) == 0 with input as request("CREATE", "tyk.tyk.io", "v1alpha1", "TykOasApiDefinition")
	count(known_api_version.deny) == 0 with input as request("UPDATE", "tyk.tyk.io", "v1alpha1", "TykStreamsApiDefinition")
	count(known_api_version.deny) == 0 with input as request("CREATE", "tyk.tyk.io", "v1alpha1", "TykMcpProxyDefinition")
	count(known_api_version.deny) == 1 with input as request("CREATE", "tyk.tyk.io", "v1beta1", "TykOasApiDefinition")
}

test_same_name_in_another_group_not_judged if {
	count(known_api_version.deny) == 0 with input as request("CREATE", "serving.knative.dev", "v1", "Service")
	count(known_api_version.deny) == 0 with input as request("CREATE", "networking.istio.io", "v1beta1", "Gateway")
}

test_other_kinds_not_judged if {
	count(known_api_version.deny) == 0 with input as request("CREATE", "", "v9", "ConfigMap")
}

test_missing_version_denied if {
	req := json.remove(request("CREATE", "networking.k8s.io", "v1", "Ingress"), ["request/kind/version"])
	count(known_api_version.deny) == 1 with input as req
}

test_listenerset_and_stream_routes if {
	every kind in ["ListenerSet", "TLSRoute", "TCPRoute", "UDPRoute"] {
		count(known_api_version.deny) == 0 with input as request("CREATE", "gateway.networking.k8s.io", "v1", kind)
	}
	every kind in ["TLSRoute", "TCPRoute", "UDPRoute"] {
		count(known_api_version.deny) == 0 with input as request("CREATE", "gateway.networking.k8s.io", "v1alpha2", kind)
	}
	count(known_api_version.deny) == 0 with input as request("CREATE", "gateway.networking.k8s.io", "v1alpha3", "TLSRoute")
}

test_listenerset_other_versions_denied if {
	some msg in known_api_version.deny with input as request("CREATE", "gateway.networking.k8s.io", "v1alpha1", "ListenerSet")
	endswith(msg, "gateway.networking.k8s.io/v1alpha1 ListenerSet is not an API version apiguard's policies are written for, so they cannot judge it; write it as gateway.networking.k8s.io/v1")
	count(known_api_version.deny) == 1 with input as request("AUDIT", "gateway.networking.k8s.io", "v2", "TCPRoute")
	count(known_api_version.deny) == 0 with input as request("DELETE", "gateway.networking.k8s.io", "v2", "UDPRoute")
}

# Kinds are matched with their group: Istio's Gateway is judged in Istio's versions, not
# Gateway API's, and Knative's Service is no exposure kind.
test_same_kind_name_in_another_group_judged_as_its_own_kind if {
	every version in ["v1", "v1beta1", "v1alpha3"] {
		count(known_api_version.deny) == 0 with input as request("CREATE", "networking.istio.io", version, "Gateway")
	}
	some msg in known_api_version.deny with input as request("CREATE", "networking.istio.io", "v2", "Gateway")
	endswith(msg, "write it as networking.istio.io/v1 or networking.istio.io/v1alpha3 or networking.istio.io/v1beta1")
	count(known_api_version.deny) == 1 with input as request("CREATE", "gateway.networking.k8s.io", "v1alpha3", "Gateway")
	count(known_api_version.deny) == 0 with input as request("CREATE", "serving.knative.dev", "v1", "Service")
}

test_envoy_gateway_and_tyk_security_policies_have_their_own_versions if {
	count(known_api_version.deny) == 0 with input as request("CREATE", "gateway.envoyproxy.io", "v1alpha1", "SecurityPolicy")
	count(known_api_version.deny) == 0 with input as request("CREATE", "tyk.tyk.io", "v1alpha1", "SecurityPolicy")
	some msg in known_api_version.deny with input as request("CREATE", "gateway.envoyproxy.io", "v1", "SecurityPolicy")
	endswith(msg, "write it as gateway.envoyproxy.io/v1alpha1")
}
