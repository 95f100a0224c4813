# METADATA
# title: Public Istio Gateways must not accept every host
# description: >-
#   An Istio Gateway (networking.istio.io; v1, v1beta1 and v1alpha3, one
#   schema) server on a public gateway (istio.publicGateways; unset: every
#   Gateway) whose hosts hold a dnsName "*" ("*", "*/*", "./*",
#   "<namespace>/*") is denied: it accepts every host name, and a bare "*"
#   or "*/*" lets a VirtualService of any namespace bind any name to the
#   gateway (istio.io/api networking/v1alpha3/gateway.proto Server.hosts:
#   "Set the dnsName to * to select all VirtualService hosts from the
#   specified namespace"; the namespace "*" is any namespace, "." the
#   Gateway's own, and the default without a prefix is "*/"), so one team can
#   take another's traffic. A "*.example.com" wildcard is not judged here.
# custom:
#   kinds: [networking.istio.io/Gateway]
#   severity: high
#   field: spec.servers[].hosts
#   remediation: >-
#     List the host names the gateway serves (for example
#     "shop/shop.example.com"), each with the namespace allowed to bind it.
package istio.gateway_wildcard_host

import data.lib.istio
import data.lib.kubernetes as k8s

deny contains msg if {
	k8s.is_check
	istio.networking
	k8s.kind == "Gateway"
	not istio.exempt("wildcardHostNamespaces")
	some i, server in k8s.array_at(k8s.spec, "servers")
	some h in k8s.array_at(server, "hosts")
	istio.server_dns(h) == "*"
	istio.public_gateway
	msg := sprintf(
		"%s: spec.servers[%d].hosts contains %q on a public gateway, so it accepts every host name and any bound VirtualService can take any team's traffic; list the host names it serves, for example \"shop/shop.example.com\"",
		[k8s.display, i, h],
	)
}
