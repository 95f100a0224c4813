package tyk.rate_limited_test

import data.tyk.rate_limited

request(operation, kind, spec) := {"request": {
	"uid": "1",
	"kind": {"group": "tyk.tyk.io", "version": "v1alpha1", "kind": kind},
	"name": "gold",
	"namespace": "demo",
	"operation": operation,
	"object": {
		"apiVersion": "tyk.tyk.io/v1alpha1",
		"kind": kind,
		"metadata": {"name": "gold", "namespace": "demo"},
		"spec": spec,
	},
}}

api(spec) := request("CREATE", "ApiDefinition", object.union({"name": "gold"}, spec))

policy(spec) := request("CREATE", "SecurityPolicy", object.union(
	{"name": "gold", "state": "active", "active": true, "access_rights_array": [{"name": "httpbin", "namespace": "demo", "versions": ["Default"]}]},
	spec,
))

require := {"tyk": {"requireRateLimit": true}}

api_msg := "ApiDefinition demo/gold: spec.disable_rate_limit is true, so one client can exhaust the upstream; remove disable_rate_limit and rely on the keys' or policies' rate limits"

policy_msg := "SecurityPolicy demo/gold: sets no rate limit and no quota, so keys granted by it are unlimited; set rate and per (for example rate: 100, per: 60) or quota_max"

test_api_disable_rate_limit_warned if {
	warns := rate_limited.warn with input as api({"disable_rate_limit": true})
	warns == {api_msg}
	count(rate_limited.deny) == 0 with input as api({"disable_rate_limit": true})
}

test_api_disable_rate_limit_denied_when_required if {
	denies := rate_limited.deny with input as api({"disable_rate_limit": true}) with data.apiguard.config as require
	denies == {api_msg}
	count(rate_limited.warn) == 0 with input as api({"disable_rate_limit": true}) with data.apiguard.config as require
}

test_api_rate_limited_allowed if {
	every spec in [{}, {"disable_rate_limit": false}, {"disable_rate_limit": "true"}] {
		count(rate_limited.warn) == 0 with input as api(spec)
		count(rate_limited.deny) == 0 with input as api(spec) with data.apiguard.config as require
	}
}

test_policy_without_limits_warned if {
	warns := rate_limited.warn with input as policy({})
	warns == {policy_msg}
	count(rate_limited.deny) == 0 with input as policy({})
}

test_policy_without_limits_denied_when_required if {
	denies := rate_limited.deny with input as policy({}) with data.apiguard.config as require
	denies == {policy_msg}
}

test_policy_with_rate_or_quota_allowed if {
	every spec in [
		{"rate": 100, "per": 60},
		{"quota_max": 10000, "quota_renewal_rate": 3600},
		{"rate": 0, "per": 0, "quota_max": 5},
		{"rate": 1.5, "per": 1},
	] {
		count(rate_limited.warn) == 0 with input as policy(spec)
		count(rate_limited.deny) == 0 with input as policy(spec) with data.apiguard.config as require
	}
}

test_policy_with_incomplete_limits_flagged if {
	every spec in [
		{"rate": 100},
		{"per": 60},
		{"rate": 100, "per": 0},
		{"rate": -1, "per": -1, "quota_max": -1},
		{"rate": "100", "per": "60"},
		{"quota_max": 0},
	] {
		count(rate_limited.deny) == 1 with input as policy(spec) with data.apiguard.config as require
	}
}

test_inactive_policy_skipped if {
	every spec in [{"active": false}, {"state": "draft"}, {"state": "deny"}] {
		count(rate_limited.warn) == 0 with input as policy(spec)
		count(rate_limited.deny) == 0 with input as policy(spec) with data.apiguard.config as require
	}
}

test_malformed_config_warns if {
	every config in [{"tyk": {"requireRateLimit": "true"}}, {"tyk": "x"}, {"tyk": {"requireRateLimit": false}}] {
		count(rate_limited.deny) == 0 with input as policy({}) with data.apiguard.config as config
		count(rate_limited.warn) == 1 with input as policy({}) with data.apiguard.config as config
	}
}

test_update_and_audit_checked if {
	count(rate_limited.warn) == 1 with input as json.patch(policy({}), [{"op": "replace", "path": "/request/operation", "value": "UPDATE"}])
	count(rate_limited.warn) == 1 with input as json.patch(api({"disable_rate_limit": true}), [{"op": "replace", "path": "/request/operation", "value": "AUDIT"}])
}

test_delete_not_judged if {
	req := {"request": {
		"kind": {"group": "tyk.tyk.io", "version": "v1alpha1", "kind": "SecurityPolicy"},
		"name": "gold",
		"namespace": "demo",
		"operation": "DELETE",
		"object": null,
		"oldObject": {"metadata": {"name": "gold", "namespace": "demo"}, "spec": {"active": true}},
	}}
	count(rate_limited.deny) == 0 with input as req with data.apiguard.config as require
	count(rate_limited.warn) == 0 with input as req
}

test_other_kind_or_group_ignored if {
	other_group := json.patch(policy({}), [{"op": "replace", "path": "/request/kind/group", "value": "example.com"}])
	other_kind := json.patch(api({"disable_rate_limit": true}), [{"op": "replace", "path": "/request/kind/kind", "value": "Ingress"}])
	count(rate_limited.warn) == 0 with input as other_group
	count(rate_limited.warn) == 0 with input as other_kind
}

# Partitioned policies: only the enabled parts reach the key (internal/policy/apply.go).
test_acl_only_partition_leaves_limits_to_the_key if {
	count(rate_limited.warn) == 0 with input as policy({"partitions": {"acl": true, "rate_limit": false, "quota": false}})
	count(rate_limited.warn) == 0 with input as policy({"partitions": {"complexity": true}})
}

test_rate_limit_partition_without_rate_warned if {
	warns := rate_limited.warn with input as policy({"partitions": {"acl": true, "rate_limit": true}})
	warns == {policy_msg}
	warns2 := rate_limited.warn with input as policy({"partitions": {"per_api": true}})
	warns2 == {policy_msg}
}

test_access_right_limits_count if {
	limited := {"access_rights_array": [
		{"name": "a", "namespace": "demo", "limit": {"rate": 10, "per": 60}},
		{"name": "b", "namespace": "demo", "limit": {"quota_max": 1000}},
	]}
	count(rate_limited.warn) == 0 with input as policy(limited)
	by_map := {"access_rights_array": [], "access_rights": {"a": {"api_id": "a", "limit": {"rate": 5, "per": 1}}}}
	count(rate_limited.warn) == 0 with input as policy(by_map)
}

test_one_unlimited_access_right_warned if {
	spec := {"access_rights_array": [
		{"name": "a", "namespace": "demo", "limit": {"rate": 10, "per": 60}},
		{"name": "b", "namespace": "demo"},
	]}
	warns := rate_limited.warn with input as policy(spec)
	warns == {policy_msg}
	zero := {"access_rights_array": [{"name": "a", "namespace": "demo", "limit": {"rate": 0, "per": 60}}]}
	count(rate_limited.warn) == 1 with input as policy(zero)
}

test_is_inactive_skipped if {
	count(rate_limited.warn) == 0 with input as policy({"is_inactive": true})
}
