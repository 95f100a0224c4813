# METADATA
# title: An Istio VirtualService bound to a gateway must not claim every host
# description: >-
#   A VirtualService (networking.istio.io; v1, v1beta1 and v1alpha3, one
#   schema) with hosts "*" whose top-level gateways names a gateway other
#   than the reserved "mesh" is denied: on that gateway it takes every host
#   name the gateway accepts for its namespace, other teams' included.
#   istiod binds a VirtualService to gateways by its top-level gateways only,
#   ["mesh"] when empty (istio/istio pilot/pkg/model/push_context.go
#   getGatewayNames); match[].gateways only narrow the routes of a bound
#   VirtualService, so they are not read. A VirtualService for sidecars only
#   (no gateways, or only "mesh") passes.
# custom:
#   kinds: [networking.istio.io/VirtualService]
#   severity: high
#   field: spec.hosts
#   remediation: >-
#     List the host names the VirtualService serves (for example
#     shop.example.com) instead of "*".
package istio.vs_wildcard_host

import data.lib.istio
import data.lib.kubernetes as k8s

deny contains msg if {
	k8s.is_check
	istio.networking
	k8s.kind == "VirtualService"
	"*" in k8s.array_at(k8s.spec, "hosts")
	not istio.exempt("wildcardHostNamespaces")
	gateways := [g | some g in k8s.array_at(k8s.spec, "gateways"); g != "mesh"]
	count(gateways) > 0
	msg := sprintf(
		"%s: spec.hosts contains \"*\" and spec.gateways binds it to %s, so it takes every host name those gateways accept, other teams' included; list the host names it serves instead",
		[k8s.display, concat(", ", [sprintf("%q", [g]) | some g in gateways])],
	)
}
