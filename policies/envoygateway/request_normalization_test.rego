package envoygateway.request_normalization_test

import data.envoygateway.request_normalization as policy

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

# Defaults (RejectRequest, UnescapeAndRedirect, merge on) and the stricter choices pass.
test_normalizing_settings_allowed if {
	every spec in [
		{},
		{"headers": {"withUnderscoresAction": "RejectRequest"}},
		{"headers": {"withUnderscoresAction": "DropHeader"}},
		{"path": {"escapedSlashesAction": "RejectRequest"}},
		{"path": {"escapedSlashesAction": "UnescapeAndRedirect", "disableMergeSlashes": false}},
		{"path": {"escapedSlashesAction": "UnescapeAndForward"}},
	] {
		count(policy.warn) == 0 with input as create(spec)
	}
}

test_weakening_settings_warned if {
	policy.warn == {"ClientTrafficPolicy infra/edge: spec.headers.withUnderscoresAction is Allow, so a header such as X_Forwarded_For reaches backends that read it as X-Forwarded-For, past what the gateway authorized or sanitized; remove it (RejectRequest) or use DropHeader"} with input as create({"headers": {"withUnderscoresAction": "Allow"}})
	count(policy.warn) == 1 with input as create({"path": {"escapedSlashesAction": "KeepUnchanged"}})
	count(policy.warn) == 1 with input as create({"path": {"disableMergeSlashes": true}})
	count(policy.warn) == 3 with input as create({"headers": {"withUnderscoresAction": "Allow"}, "path": {"escapedSlashesAction": "KeepUnchanged", "disableMergeSlashes": true}})
}

test_delete_and_other_group_not_judged if {
	count(policy.warn) == 0 with input as request("DELETE", "gateway.envoyproxy.io", {"headers": {"withUnderscoresAction": "Allow"}})
	count(policy.warn) == 0 with input as request("CREATE", "example.com", {"headers": {"withUnderscoresAction": "Allow"}})
}
