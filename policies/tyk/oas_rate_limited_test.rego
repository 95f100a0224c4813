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
