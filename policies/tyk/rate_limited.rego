# METADATA
# title: Tyk APIs and policies must be rate limited
# description: >-
#   Warns on a Tyk ApiDefinition with spec.disable_rate_limit: true, and on an
#   active Tyk SecurityPolicy that sets neither a rate limit (spec.rate and
#   spec.per both > 0) nor a quota (spec.quota_max > 0), neither on the policy nor
#   on each of its access rights (access_rights_array[].limit or
#   access_rights.<api>.limit, rate and per or quota_max: Tyk applies an access
#   right's own limit per API, and the policy's limit to an access right without
#   one). A policy whose partitions are enabled (spec.partitions acl, quota,
#   rate_limit or complexity true) applies only those parts to a key; with
#   partitions.rate_limit and partitions.quota both false it leaves the key's own
#   rate and quota in place, so it is not unlimited and is not judged (Tyk's
#   docs, "Partitioned policies"; TykTechnologies/tyk internal/policy/apply.go,
#   which applies a partitioned policy's rate only under `!usePartitions ||
#   policy.Partitions.RateLimit`, and its quota likewise). A
#   SecurityPolicy with active: false, is_inactive: true or state "draft" or
#   "deny" grants no access and is skipped.
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
	not leaves_limits_to_key
	not has_rate
	not has_quota
	not every_access_right_limited
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

inactive if k8s.spec.is_inactive == true

# The partitions that select which parts of a policy reach a key (per_api is not
# one of them: it moves the limits onto the access rights).
partitions := ["acl", "quota", "rate_limit", "complexity"]

leaves_limits_to_key if {
	some p in partitions
	k8s.spec.partitions[p] == true
	not k8s.spec.partitions.rate_limit == true
	not k8s.spec.partitions.quota == true
}

# access_rights lists the policy's access rights, from the array and from the map.
access_rights := array.concat(
	[ar | some ar in k8s.array_at(k8s.spec, "access_rights_array")],
	[ar | some ar in object.get(k8s.spec, "access_rights", {}); is_object(object.get(k8s.spec, "access_rights", {}))],
)

every_access_right_limited if {
	count(access_rights) > 0
	every ar in access_rights {
		limited(object.get(ar, "limit", {}))
	}
}

limited(limit) if {
	positive(object.get(limit, "rate", 0))
	positive(object.get(limit, "per", 0))
}

limited(limit) if positive(object.get(limit, "quota_max", 0))

has_rate if {
	positive(k8s.spec.rate)
	positive(k8s.spec.per)
}

has_quota if positive(k8s.spec.quota_max)

positive(x) if {
	is_number(x)
	x > 0
}
