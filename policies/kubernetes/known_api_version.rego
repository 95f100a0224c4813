# METADATA
# title: Exposure objects use an API version the policies are written for
# description: >-
#   Every check reads an object through the schema of one API version, e.g.
#   networking.k8s.io/v1 for Ingress. The same kind in another version (the
#   networking.k8s.io/v1beta1 or extensions/v1beta1 Ingress removed in
#   Kubernetes 1.22, a future v2 of a CRD) has fields the checks do not know,
#   and judging it as v1 would pass what they cannot see. Such a request is
#   denied with the version to use instead. Gateway API's v1beta1 Gateway and
#   HTTPRoute are judged: Gateway API serves them from the same schema as v1
#   (conversion strategy None); so are the v1alpha2 (and v1alpha3) TLSRoute,
#   TCPRoute and UDPRoute that earlier experimental bundles served, whose
#   parentRefs, hostnames and backendRefs are the fields of v1. ListenerSet is
#   judged in gateway.networking.k8s.io/v1 only (the experimental XListenerSet
#   is another kind in another group). Kinds of the same name in other groups
#   (Knative's Service, Istio's Gateway) are not exposure kinds here and are
#   not judged. Tyk Operator v1.4.2 serves all its kinds (ApiDefinition,
#   SecurityPolicy, TykOasApiDefinition, TykStreamsApiDefinition,
#   TykMcpProxyDefinition) as tyk.tyk.io/v1alpha1 only (its CRDs,
#   TykTechnologies/tyk-charts tyk-operator-crds/crd-v1.4.2.yaml). DELETE is
#   never denied.
# custom:
#   kinds:
#     - Ingress
#     - NetworkPolicy
#     - Service
#     - Gateway
#     - HTTPRoute
#     - GRPCRoute
#     - ListenerSet
#     - TLSRoute
#     - TCPRoute
#     - UDPRoute
#     - ApiDefinition
#     - SecurityPolicy
#     - TykOasApiDefinition
#     - TykStreamsApiDefinition
#     - TykMcpProxyDefinition
#   severity: high
#   field: apiVersion
#   remediation: >-
#     Write the object in the API version the message names (kubectl convert
#     rewrites old manifests).
package kubernetes.known_api_version

import data.lib.kubernetes as k8s

deny contains msg if {
	k8s.is_check
	k8s.group in groups[k8s.kind]
	not api_version in supported[k8s.kind]
	msg := sprintf(
		"%s: %s %s is not an API version apiguard's policies are written for, so they cannot judge it; write it as %s",
		[k8s.display, api_version, k8s.kind, concat(" or ", sort(supported[k8s.kind]))],
	)
}

# The groups that serve, or served, each exposure kind.
groups := {
	"Ingress": {"networking.k8s.io", "extensions"},
	"NetworkPolicy": {"networking.k8s.io", "extensions"},
	"Service": {""},
	"Gateway": {"gateway.networking.k8s.io"},
	"HTTPRoute": {"gateway.networking.k8s.io"},
	"GRPCRoute": {"gateway.networking.k8s.io"},
	"ListenerSet": {"gateway.networking.k8s.io"},
	"TLSRoute": {"gateway.networking.k8s.io"},
	"TCPRoute": {"gateway.networking.k8s.io"},
	"UDPRoute": {"gateway.networking.k8s.io"},
	"ApiDefinition": {"tyk.tyk.io"},
	"SecurityPolicy": {"tyk.tyk.io"},
	"TykOasApiDefinition": {"tyk.tyk.io"},
	"TykStreamsApiDefinition": {"tyk.tyk.io"},
	"TykMcpProxyDefinition": {"tyk.tyk.io"},
}

# The API versions the library's checks read each kind in.
supported := {
	"Ingress": {"networking.k8s.io/v1"},
	"NetworkPolicy": {"networking.k8s.io/v1"},
	"Service": {"v1"},
	"Gateway": {"gateway.networking.k8s.io/v1", "gateway.networking.k8s.io/v1beta1"},
	"HTTPRoute": {"gateway.networking.k8s.io/v1", "gateway.networking.k8s.io/v1beta1"},
	"GRPCRoute": {"gateway.networking.k8s.io/v1"},
	"ListenerSet": {"gateway.networking.k8s.io/v1"},
	"TLSRoute": {"gateway.networking.k8s.io/v1", "gateway.networking.k8s.io/v1alpha3", "gateway.networking.k8s.io/v1alpha2"},
	"TCPRoute": {"gateway.networking.k8s.io/v1", "gateway.networking.k8s.io/v1alpha2"},
	"UDPRoute": {"gateway.networking.k8s.io/v1", "gateway.networking.k8s.io/v1alpha2"},
	"ApiDefinition": {"tyk.tyk.io/v1alpha1"},
	"SecurityPolicy": {"tyk.tyk.io/v1alpha1"},
	"TykOasApiDefinition": {"tyk.tyk.io/v1alpha1"},
	"TykStreamsApiDefinition": {"tyk.tyk.io/v1alpha1"},
	"TykMcpProxyDefinition": {"tyk.tyk.io/v1alpha1"},
}

# apiVersion as a manifest spells it: "v1" for the core group. A request without a
# version gets one no kind has, so it is denied rather than skipped.
api_version := version if k8s.group == ""

else := concat("/", [k8s.group, version])

version := v if {
	v := input.request.kind.version
	is_string(v)
} else := ""
