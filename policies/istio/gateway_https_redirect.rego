# METADATA
# title: Istio Gateway plain-HTTP servers must redirect to HTTPS
# description: >-
#   An Istio Gateway (networking.istio.io; v1, v1beta1 and v1alpha3, one
#   schema) server whose port.protocol is HTTP, HTTP2, HTTP_PROXY, GRPC or
#   GRPC-WEB (in any case: istio/istio pkg/config/protocol/instance.go Parse
#   lower-cases it, and IsHTTP holds for these) serves its hosts in
#   clear text unless tls.httpsRedirect is true ("the load balancer will send
#   a 301 redirect for all http connections, asking the clients to use
#   HTTPS", istio.io/api networking/v1alpha3/gateway.proto). When a host of
#   such a server also has an HTTPS or TLS server in the same Gateway (equal
#   names, "*", or a "*.suffix" wildcard covering the other; a wildcard longer
#   than the 255 characters Istio accepts is compared by equality only), it is
#   denied: the same site answers in clear text, so cookies and credentials can
#   be downgraded and read. Otherwise a plain-HTTP server on a public gateway
#   (istio.publicGateways) is warned.
# custom:
#   kinds: [networking.istio.io/Gateway]
#   severity: high
#   field: spec.servers[].tls.httpsRedirect
#   remediation: >-
#     Set tls.httpsRedirect: true on the plain-HTTP server, or remove it and
#     serve the hosts over HTTPS only.
package istio.gateway_https_redirect

import data.lib.istio
import data.lib.kubernetes as k8s

deny contains msg if {
	some i in plain_servers
	hosts := sort({h |
		some h in k8s.array_at(k8s.spec.servers[i], "hosts")
		overlaps_tls_host(istio.server_dns(h))
	})
	count(hosts) > 0
	msg := sprintf(
		"%s: spec.servers[%d] serves %s over plain %s without tls.httpsRedirect, while this Gateway also serves them over TLS, so clients can be downgraded to clear text and their cookies and credentials read; set spec.servers[%d].tls.httpsRedirect: true",
		[k8s.display, i, concat(", ", hosts), istio.protocol(k8s.spec.servers[i]), i],
	)
}

warn contains msg if {
	istio.public_gateway
	some i in plain_servers
	not overlaps_tls(i)
	msg := sprintf(
		"%s: spec.servers[%d] serves a public gateway over plain %s without tls.httpsRedirect, so its traffic is readable and modifiable on the network; add an HTTPS server and set tls.httpsRedirect: true here",
		[k8s.display, i, istio.protocol(k8s.spec.servers[i])],
	)
}

applies if {
	k8s.is_check
	istio.networking
	k8s.kind == "Gateway"
	not istio.exempt("plainHttpNamespaces")
}

plain_servers contains i if {
	applies
	some i, server in k8s.array_at(k8s.spec, "servers")
	istio.protocol(server) in istio.plain_http_protocols
	not server.tls.httpsRedirect == true
}

# tls_hosts are the dnsNames of the HTTPS and TLS servers, one set built once, so a
# plain host is matched against them by lookups, never by a scan of every TLS host per
# plain host (O(n^2) in the servers; issue 19).
tls_hosts := {istio.server_dns(h) |
	some server in k8s.array_at(k8s.spec, "servers")
	istio.protocol(server) in istio.tls_protocols
	some h in k8s.array_at(server, "hosts")
}

# tls_tails are the dot tails (istio.dot_tails) of every TLS host: ".example.com" is
# one when some TLS host ends with it.
tls_tails := {tail |
	some t in tls_hosts
	some tail in istio.dot_tails(t)
}

overlaps_tls(i) if {
	some h in k8s.array_at(k8s.spec.servers[i], "hosts")
	overlaps_tls_host(istio.server_dns(h))
}

# overlaps_tls_host(a) holds when istio.hosts_overlap(a, t) holds for some TLS host t,
# case by case: equal names, "*" on either side, a "*.suffix" plain host covering a TLS
# host (one ends with ".suffix"), and a "*.suffix" TLS host covering the plain host
# (".suffix" is one of the plain host's dot tails).
overlaps_tls_host(a) if a in tls_hosts

overlaps_tls_host(a) if {
	a == "*"
	count(tls_hosts) > 0
}

overlaps_tls_host(_) if "*" in tls_hosts

overlaps_tls_host(a) if {
	startswith(a, "*.")
	trim_prefix(a, "*") in tls_tails
}

overlaps_tls_host(a) if {
	some tail in istio.dot_tails(a)
	concat("", ["*", tail]) in tls_hosts
}
