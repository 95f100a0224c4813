# METADATA
# title: Istio DestinationRule should not disable TLS toward STRICT mTLS services
# description: >-
#   A DestinationRule (networking.istio.io; v1, v1beta1 and v1alpha3, one
#   schema) whose TLS settings (spec.trafficPolicy, its portLevelSettings, or
#   a subset's) set mode DISABLE toward a Service whose namespace requires
#   STRICT mutual TLS is warned: the clients then send plain text, which the
#   STRICT workloads refuse (a broken service), and the rule shows an intent
#   to take traffic out of mTLS (istio.io/latest/docs/ops/
#   configuration/traffic-management/tls-configuration/: a DestinationRule's
#   TLS settings override auto mTLS). STRICT is read from
#   data.apiguard.inventory.istio.peerAuthentications: a namespace-wide
#   PeerAuthentication (no selector) of the Service's namespace with mode
#   STRICT, or, when that namespace sets no mode, one in the root namespace
#   (istio.rootNamespace). Hosts: "<name>.<ns>.svc.<cluster domain>"
#   (service.clusterDomains), "<name>.<ns>.svc", "<name>.<ns>", "*.<ns>.svc.<cluster
#   domain>", a short name (the DestinationRule's namespace, as istiod's
#   ResolveShortnameToFQDN reads it), and "*", "*.svc.<cluster domain>",
#   "*.<cluster domain>" (every namespace). Other hosts (ServiceEntry and
#   external names) and exportTo are not judged; workload-level
#   PeerAuthentications (with a selector) are not read.
# custom:
#   kinds: [networking.istio.io/DestinationRule]
#   severity: medium
#   field: spec.trafficPolicy.tls.mode
#   remediation: >-
#     Remove tls.mode: DISABLE (auto mTLS then uses ISTIO_MUTUAL) or set
#     ISTIO_MUTUAL.
package istio.dr_tls_disable_strict

import data.lib.istio
import data.lib.kubernetes as k8s

warn contains msg if {
	k8s.is_check
	istio.networking
	k8s.kind == "DestinationRule"
	host := k8s.spec.host
	target := istio.host_namespace(host, k8s.namespace)
	some s in istio.dr_tls_settings(k8s.spec)
	s.tls.mode == "DISABLE"
	some ns in strict_namespaces(target)
	msg := sprintf(
		"%s: %s.mode is DISABLE toward %q, whose namespace %q requires STRICT mutual TLS, so clients send plain text the workloads refuse, outside mTLS; remove the mode (auto mTLS) or set ISTIO_MUTUAL",
		[k8s.display, istio.tls_path(s), host, ns],
	)
}

strict_namespaces(target) := {target} if {
	target != "*"
	istio.strict_namespace(target)
} else := {ns |
	target == "*"
	some ns in all_namespaces
	istio.strict_namespace(ns)
}

all_namespaces := {ns | some ns, _ in object.get(istio.inventory, "peerAuthentications", {})} | {istio.root_namespace}
