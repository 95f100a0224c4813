# METADATA
# title: Tyk OAS API should be rate limited
# description: >-
#   Neither x-tyk-api-gateway.upstream.rateLimit (X-Tyk-RateLimit, the API-wide limit
#   Tyk applies before the upstream) nor any middleware.operations.<id>.rateLimit is
#   enabled: nothing bounds the request rate but the keys' own policies. Warned; denied
#   when data.apiguard.config.tyk.requireRateLimit is true (as tyk.rate_limited).
# custom:
#   kinds: [tyk.tyk.io/TykOasApiDefinition, tyk.tyk.io/TykStreamsApiDefinition, tyk.tyk.io/TykMcpProxyDefinition, ConfigMap]
#   severity: medium
#   field: x-tyk-api-gateway.upstream.rateLimit
#   remediation: >-
#     Set upstream.rateLimit {enabled: true, rate, per}, or a rateLimit on the
#     operations.
package tyk.oas_rate_limited

import data.lib.kubernetes as k8s
import data.lib.tykoas

findings contains msg if {
	k8s.is_check
	some d in tykoas.documents
	tykoas.served(d.gw)
	not tykoas.rate_limited(d.gw)
	msg := sprintf("%s: %s is not enabled and no operation sets a rateLimit, so nothing bounds the request rate; set upstream.rateLimit {enabled: true, rate, per}", [k8s.display, tykoas.field(d.where, "upstream.rateLimit")])
}

require if k8s.setting(["tyk", "requireRateLimit"], false) == true

deny contains msg if {
	require
	some msg in findings
}

warn contains msg if {
	not require
	some msg in findings
}
