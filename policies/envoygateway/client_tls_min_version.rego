# METADATA
# title: Envoy Gateway ClientTrafficPolicy must not accept TLS below 1.2
# description: >-
#   spec.tls.minVersion "1.0" or "1.1" on a ClientTrafficPolicy
#   (gateway.envoyproxy.io/v1alpha1) lets clients of the Gateway listeners it targets
#   negotiate TLS 1.0/1.1 (RFC 8996 deprecates both): Envoy Gateway maps them to
#   Envoy's TLSv1_0/TLSv1_1 (internal/xds/translator/listener.go buildTLSVersion).
#   Unset means TLS 1.2 (api/v1alpha1/tls_types.go: "The default is TLS 1.2"), and
#   "Auto" maps to Envoy's TLS_AUTO, whose minimum is TLS 1.2 for clients and
#   servers (envoyproxy/envoy api/envoy/extensions/transport_sockets/tls/v3/
#   common.proto TlsParameters.tls_minimum_protocol_version): both pass.
#   The CRD's enum is Auto, "1.0", "1.1", "1.2", "1.3", compared exactly.
# custom:
#   kinds: [gateway.envoyproxy.io/ClientTrafficPolicy]
#   severity: high
#   field: spec.tls.minVersion
#   remediation: Set spec.tls.minVersion to "1.2" or "1.3", or remove it (TLS 1.2).
package envoygateway.client_tls_min_version

import data.lib.envoygateway as eg
import data.lib.kubernetes as k8s

deny contains msg if {
	eg.judged("ClientTrafficPolicy")
	v := k8s.spec.tls.minVersion
	eg.legacy_tls(v)
	msg := sprintf(
		"%s: spec.tls.minVersion is %q, so clients can connect with deprecated TLS %s; set minVersion to \"1.2\" or \"1.3\", or remove it (TLS 1.2)",
		[k8s.display, v, v],
	)
}
