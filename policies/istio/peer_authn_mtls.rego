# METADATA
# title: Istio PeerAuthentication must not turn mutual TLS off
# description: >-
#   A PeerAuthentication (security.istio.io; v1 and v1beta1, one schema) with
#   spec.mtls.mode DISABLE, or a spec.portLevelMtls entry with mode DISABLE,
#   is denied: the selected workloads then accept plain-text connections, so
#   callers are not authenticated, principals- and namespaces-based
#   AuthorizationPolicy rules cannot match them, and traffic is unencrypted.
#   PERMISSIVE (accept both mTLS and plain text) is warned, or denied with
#   istio.denyPermissive: true. Istio's reference: "PERMISSIVE: Connection can
#   be either plaintext or mTLS tunnel. DISABLE: Connection is not tunneled.
#   STRICT: Connection is an mTLS tunnel" (istio.io/latest/docs/reference/
#   config/security/peer_authentication/; istio.io/api security/v1beta1/
#   peer_authentication.proto). UNSET or no mode inherits from the parent
#   (namespace, then root namespace) policy and is not judged; neither is
#   the mesh default (PERMISSIVE when no policy exists), which has no object.
# custom:
#   kinds: [security.istio.io/PeerAuthentication]
#   severity: high
#   field: spec.mtls.mode
#   remediation: >-
#     Set spec.mtls.mode (and each portLevelMtls mode) to STRICT, or remove
#     the field to inherit the namespace's or mesh's mode.
package istio.peer_authn_mtls

import data.lib.istio
import data.lib.kubernetes as k8s

deny contains msg if {
	some f in findings
	f.mode == "DISABLE"
	msg := sprintf(
		"%s: %s is DISABLE, so the workloads accept plain-text connections from anyone, unauthenticated and unencrypted; set it to STRICT or remove it to inherit the mesh's mode",
		[k8s.display, f.path],
	)
}

deny contains msg if {
	deny_permissive
	some f in findings
	f.mode == "PERMISSIVE"
	msg := permissive_msg(f)
}

warn contains msg if {
	not deny_permissive
	some f in findings
	f.mode == "PERMISSIVE"
	msg := permissive_msg(f)
}

permissive_msg(f) := sprintf(
	"%s: %s is PERMISSIVE, so the workloads also accept plain-text connections, which carry no peer identity and are not encrypted; set it to STRICT once every client is in the mesh",
	[k8s.display, f.path],
)

deny_permissive if istio.setting("denyPermissive", false) == true

findings contains {"path": "spec.mtls.mode", "mode": mode} if {
	applies
	mode := k8s.spec.mtls.mode
}

findings contains {"path": sprintf("spec.portLevelMtls[%q].mode", [port]), "mode": mode} if {
	applies
	some port, setting in k8s.spec.portLevelMtls
	mode := setting.mode
	mode in {"DISABLE", "PERMISSIVE"}
}

applies if {
	k8s.is_check
	istio.security
	k8s.kind == "PeerAuthentication"
	not istio.exempt("mtlsExemptNamespaces")
}
