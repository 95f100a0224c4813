# METADATA
# title: Tyk OAS API must verify a modern upstream TLS
# description: >-
#   x-tyk-api-gateway.upstream.tlsTransport (X-Tyk-TLSTransport) sets how the gateway
#   dials the upstream. insecureSkipVerify: true accepts any certificate, and a
#   minVersion of "1.0" or "1.1" allows deprecated protocols (RFC 8996); both are denied
#   (Tyk maps them to proxy.transport.ssl_insecure_skip_verify and ssl_min_version,
#   apidef/oas/upstream.go, which the gateway's reverse proxy applies per API). A plain
#   http:// upstream.url outside the cluster (not a Service name, *.svc or
#   *.svc.cluster.local; lib.tykoas plain_outside_cluster, the URL-host reading
#   tyk.streams_exposure and tyk.mcp_proxy share) is warned: the traffic leaves the
#   cluster unencrypted.
# custom:
#   kinds: [tyk.tyk.io/TykOasApiDefinition, tyk.tyk.io/TykStreamsApiDefinition, tyk.tyk.io/TykMcpProxyDefinition, ConfigMap]
#   severity: high
#   field: x-tyk-api-gateway.upstream.tlsTransport
#   remediation: >-
#     Remove insecureSkipVerify (or set it false), set minVersion to "1.2" or "1.3",
#     and use an https:// upstream.url for upstreams outside the cluster.
package tyk.oas_upstream_tls

import data.lib.kubernetes as k8s
import data.lib.tykoas

deny contains msg if {
	k8s.is_check
	some d in tykoas.documents
	tykoas.served(d.gw)
	d.gw.upstream.tlsTransport.insecureSkipVerify == true
	msg := sprintf("%s: %s is true, so the gateway accepts any upstream certificate; remove it and trust the upstream's CA instead", [k8s.display, tykoas.field(d.where, "upstream.tlsTransport.insecureSkipVerify")])
}

deny contains msg if {
	k8s.is_check
	some d in tykoas.documents
	tykoas.served(d.gw)
	v := d.gw.upstream.tlsTransport.minVersion
	v in tykoas.weak_tls_versions
	msg := sprintf("%s: %s is %q, allowing deprecated TLS to the upstream; set it to \"1.2\" or \"1.3\"", [k8s.display, tykoas.field(d.where, "upstream.tlsTransport.minVersion"), v])
}

warn contains msg if {
	k8s.is_check
	some d in tykoas.documents
	tykoas.served(d.gw)
	url := d.gw.upstream.url
	tykoas.plain_outside_cluster(url, ["http://"])
	msg := sprintf("%s: %s is %q, plain HTTP to a host outside the cluster; use https://", [k8s.display, tykoas.field(d.where, "upstream.url"), url])
}
