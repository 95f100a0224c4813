package tyk.oas_rate_limited_test

import data.lib.tykoas_test as t
import data.tyk.oas_rate_limited

unlimited := json.remove(t.secure_gw, ["upstream/rateLimit"])

test_unlimited_warned if {
	oas_rate_limited.warn == {concat("", [t.where, `.upstream.rateLimit is not enabled and no operation sets a rateLimit, so nothing bounds the request rate; set upstream.rateLimit {enabled: true, rate, per}`])} with input as t.api_input(unlimited, {})
	count(oas_rate_limited.deny) == 0 with input as t.api_input(unlimited, {})
}

test_required_denies if {
	count(oas_rate_limited.deny) == 1 with input as t.api_input(unlimited, {}) with data.apiguard.config as {"tyk": {"requireRateLimit": true}}
	count(oas_rate_limited.warn) == 0 with input as t.api_input(unlimited, {}) with data.apiguard.config as {"tyk": {"requireRateLimit": true}}
}

test_limits_pass if {
	count(oas_rate_limited.warn) == 0 with input as t.api_input(t.secure_gw, {})
	per_op := object.union(unlimited, {"middleware": {"operations": {"a": {"rateLimit": {"enabled": true, "rate": 5, "per": "1s"}}}}})
	count(oas_rate_limited.warn) == 0 with input as t.api_input(per_op, {})
}

# middleware.global.skipRateLimit (X-Tyk-Global; the classic disable_rate_limit) turns off
# RateLimitForAPI (API-wide and per-endpoint limits) and the keys' rates: the limits the
# document sets do not count.
test_skip_rate_limit_overrides_every_limit if {
	skipped := object.union(t.secure_gw, {"middleware": {
		"global": {"skipRateLimit": true},
		"operations": {"a": {"rateLimit": {"enabled": true, "rate": 5, "per": "1s"}}},
	}})
	oas_rate_limited.warn == {concat("", [t.where, `.middleware.global.skipRateLimit is true, which turns off every rate limit on the API (upstream.rateLimit, the operations' rateLimit and the keys' own rates, as the classic disable_rate_limit does); remove it`])} with input as t.api_input(skipped, {})
	count(oas_rate_limited.deny) == 1 with input as t.api_input(skipped, {}) with data.apiguard.config as {"tyk": {"requireRateLimit": true}}

	# Unlimited and skipped: one finding, the skip.
	both := object.union(unlimited, {"middleware": {"global": {"skipRateLimit": true}}})
	count(oas_rate_limited.warn) == 1 with input as t.api_input(both, {})

	# false, or a string, is not a skip (Go's decoder refuses a string for a bool, so such
	# a document does not load at all).
	every v in [false, "true"] {
		count(oas_rate_limited.warn) == 0 with input as t.api_input(object.union(t.secure_gw, {"middleware": {"global": {"skipRateLimit": v}}}), {})
	}
}

# A Tyk Streams document is read against Tyk's Streams schema, which has no upstream: it is
# told to limit its operations, and an upstream.rateLimit does not count.
streaming_doc(gw) := json.marshal({"openapi": "3.0.3", "x-tyk-api-gateway": gw, "x-tyk-streaming": {"streams": {"s": {"input": {"http_server": {"path": "/in"}}}}}})

streams_input(gw) := json.patch(t.api_input(gw, {}), [
	{"op": "replace", "path": "/references/configmaps/demo~1httpbin-oas/data/oas.json", "value": streaming_doc(gw)},
	{"op": "replace", "path": "/request/kind/kind", "value": "TykStreamsApiDefinition"},
	{"op": "replace", "path": "/request/object/kind", "value": "TykStreamsApiDefinition"},
	{"op": "replace", "path": "/request/object/spec", "value": {"tykStreams": {"configmapRef": t.ref}}},
])

streams_where := `ConfigMap demo/httpbin-oas key "oas.json": x-tyk-api-gateway`

test_streams_document_is_told_to_limit_operations if {
	oas_rate_limited.warn == {concat("", [
		`TykStreamsApiDefinition demo/httpbin: no operation of this Tyk Streams API sets a rateLimit (`,
		streams_where,
		`.middleware.operations.<operationId>.rateLimit), so nothing bounds the request rate; set middleware.operations.<operationId>.rateLimit {enabled: true, rate, per} on its operations`,
	])} with input as streams_input(unlimited)
}

test_streams_upstream_rate_limit_does_not_count if {
	# secure_gw sets upstream.rateLimit, which Tyk's Streams schema does not define.
	some m in oas_rate_limited.warn with input as streams_input(t.secure_gw)
	contains(m, "upstream.rateLimit is not part of Tyk's Streams schema")

	# An operation's rateLimit (X-Tyk-Operation, in the Streams schema) does.
	per_op := object.union(unlimited, {"middleware": {"operations": {"publish": {"rateLimit": {"enabled": true, "rate": 5, "per": "1s"}}}}})
	count(oas_rate_limited.warn) == 0 with input as streams_input(per_op)
}

# A document carrying x-tyk-streaming.streams is a Streams document whatever the kind naming
# it (here a TykOasApiDefinition); a TykStreamsApiDefinition whose document carries no
# streams is read as a plain Tyk OAS document.
test_streaming_extension_makes_a_streams_document if {
	inp := json.patch(t.api_input(t.secure_gw, {}), [{"op": "replace", "path": "/references/configmaps/demo~1httpbin-oas/data/oas.json", "value": streaming_doc(t.secure_gw)}])
	some m in oas_rate_limited.warn with input as inp
	contains(m, "no operation of this Tyk Streams API sets a rateLimit")

	plain := json.patch(streams_input(t.secure_gw), [{"op": "replace", "path": "/references/configmaps/demo~1httpbin-oas/data/oas.json", "value": json.marshal({"openapi": "3.0.3", "x-tyk-api-gateway": t.secure_gw})}])
	count(oas_rate_limited.warn) == 0 with input as plain
}
