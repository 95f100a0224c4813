# METADATA
# title: Emissary Mappings should not send plain HTTP outside the cluster
# description: >-
#   A getambassador.io/v3alpha1 Mapping whose spec.service reaches a host outside the
#   cluster over plain HTTP is warned: requests, with the credentials and headers the
#   gateway forwards, cross networks the platform does not control unencrypted. Emissary
#   originates TLS only for a service starting with "https://" (compared without case,
#   not trimmed) or when spec.tls names a TLSContext; "http://", a bare host[:port], and
#   any other scheme are plain HTTP, on port 80 when none is given
#   (emissary-ingress/emissary python/ambassador/ir/ircluster.py IRCluster.__init__:
#   "If the port is unset ... 443 if we're originating TLS, 80 if not"; service name
#   formatting in www.getambassador.io/docs/emissary/latest/howtos/route/). So a
#   scheme-less external service is judged like "http://". The host is read as IRCluster reads it (scheme, user info, port,
#   path dropped; lib.emissary service_host) and is inside the cluster when it is a name
#   without a dot (a Service of the Mapping's namespace, or a Consul service name),
#   ends in .svc or .svc.<cluster domain> (emissary.clusterDomains, default
#   ["cluster.local"]), is "<service>.<namespace>" for the Mapping's own namespace or a
#   namespace in emissary.serviceNamespaces (globs, default none: "api.example" reads
#   the same as "<service>.<namespace>"), or is an address that is not publicly
#   routable (ClusterIP, pod, loopback; numeric spellings such as "2130706433" are read
#   as a resolver reads them, lib.address). Everything else, IPv6 and public addresses
#   included, is outside. Warn only: some upstreams are plain HTTP by design.
#   getambassador.io v2 and v1 objects are not judged here
#   (kubernetes.known_api_version denies them).
# custom:
#   kinds: [getambassador.io/Mapping]
#   severity: medium
#   field: spec.service
#   remediation: >-
#     Use https:// in spec.service (Emissary then originates TLS), or name a TLSContext in
#     spec.tls; list namespaces of "<service>.<namespace>" upstreams in
#     emissary.serviceNamespaces.
package emissary.mapping_plain_upstream

import data.lib.emissary
import data.lib.kubernetes as k8s

warn contains msg if {
	k8s.is_check
	emissary.mapping
	not emissary.service_tls
	h := emissary.service_host
	h != ""
	not emissary.in_cluster(h, namespaces, domains)
	msg := sprintf(
		"%s: spec.service %q sends plain HTTP to %q, outside the cluster, so requests and the credentials they carry cross the network unencrypted; use https:// in spec.service or name a TLSContext in spec.tls",
		[k8s.display, k8s.spec.service, h],
	)
}

namespaces := k8s.setting(["emissary", "serviceNamespaces"], [])

domains := k8s.setting(["emissary", "clusterDomains"], ["cluster.local"])
