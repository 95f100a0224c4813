# METADATA
# title: Envoy Gateway client IP detection should trust only known proxies
# description: >-
#   The client address Envoy Gateway authorizes on (SecurityPolicy
#   principal.clientCIDRs), rate-limits and geolocates is the one
#   spec.clientIPDetection of a ClientTrafficPolicy detects (api/v1alpha1/
#   authorization_types.go Principal.ClientCIDRs). xForwardedFor.numTrustedHops N > 0
#   takes the Nth address from the right of X-Forwarded-For whoever sent the request
#   (clienttrafficpolicy_types.go XForwardedForSettings; Envoy's xff_num_trusted_hops):
#   a client that reaches the listener past the expected proxies, or with fewer of
#   them in front, chooses its own address by sending the header. trustedCIDRs
#   instead walks the header only from the listed proxies' addresses; the CRD allows
#   one of the two, never both, so numTrustedHops is always "without trustedCIDRs".
#   customHeader takes the address from a header any client can send, unless a
#   proxy in front always overwrites it. Both are warned; numTrustedHops 0,
#   trustedCIDRs and directSourceIP pass.
# custom:
#   kinds: [gateway.envoyproxy.io/ClientTrafficPolicy]
#   severity: medium
#   field: spec.clientIPDetection
#   remediation: >-
#     Use clientIPDetection.xForwardedFor.trustedCIDRs with the addresses of your
#     load balancers instead of numTrustedHops, and make sure only those proxies can
#     reach the Gateway.
package envoygateway.client_ip_detection

import data.lib.envoygateway as eg
import data.lib.kubernetes as k8s

warn contains msg if {
	eg.judged("ClientTrafficPolicy")
	n := k8s.spec.clientIPDetection.xForwardedFor.numTrustedHops
	is_number(n)
	n > 0
	msg := sprintf(
		"%s: spec.clientIPDetection.xForwardedFor.numTrustedHops is %d without trustedCIDRs, so a client that reaches the listener with fewer proxies in front picks its own address through X-Forwarded-For, and clientCIDRs authorization, rate limits and geolocation judge that address; use xForwardedFor.trustedCIDRs with your load balancers' addresses",
		[k8s.display, n],
	)
}

warn contains msg if {
	eg.judged("ClientTrafficPolicy")
	h := k8s.spec.clientIPDetection.customHeader
	is_object(h)
	msg := sprintf(
		"%s: spec.clientIPDetection.customHeader takes the client address from header %q, which any client can send unless every path to the listener goes through a proxy that overwrites it; prefer xForwardedFor.trustedCIDRs",
		[k8s.display, object.get(h, "name", "")],
	)
}
