# METADATA
# title: ApisixUpstream should not send plain HTTP outside the cluster
# description: >-
#   An ApisixUpstream (apisix.apache.org) with spec.externalNodes sends the traffic of
#   the routes that use it to those nodes, with spec.scheme, which defaults to http
#   (apache/apisix-ingress-controller internal/adc/translator/apisixupstream.go
#   translateApisixUpstreamScheme: `cmp.Or(au.Spec.Scheme, apiv2.SchemeHTTP)`). A node of
#   type "Domain" is used as the upstream host as written
#   (translateApisixUpstreamExternalNodesDomain); every other type, "Service" or unset,
#   names an ExternalName Service whose spec.externalName becomes the host
#   (translateApisixUpstreamExternalNodesService, which refuses any other Service type).
#   With scheme http or grpc (cleartext HTTP/2), requests, credentials and responses
#   cross the network unencrypted. Warned: a Domain node that is not a Kubernetes
#   Service name (a bare name, *.svc, or *.svc.<cluster domain> for
#   data.apiguard.config.service.clusterDomains, default cluster.local), and a
#   Service node (an ExternalName alias, whose target apiguard does not see here;
#   service.safe_external_name judges the Service itself).
# custom:
#   kinds: [apisix.apache.org/ApisixUpstream]
#   severity: medium
#   field: spec.scheme
#   remediation: >-
#     Set spec.scheme: https (or grpcs) and point externalNodes at the TLS port of the
#     backend.
package apisix.upstream_plain_http

import data.lib.apisix
import data.lib.kubernetes as k8s

plaintext := {"http", "grpc"}

warn contains msg if {
	applies
	some i, node in k8s.array_at(k8s.spec, "externalNodes")
	node.type == "Domain"
	h := node.name
	is_string(h)
	not apisix.in_cluster_host(h)
	msg := sprintf(
		"%s: spec.externalNodes[%d] sends traffic to %q outside the cluster with scheme %s%s, so requests, credentials and responses cross the network unencrypted; set spec.scheme: https (or grpcs) and use the backend's TLS port",
		[k8s.display, i, h, scheme, scheme_note],
	)
}

warn contains msg if {
	applies
	some i, node in k8s.array_at(k8s.spec, "externalNodes")
	is_object(node)
	not node.type == "Domain"
	msg := sprintf(
		"%s: spec.externalNodes[%d] sends traffic with scheme %s%s to ExternalName Service %q, an alias usually for a host outside the cluster, so requests, credentials and responses may cross the network unencrypted; set spec.scheme: https (or grpcs)",
		[k8s.display, i, scheme, scheme_note, object.get(node, "name", "")],
	)
}

applies if {
	k8s.kind == "ApisixUpstream"
	k8s.group == apisix.group
	k8s.is_check
	scheme in plaintext
}

scheme := s if {
	s := k8s.spec.scheme
	is_string(s)
	s != ""
} else := "http"

scheme_note := " (the default)" if not k8s.spec.scheme

else := ""
