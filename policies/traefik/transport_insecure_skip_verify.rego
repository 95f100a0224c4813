# METADATA
# title: Traefik ServersTransports must verify backend certificates
# description: >-
#   A ServersTransport with spec.insecureSkipVerify: true, or a ServersTransportTCP
#   with spec.tls.insecureSkipVerify: true (traefik.io), makes Traefik accept any
#   certificate from the backends that use it (traefik/traefik v3.7.13
#   pkg/provider/kubernetes/crd/kubernetes.go loadConfigurationFromCRD copies the field
#   into the transport's tls.Config; doc.traefik.io/traefik/v3.7/reference/routing-configuration/kubernetes/crd/http/serverstransport/),
#   so anyone who can answer for the backend address reads and changes the traffic
#   that TLS was meant to protect. Denied. Namespaces in
#   data.apiguard.config.traefik.insecureTransportNamespaces (globs) are exempt.
# custom:
#   kinds: [traefik.io/ServersTransport, traefik.io/ServersTransportTCP]
#   severity: high
#   field: spec.insecureSkipVerify
#   remediation: >-
#     Remove insecureSkipVerify and give the transport the backend's CA in rootCAs
#     (and serverName when the certificate names another host).
package traefik.transport_insecure_skip_verify

import data.lib.kubernetes as k8s
import data.lib.traefik

deny contains msg if {
	traefik.kind("ServersTransport")
	k8s.is_check
	k8s.spec.insecureSkipVerify == true
	not exempt
	msg := sprintf(
		"%s: spec.insecureSkipVerify is true, so Traefik accepts any certificate from the backends using this transport and anyone who can answer for them reads the traffic; remove it and set spec.rootCAs to the backend's CA",
		[k8s.display],
	)
}

deny contains msg if {
	traefik.kind("ServersTransportTCP")
	k8s.is_check
	k8s.spec.tls.insecureSkipVerify == true
	not exempt
	msg := sprintf(
		"%s: spec.tls.insecureSkipVerify is true, so Traefik accepts any certificate from the backends using this transport and anyone who can answer for them reads the traffic; remove it and set spec.tls.rootCAs to the backend's CA",
		[k8s.display],
	)
}

exempt if k8s.namespace_in(traefik.setting("insecureTransportNamespaces", []))
