# METADATA
# title: APISIX CORS must not allow credentials from any origin
# description: >-
#   The cors plugin (apache/apisix apisix/plugins/cors.lua), enabled in an ApisixRoute's
#   http[].plugins or an ApisixPluginConfig's or ApisixGlobalRule's spec.plugins, with
#   allow_credential: true and an origin rule that admits any site, is denied: any web
#   site could make credentialed calls on behalf of a logged-in user. What admits any
#   site: allow_origins "**", which APISIX documents as "allow forcefully" and answers
#   with the caller's own Origin (process_with_allow_origins); allow_origins "null", the
#   Origin that sandboxed iframes and data: URLs send from any page; and an
#   allow_origins_by_regex entry matching an arbitrary origin: APISIX joins the entries
#   with "|" and searches the Origin with ngx.re.find, unanchored, so ".*", "https://",
#   "x|" or "null" admit everyone (lib probes). "*" with credentials is refused by the
#   plugin's own check_schema, so it never runs. With credentials, a regex that is not
#   anchored at both ends (^ and $) is warned: ".*\\.example\\.com" also matches
#   https://a.example.com.attacker.example. A regex apiguard cannot read (PCRE-only
#   syntax), and allow_origins_by_metadata (origins kept in plugin metadata apiguard
#   does not see), are warned with credentials. Without credentials, an origin rule
#   admitting any site is warned, including the default: allow_origins is "*" when
#   unset. The last enabled cors entry of a list is the one that runs.
# custom:
#   kinds:
#     - apisix.apache.org/ApisixRoute
#     - apisix.apache.org/ApisixPluginConfig
#     - apisix.apache.org/ApisixGlobalRule
#   severity: high
#   field: spec.http[].plugins[].config.allow_origins
#   remediation: >-
#     List the exact origins, comma-separated, in allow_origins (for example
#     https://app.example.com), or anchor each allow_origins_by_regex entry at both ends
#     (^https://[a-z0-9-]+\.example\.com$).
package apisix.safe_cors

import data.lib.apisix
import data.lib.kubernetes as k8s

deny contains msg if {
	some [where, c] in cors_plugins
	c.allow_credential == true
	some [field, value] in open_origins(c)
	msg := sprintf(
		"%s: %s (cors) allows credentials from any origin (%s %q with allow_credential: true), so any web site can call the API as a logged-in user; list the exact origins in allow_origins, for example https://app.example.com",
		[k8s.display, where, field, value],
	)
}

warn contains msg if {
	some [where, c] in cors_plugins
	not c.allow_credential == true
	some [field, value] in any_origin_rules(c)
	msg := sprintf(
		"%s: %s (cors) %s %q admits any origin, so any web site can call the API from a browser; list the exact origins instead, for example https://app.example.com",
		[k8s.display, where, field, value],
	)
}

warn contains msg if {
	some [where, c] in cors_plugins
	c.allow_credential == true
	some r in k8s.array_at(c, "allow_origins_by_regex")
	is_string(r)
	regex.is_valid(r)
	not open_regex(r)
	not anchored(r)
	msg := sprintf(
		"%s: %s (cors) allows credentials from allow_origins_by_regex %q, which APISIX searches unanchored, so it also matches origins that merely contain an allowed one (https://app.example.com.attacker.example); anchor it at both ends, for example ^https://app\\.example\\.com$",
		[k8s.display, where, r],
	)
}

warn contains msg if {
	some [where, c] in cors_plugins
	c.allow_credential == true
	some r in k8s.array_at(c, "allow_origins_by_regex")
	is_string(r)
	not regex.is_valid(r)
	msg := sprintf(
		"%s: %s (cors) allows credentials from allow_origins_by_regex %q, which apiguard cannot read (APISIX uses PCRE), so it cannot tell which origins it admits; use exact origins in allow_origins or an anchored regex without PCRE-only syntax",
		[k8s.display, where, r],
	)
}

warn contains msg if {
	some [where, c] in cors_plugins
	c.allow_credential == true
	count(k8s.array_at(c, "allow_origins_by_metadata")) > 0
	msg := sprintf(
		"%s: %s (cors) allows credentials from the origins of plugin metadata keys %v, which apiguard does not see (they may be \"**\"); list the exact origins in allow_origins instead",
		[k8s.display, where, c.allow_origins_by_metadata],
	)
}

# cors_plugins are [where, config] of each cors plugin APISIX runs for the object.
cors_plugins contains [where, apisix.config(p)] if {
	k8s.group == apisix.group
	k8s.kind in {"ApisixRoute", "ApisixPluginConfig", "ApisixGlobalRule"}
	k8s.is_check
	some [where, "cors", p] in apisix.running_plugins
}

# allow_origins defaults to "*" (the plugin schema's default).
allow_origins(c) := object.get(c, "allow_origins", "*")

# open_origins(c): [field, value] of the rules that admit any origin together with
# credentials. "*" is not one: check_schema refuses it with allow_credential.
open_origins(c) := {["allow_origins", o] | o := allow_origins(c); o in {"**", "null"}} | {["allow_origins_by_regex", r] |
	some r in k8s.array_at(c, "allow_origins_by_regex")
	open_regex(r)
}

# any_origin_rules(c): without credentials, "*" (or the default) also admits any origin.
any_origin_rules(c) := open_origins(c) | {["allow_origins", o] | o := allow_origins(c); o == "*"}

# Origins an attacker controls: a regex that matches one of them admits arbitrary sites
# (ngx.re.find searches; regex.match searches too).
probes := ["null", "https://apiguard-probe.invalid", "http://apiguard-probe.invalid:8080"]

open_regex(r) if {
	is_string(r)
	regex.is_valid(r)
	some probe in probes
	regex.match(r, probe)
}

# anchored(r): an unescaped ^ (or \A) and an unescaped $ (or \z). A heuristic: a
# top-level alternation with one unanchored branch still passes.
anchored(r) if {
	regex.match(`^(\^|\\A)`, r)
	regex.match(`(^|[^\\])(\\\\)*(\$|\\z)$`, r)
}
