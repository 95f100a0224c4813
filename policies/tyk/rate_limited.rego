# METADATA
# title: Tyk APIs and policies must be rate limited
# description: >-
#   Warns on a Tyk ApiDefinition with spec.disable_rate_limit: true, and on an
#   active Tyk SecurityPolicy that sets neither a rate limit (spec.rate and
#   spec.per both > 0) nor a quota (spec.quota_max > 0). A SecurityPolicy with
#   active: false or state "draft" or "deny" grants no access and is skipped.
#   With data.apiguard.config.tyk.requireRateLimit: true (default false) these
#   findings deny instead of warn.
# custom:
#   kinds: [tyk.tyk.io/ApiDefinition, tyk.tyk.io/SecurityPolicy]
#   severity: medium
#   remediation: >-
#     Remove disable_rate_limit from the ApiDefinition; give the SecurityPolicy
#     rate and per (for example rate: 100, per: 60) or quota_max.
package tyk.rate_limited

import data.lib.kubernetes as k8s

deny contains msg if {
	require_rate_limit
	some msg in findings
}

warn contains msg if {
	not require_rate_limit
	some msg in findings
}

require_rate_limit if k8s.setting(["tyk", "requireRateLimit"], false) == true

findings contains msg if {
	applies("ApiDefinition")
	k8s.spec.disable_rate_limit == true
	msg := sprintf(
		"%s: spec.disable_rate_limit is true, so one client can exhaust the upstream; remove disable_rate_limit and rely on the keys' or policies' rate limits",
		[k8s.display],
	)
}

findings contains msg if {
	applies("SecurityPolicy")
	not inactive
	not has_rate
	not has_quota
	msg := sprintf(
		"%s: sets no rate limit and no quota, so keys granted by it are unlimited; set rate and per (for example rate: 100, per: 60) or quota_max",
		[k8s.display],
	)
}

applies(kind) if {
	k8s.is_check
	k8s.group == "tyk.tyk.io"
	k8s.kind == kind
}

inactive if k8s.spec.active == false

inactive if k8s.spec.state in {"draft", "deny"}

has_rate if {
	positive(k8s.spec.rate)
	positive(k8s.spec.per)
}

has_quota if positive(k8s.spec.quota_max)

positive(x) if {
	is_number(x)
	x > 0
}
