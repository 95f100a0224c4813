package gateway.backend_tls_policy_test

import data.gateway.backend_tls_policy as policy

request(operation, group, spec) := {"request": {
	"uid": "1",
	"kind": {"group": group, "version": "v1", "kind": "BackendTLSPolicy"},
	"name": "payments",
	"namespace": "shop",
	"operation": operation,
	"object": {
		"apiVersion": concat("/", [group, "v1"]),
		"kind": "BackendTLSPolicy",
		"metadata": {"name": "payments", "namespace": "shop"},
		"spec": spec,
	},
}}

create(spec) := request("CREATE", "gateway.networking.k8s.io", spec)

spec(target, validation) := {"targetRefs": [target], "validation": object.union({"hostname": "payments.shop.svc.cluster.local"}, validation)}

service := {"group": "", "kind": "Service", "name": "payments"}

private_ca := {"caCertificateRefs": [{"group": "", "kind": "ConfigMap", "name": "payments-ca"}]}

test_private_ca_allowed if {
	count(policy.warn) == 0 with input as create(spec(service, private_ca))
	count(policy.deny) == 0 with input as create(spec(service, private_ca))
}

# A public endpoint behind Envoy Gateway's Backend kind: System CAs are the right trust.
test_system_for_external_backend_allowed if {
	backend := {"group": "gateway.envoyproxy.io", "kind": "Backend", "name": "payments-saas"}
	count(policy.warn) == 0 with input as create(spec(backend, {"wellKnownCACertificates": "System"}))
}

test_system_for_service_warned if {
	policy.warn == {"BackendTLSPolicy shop/payments: spec.validation.wellKnownCACertificates is System for spec.targetRefs[0] (Service \"payments\", a backend inside the cluster), so a certificate any public CA issues for \"payments.shop.svc.cluster.local\" impersonates it; put the backend's own CA in a ConfigMap and reference it from spec.validation.caCertificateRefs"} with input as create(spec(service, {"wellKnownCACertificates": "System"}))
	count(policy.warn) == 1 with input as create(spec({"kind": "Service", "name": "payments"}, {"wellKnownCACertificates": "System"}))
	count(policy.warn) == 1 with input as create(spec({"group": "multicluster.x-k8s.io", "kind": "ServiceImport", "name": "payments"}, {"wellKnownCACertificates": "System"}))

	# An implementation-specific set is named with a domain prefix: not System.
	count(policy.warn) == 0 with input as create(spec(service, {"wellKnownCACertificates": "example.com/internal-cas"}))
}

# LocalObjectReference has no namespace: a namespace key shows a cross-namespace intent
# the API server drops (only offline input can carry it).
test_cross_namespace_ca_denied if {
	ref := {"group": "", "kind": "ConfigMap", "name": "corp-ca", "namespace": "security"}
	policy.deny == {"BackendTLSPolicy shop/payments: spec.validation.caCertificateRefs[0] names namespace \"security\", but the field has no namespace (a LocalObjectReference): the API server drops it and the gateway reads ConfigMap \"corp-ca\" from \"shop\" instead, a CA whoever writes there controls; copy the CA into the policy's namespace and remove namespace"} with input as create(spec(service, {"caCertificateRefs": [ref]}))
	count(policy.deny) == 0 with input as create(spec(service, {"caCertificateRefs": [object.union(ref, {"namespace": "shop"})]}))
}

test_delete_and_other_group_not_judged if {
	count(policy.warn) == 0 with input as request("DELETE", "gateway.networking.k8s.io", spec(service, {"wellKnownCACertificates": "System"}))
	count(policy.warn) == 0 with input as request("CREATE", "example.com", spec(service, {"wellKnownCACertificates": "System"}))
	count(policy.warn) == 1 with input as request("AUDIT", "gateway.networking.k8s.io", spec(service, {"wellKnownCACertificates": "System"}))
}
