package envoygateway.client_validation_test

import data.envoygateway.client_validation as policy

request(operation, group, spec) := {"request": {
	"uid": "1",
	"kind": {"group": group, "version": "v1alpha1", "kind": "ClientTrafficPolicy"},
	"name": "edge",
	"namespace": "infra",
	"operation": operation,
	"object": {
		"apiVersion": concat("/", [group, "v1alpha1"]),
		"kind": "ClientTrafficPolicy",
		"metadata": {"name": "edge", "namespace": "infra"},
		"spec": object.union({"targetRefs": [{"group": "gateway.networking.k8s.io", "kind": "Gateway", "name": "edge"}]}, spec),
	},
}}

create(spec) := request("CREATE", "gateway.envoyproxy.io", spec)

cv(extra) := {"tls": {"clientValidation": object.union({"caCertificateRefs": [{"kind": "ConfigMap", "name": "client-ca"}]}, extra)}}

# clienttrafficpolicy.go: mode unset is RequireAndVerify; a set mode wins over optional.
test_verified_allowed if {
	every extra in [{}, {"mode": "RequireAndVerify"}, {"optional": false}, {"mode": "RequireAndVerify", "optional": true}] {
		count(policy.warn) == 0 with input as create(cv(extra))
	}
	count(policy.warn) == 0 with input as create({"tls": {"minVersion": "1.2"}})
}

test_optional_warned if {
	policy.warn == {"ClientTrafficPolicy infra/edge: spec.tls.clientValidation optional: true means VerifyIfGiven, so a client without a certificate is let in; leave mode unset (RequireAndVerify) and remove optional"} with input as create(cv({"optional": true}))
}

# helpers.go convertClientValidationModeType: Request and RequireAny accept untrusted certificates.
test_weak_modes_warned if {
	every mode in ["VerifyIfGiven", "Request", "RequireAny"] {
		warns := policy.warn with input as create(cv({"mode": mode}))
		count(warns) == 1
		some msg in warns
		contains(msg, sprintf("mode %q means %s", [mode, mode]))
	}
	count(policy.warn) == 1 with input as create(cv({"mode": "Request", "optional": false}))
}

test_allow_expired_warned if {
	count(policy.warn) == 1 with input as create(cv({"allowExpiredCertificate": true}))
	count(policy.warn) == 0 with input as create(cv({"allowExpiredCertificate": false}))
	count(policy.warn) == 2 with input as create(cv({"allowExpiredCertificate": true, "mode": "VerifyIfGiven"}))
}

test_delete_and_other_group_not_judged if {
	count(policy.warn) == 0 with input as request("DELETE", "gateway.envoyproxy.io", cv({"optional": true}))
	count(policy.warn) == 0 with input as request("CREATE", "example.com", cv({"optional": true}))
}
