# METADATA
# title: Istio Gateway TLS servers must use TLS 1.2 or later and verify clients
# description: >-
#   An Istio Gateway (networking.istio.io; v1, v1beta1 and v1alpha3, one
#   schema) server that terminates TLS (protocol HTTPS or TLS, tls.mode not
#   PASSTHROUGH or AUTO_PASSTHROUGH) is denied when tls.minProtocolVersion
#   or tls.maxProtocolVersion is TLSV1_0 or TLSV1_1 ("Using TLS protocol
#   versions below TLSV1_2 has serious security risks", istio.io/api
#   networking/v1alpha3/gateway.proto; RFC 8996 deprecates both), or when
#   tls.insecureSkipVerify is true, with which the proxy "will allow the
#   connection through" even when the client certificate fails validation,
#   so MUTUAL TLS authenticates nobody. TLS_AUTO or no minimum is TLS 1.2
#   (the proto: "By default, it is TLSV1_2") and passes.
# custom:
#   kinds: [networking.istio.io/Gateway]
#   severity: high
#   field: spec.servers[].tls.minProtocolVersion
#   remediation: >-
#     Set tls.minProtocolVersion to TLSV1_2 or TLSV1_3 (or remove it), remove
#     a maxProtocolVersion below TLSV1_2, and remove tls.insecureSkipVerify.
package istio.gateway_tls

import data.lib.istio
import data.lib.kubernetes as k8s

deny contains msg if {
	some i, tls in terminating
	some field in ["minProtocolVersion", "maxProtocolVersion"]
	tls[field] in {"TLSV1_0", "TLSV1_1"}
	msg := sprintf(
		"%s: spec.servers[%d].tls.%s is %s, so clients can connect with a deprecated TLS version open to downgrade and known attacks; use TLSV1_2 or later",
		[k8s.display, i, field, tls[field]],
	)
}

deny contains msg if {
	some i, tls in terminating
	tls.insecureSkipVerify == true
	msg := sprintf(
		"%s: spec.servers[%d].tls.insecureSkipVerify is true, so connections are let through even when the client certificate fails validation; remove it",
		[k8s.display, i],
	)
}

# terminating maps the index of each server that terminates TLS to its tls block. An
# object comprehension, not a partial object rule (terminating[i] := tls if ...): OPA
# checks each key a partial object rule adds against every key added before it
# (topdown/eval.go hasCollisions), O(n^2) in the servers (issue 19).
terminating := {i: tls |
	k8s.is_check
	istio.networking
	k8s.kind == "Gateway"
	some i, server in k8s.array_at(k8s.spec, "servers")
	istio.protocol(server) in istio.tls_protocols
	tls := server.tls
	is_object(tls)
	not passthrough(tls)
}

passthrough(tls) if tls.mode in {"PASSTHROUGH", "AUTO_PASSTHROUGH"}
