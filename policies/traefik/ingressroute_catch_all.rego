# METADATA
# title: Traefik IngressRoutes on public entry points must match a host
# description: >-
#   An IngressRoute (traefik.io) route whose match can be true for a request to a host
#   it does not name is a catch-all: on a public entry point it takes every host
#   nobody else routes, other teams' mistyped and future hosts included. Denied. The
#   rule is read as Traefik v3.7.13 reads it (lib.traefik host_probe; pkg/rules,
#   pkg/muxer/http): no Host, HostRegexp (or v2 HostHeader) matcher
#   (`PathPrefix(`/`)`), one that another branch does without
#   (`Host(`a`) || PathPrefix(`/x`)`), a negated one (`!Host(`a`)`), `Host(`*`)`
#   (Traefik v3 matches every host with it, pkg/muxer/http/matcher.go host), and a
#   HostRegexp matching hosts nobody owns (`.*`; v3 regexps are unanchored) are all
#   catch-alls. Matcher names are read in the four spellings Traefik registers
#   (Host, host, HOST, Host title case). A rule apiguard cannot read (comments,
#   escaped strings, unknown matchers) is denied as well: it cannot be judged.
#   Public entry points are data.apiguard.config.traefik.publicEntryPoints (default:
#   all); a route without entryPoints listens on traefik.defaultEntryPoints. The v2
#   syntax is read for routes with syntax: v2 (or traefik.defaultRuleSyntax: v2).
#   IngressRoutes with parentRefs are children, matched only inside their parents'
#   routers (pkg/server/router/router.go), and are not judged. Namespaces in
#   traefik.catchAllNamespaces (globs) are exempt.
# custom:
#   kinds: [traefik.io/IngressRoute]
#   severity: high
#   field: spec.routes[].match
#   remediation: >-
#     Start every route's match with Host(`<your host>`) && ..., without || branches
#     that drop it.
package traefik.ingressroute_catch_all

import data.lib.kubernetes as k8s
import data.lib.traefik

deny contains msg if {
	applies
	some i, route in k8s.spec.routes
	is_string(route.match)
	route.match != ""
	probe := traefik.host_probe(route.match, "http", traefik.route_syntax(route))
	probe != "F"
	msg := sprintf(
		"%s: spec.routes[%d].match %q %s, and the route listens on public entry points (%s), so it takes traffic for hosts other teams own or have not claimed yet; start the match with Host(`<your host>`) && ... and drop || branches that do without it",
		[k8s.display, i, route.match, why(probe), concat(", ", public)],
	)
}

public := [ep | some ep in traefik.entry_points(k8s.spec); traefik.public_entry_point(ep)]

applies if {
	k8s.is_check
	traefik.kind("IngressRoute")
	count(k8s.array_at(k8s.spec, "parentRefs")) == 0
	count(public) > 0
	not k8s.namespace_in(traefik.setting("catchAllNamespaces", []))
}

why("X") := "cannot be read as Traefik's rule language (only matcher calls with plain string arguments joined by &&, || and ! are read), so apiguard cannot tell which hosts it matches"

why(p) := "matches requests for any host (no Host or HostRegexp matcher restricts every branch of it)" if p != "X"
