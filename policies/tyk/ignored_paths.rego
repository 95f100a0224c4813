# METADATA
# title: Tyk ApiDefinition must not skip authentication for every path
# description: >-
#   Tyk serves a path listed as ignored without authentication, rate limiting or
#   access rights: the gateway marks the request StatusOkAndIgnore
#   (gateway/api_definition.go URLAllowedAndIgnored) and every auth middleware
#   returns early on it (gateway/mw_auth_key.go: `if ctxGetRequestStatus(r) ==
#   StatusOkAndIgnore`). The entries are spec.version_data.versions.<v>.paths.ignored[]
#   (every method) and ...extended_paths.ignored[] (the methods of its
#   method_actions whose action is no_action; a reply action answers from the
#   gateway, not the upstream). Tyk compiles each path into a regular expression
#   that is not anchored by default, with {name} for one segment and {name:re}
#   for re (generateRegex, httputil.PreparePathRegexp), so "/" matches every path.
#   An entry matching every request path ("/", "", ".*", "/.*", "/{rest:.*}",
#   "^/", or "/{id}" and "/." which miss only the bare root) turns an
#   authenticated API into an open one and is denied, keyless or not. Any other entry is warned, naming the path, since it opens that path
#   (and, unanchored, every path containing it). Both lists are judged in every
#   version whether use_extended_paths picks one or the other today: flipping
#   that flag is an UPDATE the policy would otherwise not see coming. Internal
#   APIs, inactive ones behind a Tyk Dashboard (tyk.dashboard), and Ingress templates
#   (lib.tyk ingress_template: label template: "true", never published by Tyk
#   Operator; tyk.ingress_template judges the Ingress that uses one) are not judged.
# custom:
#   kinds: [tyk.tyk.io/ApiDefinition]
#   severity: high
#   field: spec.version_data.versions
#   remediation: >-
#     Remove the catch-all ignored entry; to publish a whole API without keys use
#     use_keyless with the public-API exception of tyk.no_keyless. List only the
#     exact public paths, anchored (for example ^/health$).
package tyk.ignored_paths

import data.lib.kubernetes as k8s
import data.lib.tyk

deny contains msg if {
	applies
	some entry in catch_all
	msg := sprintf(
		"%s: %s is %q, which matches every request path, so Tyk serves %s without authentication, rate limits or access rights; remove it and list only exact public paths such as ^/health$ (for a public API use use_keyless with the public-API exception)",
		[k8s.display, entry.field, entry.path, entry.methods],
	)
}

warn contains msg if {
	applies
	some entry in (entries - catch_all)
	msg := sprintf(
		"%s: %s is %q, so Tyk serves %s on it without authentication (the pattern is not anchored: it matches every path containing it); make sure it is public and anchor it, for example ^/health$",
		[k8s.display, entry.field, entry.path, entry.methods],
	)
}

applies if {
	k8s.is_check
	tyk.api_definition
	tyk.served
}

# entries: every ignored-path entry of the definition under review, as Tyk reads them
# (lib.tyk ignored_entries; tyk.ingress_template reads an Ingress's template the same way).
entries := tyk.ignored_entries(k8s.spec)

# catch_all: the entries matching every request path (lib.tyk catch_all_path), judged
# once for both rules.
catch_all := tyk.catch_all_entries(entries)
