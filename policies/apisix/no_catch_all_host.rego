# METADATA
# title: APISIX HTTP routes must name their hosts
# description: >-
#   An ApisixRoute spec.http[] rule without match.hosts (absent or an empty list)
#   becomes an APISIX route with no host condition (apache/apisix-ingress-controller
#   internal/adc/translator/apisixroute.go buildRoute: `route.Hosts =
#   rule.Match.Hosts`), and APISIX's router then matches its paths on every Host the
#   gateway receives (apache/apisix apisix/http/route.lua: a route's hosts are a filter
#   only when set), so it takes other teams' traffic for those paths and answers for
#   any name that points at the gateway. A host that is a wildcard for a whole
#   top-level domain or for everything is a catch-all too: lua-resty-radixtree
#   (api7/lua-resty-radixtree lib/resty/radixtree.lua, which APISIX routes with) strips a
#   leading "*" and matches the reversed rest as a prefix of the reversed Host, a
#   suffix match, so "*", "*." and "*com" or "*.com"
#   match every host (or every .com host). "*.example.com" (one level, as the CRD
#   documents) is a named host. Namespaces in apisix.allowCatchAllNamespaces (globs)
#   are allowed.
# custom:
#   kinds: [apisix.apache.org/ApisixRoute]
#   severity: high
#   field: spec.http[].match.hosts
#   remediation: >-
#     List the route's host names in match.hosts, for example [api.example.com] or
#     ["*.api.example.com"].
package apisix.no_catch_all_host

import data.lib.apisix
import data.lib.kubernetes as k8s

deny contains msg if {
	applies
	some i, rule in k8s.array_at(k8s.spec, "http")
	is_object(rule)
	count(k8s.array_at(rule.match, "hosts")) == 0
	msg := sprintf(
		"%s: spec.http[%d] (%s) has no match.hosts, so APISIX serves its paths for every host name that reaches the gateway, including other teams'; list its hosts in match.hosts, for example [api.example.com]",
		[k8s.display, i, object.get(rule, "name", "")],
	)
}

deny contains msg if {
	applies
	some i, rule in k8s.array_at(k8s.spec, "http")
	some h in k8s.array_at(rule.match, "hosts")
	catch_all(h)
	msg := sprintf(
		"%s: spec.http[%d].match.hosts contains %q, a wildcard APISIX matches against every host ending in %q, so the route takes traffic for names it does not own; list its own host names, for example api.example.com or *.api.example.com",
		[k8s.display, i, h, substring(h, 1, -1)],
	)
}

applies if {
	apisix.route
	k8s.is_check
	not k8s.namespace_in(k8s.setting(["apisix", "allowCatchAllNamespaces"], []))
}

# catch_all(h): a leading "*" followed by fewer than two labels.
catch_all(h) if {
	is_string(h)
	startswith(h, "*")
	labels := [l | some l in split(substring(h, 1, -1), "."); l != ""]
	count(labels) < 2
}
