# METADATA
# title: BackendTLSPolicy should trust a private CA for in-cluster backends
# description: >-
#   A Gateway API BackendTLSPolicy (gateway.networking.k8s.io/v1; v1alpha3 is no
#   longer served by v1.6.3) tells the Gateway how to verify a backend's certificate.
#   validation.wellKnownCACertificates: System trusts every public CA of the
#   gateway's trust store (sigs.k8s.io/gateway-api apis/v1/backendtlspolicy_types.go);
#   for a backend that is a Service in the cluster (a targetRefs entry of group ""
#   and kind Service, or multicluster.x-k8s.io ServiceImport), any certificate a
#   public CA issues for validation.hostname then impersonates it, where a private CA
#   in caCertificateRefs trusts only the cluster's own issuer: warned (a Service of
#   type ExternalName that names a public endpoint is the one legitimate case; apiguard
#   does not see the Service's type, hence a warning, not a denial). A
#   caCertificateRefs entry is a LocalObjectReference (group, kind, name) with no
#   namespace: the CA is always read from the policy's own namespace, and the spec
#   calls a reference to another namespace invalid. The API server prunes (or, with
#   kubectl's default strict field validation, refuses) a namespace key there, so it
#   never reaches the webhook; offline, an entry whose namespace is another one than
#   the policy's shows the author expects a CA the gateway will never read (it reads
#   the same-named ConfigMap of the policy's namespace, which whoever writes there
#   controls): denied.
# custom:
#   kinds: [gateway.networking.k8s.io/BackendTLSPolicy]
#   severity: medium
#   field: spec.validation
#   remediation: >-
#     Put the backend's issuing CA in a ConfigMap (key ca.crt) in the policy's
#     namespace and reference it from spec.validation.caCertificateRefs instead of
#     wellKnownCACertificates: System.
package gateway.backend_tls_policy

import data.lib.kubernetes as k8s

warn contains msg if {
	applies
	k8s.spec.validation.wellKnownCACertificates == "System"
	some i, ref in k8s.array_at(k8s.spec, "targetRefs")
	in_cluster(ref)
	msg := sprintf(
		"%s: spec.validation.wellKnownCACertificates is System for spec.targetRefs[%d] (%s %q, a backend inside the cluster), so a certificate any public CA issues for %q impersonates it; put the backend's own CA in a ConfigMap and reference it from spec.validation.caCertificateRefs",
		[k8s.display, i, ref.kind, ref.name, object.get(k8s.spec.validation, "hostname", "")],
	)
}

deny contains msg if {
	applies
	some i, ref in k8s.array_at(k8s.spec.validation, "caCertificateRefs")
	ns := ref.namespace
	is_string(ns)
	ns != k8s.namespace
	msg := sprintf(
		"%s: spec.validation.caCertificateRefs[%d] names namespace %q, but the field has no namespace (a LocalObjectReference): the API server drops it and the gateway reads %s %q from %q instead, a CA whoever writes there controls; copy the CA into the policy's namespace and remove namespace",
		[k8s.display, i, ns, object.get(ref, "kind", "ConfigMap"), object.get(ref, "name", ""), k8s.namespace],
	)
}

applies if {
	k8s.is_check
	k8s.group == "gateway.networking.k8s.io"
	k8s.kind == "BackendTLSPolicy"
}

in_cluster(ref) if {
	object.get(ref, "group", "") == ""
	ref.kind == "Service"
}

in_cluster(ref) if {
	ref.group == "multicluster.x-k8s.io"
	ref.kind == "ServiceImport"
}
