package envoygateway.backend_tls_test

import data.envoygateway.backend_tls as policy

request(operation, group, tls) := {"request": {
	"uid": "1",
	"kind": {"group": group, "version": "v1alpha1", "kind": "Backend"},
	"name": "payments",
	"namespace": "shop",
	"operation": operation,
	"object": {
		"apiVersion": concat("/", [group, "v1alpha1"]),
		"kind": "Backend",
		"metadata": {"name": "payments", "namespace": "shop"},
		"spec": {"endpoints": [{"fqdn": {"hostname": "payments.example.net", "port": 443}}], "tls": tls},
	},
}}

create(tls) := request("CREATE", "gateway.envoyproxy.io", tls)

test_verified_allowed if {
	every tls in [
		{"wellKnownCACertificates": "System"},
		{"caCertificateRefs": [{"kind": "ConfigMap", "name": "ca"}], "minVersion": "1.2"},
		{"insecureSkipVerify": false, "minVersion": "Auto"},
		{},
	] {
		count(policy.deny) == 0 with input as create(tls)
	}
}

test_insecure_skip_verify_denied if {
	policy.deny == {"Backend shop/payments: spec.tls.insecureSkipVerify is true, so Envoy accepts any certificate from the upstream and anyone on the path can impersonate it; remove insecureSkipVerify and set spec.tls.caCertificateRefs (or wellKnownCACertificates: System)"} with input as create({"insecureSkipVerify": true})
	count(policy.deny) == 0 with input as create({"insecureSkipVerify": "true"})
}

test_legacy_min_version_denied if {
	count(policy.deny) == 1 with input as create({"wellKnownCACertificates": "System", "minVersion": "1.1"})
	count(policy.deny) == 2 with input as create({"insecureSkipVerify": true, "minVersion": "1.0"})
}

test_delete_and_other_group_not_judged if {
	count(policy.deny) == 0 with input as request("DELETE", "gateway.envoyproxy.io", {"insecureSkipVerify": true})
	count(policy.deny) == 0 with input as request("CREATE", "example.com", {"insecureSkipVerify": true})
	count(policy.deny) == 1 with input as request("AUDIT", "gateway.envoyproxy.io", {"insecureSkipVerify": true})
}
