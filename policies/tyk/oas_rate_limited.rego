# METADATA
# title: Tyk OAS API should be rate limited
# description: >-
#   Neither x-tyk-api-gateway.upstream.rateLimit (X-Tyk-RateLimit, the API-wide limit
#   Tyk applies before the upstream) nor any middleware.operations.<id>.rateLimit (nor
#   an MCP primitive's rateLimit) is enabled: nothing bounds the request rate but the
#   keys' own policies. middleware.global.skipRateLimit: true (X-Tyk-Global, the classic
#   disable_rate_limit: TykTechnologies/tyk apidef/oas/middleware.go extractSkipsTo)
#   turns every one of them off, the keys' limits included: the gateway then drops its
#   RateLimitForAPI middleware, which enforces the API-wide and per-endpoint limits
#   (gateway/mw_api_rate_limit.go shouldEnable), and RateLimitAndQuotaCheck no longer
#   applies the keys' rates (gateway/mw_rate_limiting.go). A Tyk Streams document (one
#   with x-tyk-streaming.streams, as a TykStreamsApiDefinition's is) is read against
#   Tyk's Streams schema (apidef/streams/schema/x-tyk-api-gateway.json), which
#   has no upstream: only its operations' rateLimit counts, and the message says so.
#   Warned; denied when data.apiguard.config.tyk.requireRateLimit is true (as
#   tyk.rate_limited, which treats the classic disable_rate_limit the same way).
# custom:
#   kinds: [tyk.tyk.io/TykOasApiDefinition, tyk.tyk.io/TykStreamsApiDefinition, tyk.tyk.io/TykMcpProxyDefinition, ConfigMap]
#   severity: medium
#   field: x-tyk-api-gateway.upstream.rateLimit, x-tyk-api-gateway.middleware.global.skipRateLimit
#   remediation: >-
#     Remove middleware.global.skipRateLimit, and set upstream.rateLimit {enabled: true,
#     rate, per} or a rateLimit on the operations (on a Tyk Streams API, on the
#     operations: its schema has no upstream).
package tyk.oas_rate_limited

import data.lib.kubernetes as k8s
import data.lib.tykoas

# skips(gw): middleware.global.skipRateLimit is true. Read whatever the document's
# schema says (Tyk's Streams schema does not list it): the gateway's decoder reads it
# into every OAS API definition, and it only ever weakens.
skips(gw) if gw.middleware.global.skipRateLimit == true

# streams(d): d is a Tyk Streams document, one carrying x-tyk-streaming.streams
# (lib.tykoas stream_documents, as tyk.streams_exposure reads it: the gateway's
# streaming middleware keys on that extension, whatever kind names the document), read
# against Tyk's Streams schema.
streams(d) if {
	some s in tykoas.stream_documents
	s.where == d.where
}

# limited(d): a limit that applies to d's API. A Streams document has no upstream in
# its schema, so only an operation's rateLimit counts there.
limited(d) if {
	not streams(d)
	tykoas.rate_limited(d.gw)
}

limited(d) if {
	streams(d)
	some op in object.get(d.gw, ["middleware", "operations"], {})
	op.rateLimit.enabled == true
}

findings contains msg if {
	k8s.is_check
	some d in tykoas.documents
	tykoas.served(d.gw)
	skips(d.gw)
	msg := sprintf("%s: %s is true, which turns off every rate limit on the API (upstream.rateLimit, the operations' rateLimit and the keys' own rates, as the classic disable_rate_limit does); remove it", [k8s.display, tykoas.field(d.where, "middleware.global.skipRateLimit")])
}

findings contains msg if {
	k8s.is_check
	some d in tykoas.documents
	tykoas.served(d.gw)
	not skips(d.gw)
	not streams(d)
	not limited(d)
	msg := sprintf("%s: %s is not enabled and no operation sets a rateLimit, so nothing bounds the request rate; set upstream.rateLimit {enabled: true, rate, per}", [k8s.display, tykoas.field(d.where, "upstream.rateLimit")])
}

findings contains msg if {
	k8s.is_check
	some d in tykoas.documents
	tykoas.served(d.gw)
	not skips(d.gw)
	streams(d)
	not limited(d)
	msg := sprintf("%s: no operation of this Tyk Streams API sets a rateLimit (%s), so nothing bounds the request rate%s; set middleware.operations.<operationId>.rateLimit {enabled: true, rate, per} on its operations", [k8s.display, tykoas.field(d.where, "middleware.operations.<operationId>.rateLimit"), upstream_note(d.gw)])
}

# upstream_note tells a Streams document that sets upstream.rateLimit why it does not count.
upstream_note(gw) := "; upstream.rateLimit is not part of Tyk's Streams schema (apidef/streams/schema/x-tyk-api-gateway.json has no upstream)" if {
	gw.upstream.rateLimit
} else := ""

require if k8s.setting(["tyk", "requireRateLimit"], false) == true

deny contains msg if {
	require
	some msg in findings
}

warn contains msg if {
	not require
	some msg in findings
}
