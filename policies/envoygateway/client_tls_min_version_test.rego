package envoygateway.client_tls_min_version_test

import data.envoygateway.client_tls_min_version as policy

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

# tls_types.go: unset is TLS 1.2; Auto is Envoy's TLS_AUTO (server minimum 1.2).
test_modern_versions_allowed if {
	every tls in [{}, {"minVersion": "1.2"}, {"minVersion": "1.3"}, {"minVersion": "Auto"}, {"maxVersion": "1.3"}] {
		count(policy.deny) == 0 with input as create({"tls": tls})
	}
	count(policy.deny) == 0 with input as create({})
}

test_legacy_versions_denied if {
	policy.deny == {"ClientTrafficPolicy infra/edge: spec.tls.minVersion is \"1.0\", so clients can connect with deprecated TLS 1.0; set minVersion to \"1.2\" or \"1.3\", or remove it (TLS 1.2)"} with input as create({"tls": {"minVersion": "1.0"}})
	count(policy.deny) == 1 with input as create({"tls": {"minVersion": "1.1", "maxVersion": "1.3"}})
}

# The enum is exact: other spellings never reach the webhook; they are not read as 1.0.
test_enum_exact if {
	every v in ["1", "TLSv1_0", "1.0 "] {
		count(policy.deny) == 0 with input as create({"tls": {"minVersion": v}})
	}
}

test_delete_and_other_group_not_judged if {
	count(policy.deny) == 0 with input as request("DELETE", "gateway.envoyproxy.io", {"tls": {"minVersion": "1.0"}})
	count(policy.deny) == 0 with input as request("CREATE", "example.com", {"tls": {"minVersion": "1.0"}})
	count(policy.deny) == 1 with input as request("AUDIT", "gateway.envoyproxy.io", {"tls": {"minVersion": "1.0"}})
}
