# METADATA
# title: Exposure objects use an API version the policies are written for
# description: >-
#   Every check reads an object through the schema of one API version, e.g.
#   networking.k8s.io/v1 for Ingress. The same kind in another version (the
#   networking.k8s.io/v1beta1 or extensions/v1beta1 Ingress removed in
#   Kubernetes 1.22, a future v2 of a CRD) has fields the checks do not know,
#   and judging it as v1 would pass what they cannot see. Such a request is
#   denied with the version to use instead. The versions judged are those of
#   the table of exposure kinds (pkg/kinds, generated into lib.kinds): the
#   storage version, plus the served versions that share its schema (Gateway
#   API's v1beta1 Gateway and HTTPRoute, conversion strategy None; the
#   v1alpha2 and v1alpha3 TLSRoute, TCPRoute and UDPRoute of earlier
#   experimental bundles; Istio's v1beta1 and v1alpha3, served from one
#   schema without conversion). Kinds are matched with their group, so a kind
#   of the same name in another group (Knative's Service, Istio's Gateway
#   against Gateway API's, Envoy Gateway's SecurityPolicy against Tyk's) is
#   judged as its own kind or not at all. DELETE is never denied.
# custom:
#   kinds:
#     - networking.k8s.io/Ingress
#     - extensions/Ingress
#     - networking.k8s.io/NetworkPolicy
#     - extensions/NetworkPolicy
#     - core/Service
#     - gateway.networking.k8s.io/Gateway
#     - gateway.networking.k8s.io/HTTPRoute
#     - gateway.networking.k8s.io/GRPCRoute
#     - gateway.networking.k8s.io/ListenerSet
#     - gateway.networking.k8s.io/TLSRoute
#     - gateway.networking.k8s.io/TCPRoute
#     - gateway.networking.k8s.io/UDPRoute
#     - gateway.networking.k8s.io/BackendTLSPolicy
#     - tyk.tyk.io/ApiDefinition
#     - tyk.tyk.io/SecurityPolicy
#     - tyk.tyk.io/TykOasApiDefinition
#     - tyk.tyk.io/TykStreamsApiDefinition
#     - tyk.tyk.io/TykMcpProxyDefinition
#     - security.istio.io/AuthorizationPolicy
#     - security.istio.io/PeerAuthentication
#     - security.istio.io/RequestAuthentication
#     - networking.istio.io/Gateway
#     - networking.istio.io/VirtualService
#     - networking.istio.io/DestinationRule
#     - gateway.envoyproxy.io/SecurityPolicy
#     - gateway.envoyproxy.io/ClientTrafficPolicy
#     - gateway.envoyproxy.io/Backend
#     - gateway.envoyproxy.io/EnvoyPatchPolicy
#     - projectcontour.io/HTTPProxy
#     - traefik.io/IngressRoute
#     - traefik.io/IngressRouteTCP
#     - traefik.io/Middleware
#     - traefik.io/ServersTransport
#     - traefik.io/TLSOption
#     - traefik.io/MiddlewareTCP
#     - traefik.io/ServersTransportTCP
#     - traefik.io/TLSStore
#     - traefik.io/TraefikService
#     - configuration.konghq.com/KongPlugin
#     - configuration.konghq.com/KongClusterPlugin
#     - configuration.konghq.com/KongConsumer
#     - apisix.apache.org/ApisixRoute
#     - apisix.apache.org/ApisixConsumer
#     - apisix.apache.org/ApisixTls
#     - apisix.apache.org/ApisixUpstream
#     - apisix.apache.org/ApisixPluginConfig
#     - apisix.apache.org/ApisixGlobalRule
#     - getambassador.io/Mapping
#     - getambassador.io/Host
#     - getambassador.io/TLSContext
#   severity: high
#   field: apiVersion
#   remediation: >-
#     Write the object in the API version the message names (kubectl convert
#     rewrites old manifests).
package kubernetes.known_api_version

import data.lib.kinds
import data.lib.kubernetes as k8s

deny contains msg if {
	k8s.is_check
	some versions in supported
	not api_version in versions
	msg := sprintf(
		"%s: %s %s is not an API version apiguard's policies are written for, so they cannot judge it; write it as %s",
		[k8s.display, api_version, k8s.kind, concat(" or ", sort(versions))],
	)
}

key := concat("/", [k8s.group, k8s.kind])

# supported is the set of apiVersions the checks read this group/kind in (a one-element
# set, so the rule above reads it once); for a group that served the kind once, those of
# the group that serves it now. Undefined for a kind that is not an exposure kind.
supported contains versions if versions := kinds.judged[key]

supported contains versions if versions := kinds.judged[kinds.former[key]]

# apiVersion as a manifest spells it: "v1" for the core group. A request without a
# version gets one no kind has, so it is denied rather than skipped.
api_version := version if k8s.group == ""

else := concat("/", [k8s.group, version])

version := v if {
	v := input.request.kind.version
	is_string(v)
} else := ""
