package envoygateway.client_ip_detection_test

import data.envoygateway.client_ip_detection as policy

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

test_trusted_sources_allowed if {
	every d in [
		{"xForwardedFor": {"trustedCIDRs": ["10.0.0.0/8"]}},
		{"xForwardedFor": {"numTrustedHops": 0}},
		{"directSourceIP": {}},
	] {
		count(policy.warn) == 0 with input as create({"clientIPDetection": d})
	}
	count(policy.warn) == 0 with input as create({})
}

# XForwardedForSettings: the CRD allows numTrustedHops or trustedCIDRs, never both.
test_num_trusted_hops_warned if {
	policy.warn == {"ClientTrafficPolicy infra/edge: spec.clientIPDetection.xForwardedFor.numTrustedHops is 1 without trustedCIDRs, so a client that reaches the listener with fewer proxies in front picks its own address through X-Forwarded-For, and clientCIDRs authorization, rate limits and geolocation judge that address; use xForwardedFor.trustedCIDRs with your load balancers' addresses"} with input as create({"clientIPDetection": {"xForwardedFor": {"numTrustedHops": 1}}})
	count(policy.warn) == 1 with input as create({"clientIPDetection": {"xForwardedFor": {"numTrustedHops": 3, "disableXForwardedForAppend": true}}})
}

test_custom_header_warned if {
	count(policy.warn) == 1 with input as create({"clientIPDetection": {"customHeader": {"name": "CF-Connecting-IP", "failClosed": true}}})
}

test_delete_and_other_group_not_judged if {
	count(policy.warn) == 0 with input as request("DELETE", "gateway.envoyproxy.io", {"clientIPDetection": {"xForwardedFor": {"numTrustedHops": 1}}})
	count(policy.warn) == 0 with input as request("CREATE", "example.com", {"clientIPDetection": {"xForwardedFor": {"numTrustedHops": 1}}})
}
