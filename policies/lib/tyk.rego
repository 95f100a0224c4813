# METADATA
# title: How Tyk reads its objects
# description: >-
#   Tyk Gateway semantics shared by the tyk.* policies, each from Tyk's own source:
#   whether a classic ApiDefinition is served to callers at all (active, internal),
#   which CORS allowed origins let any web site in (github.com/rs/cors, which Tyk's
#   CORS handler is built with, gateway/api_loader.go handleCORS), and which
#   ignored-path patterns match every request path
#   (gateway/api_definition.go). Not a policy: it defines no deny, warn or patch rule.
package lib.tyk

import data.lib.kubernetes as k8s

# api_definition holds for a tyk.tyk.io ApiDefinition under review.
api_definition if {
	k8s.group == "tyk.tyk.io"
	k8s.kind == "ApiDefinition"
}

# served holds unless no caller reaches the API directly; the API that loops to it
# is judged on its own.
#   - internal: true. Tyk Operator's CRD: "It can only be routed to from other
#     APIs"; gateway/api_loader.go processSpec: `if spec.Internal { chainDef.Skip =
#     true }`, and loadHTTPService registers no route for a skipped chain.
#   - active: false, only behind a Tyk Dashboard. The open-source gateway never
#     reads the flag and serves an inactive API like any other
#     (TykTechnologies/tyk#1151, closed wontfix; #3570); the Dashboard withholds
#     inactive APIs from the gateways it feeds (TykTechnologies/tyk-operator#151).
#     So active: false counts only when data.apiguard.config.tyk.dashboard is true
#     (default false).
served if not unserved

unserved if k8s.spec.internal == true

unserved if {
	k8s.spec.active == false
	k8s.setting(["tyk", "dashboard"], false) == true
}

# any_origin(origin) holds for a CORS allowed origin that admits a site anyone can
# set up. rs/cors (Tyk builds its CORS handler with it: gateway/api_loader.go
# handleCORS, cors.New with spec.CORS.AllowedOrigins) treats "*" as
# every origin and an origin with one "*" as prefix*suffix (the rest after the first
# "*" is the suffix); browsers send the literal origin "null" from sandboxed iframes,
# data: URLs and file pages, which any site can produce. A wildcard is bounded only
# when the prefix is a bare scheme ("https://") and the suffix a dot-led registered
# domain (".example.com"): then only that domain's own subdomains match.
any_origin(origin) if trim_space(origin) == "*"

any_origin(origin) if lower(trim_space(origin)) == "null"

any_origin(origin) if {
	o := lower(trim_space(origin))
	o != "*"
	contains(o, "*")
	not bounded_wildcard(o)
}

# subdomain_wildcard(origin) holds for a bounded wildcard, https://*.example.com:
# every subdomain of example.com, including one taken over.
subdomain_wildcard(origin) if bounded_wildcard(lower(trim_space(origin)))

bounded_wildcard(o) if {
	parts := split(o, "*")
	count(parts) == 2
	regex.match(`^[a-z][a-z0-9+.-]*://$`, parts[0])
	regex.match(`^\.[a-z0-9-]+(\.[a-z0-9-]+)+(:[0-9]+)?$`, parts[1])
}

# ignored_pattern(p) is the regular expression Tyk compiles an ignored path into
# (gateway/api_definition.go generateRegex, httputil.PreparePathRegexp): mux-style
# {name:re} becomes (re) and {name} a single segment. By default
# (http_server_options.enable_path_prefix_matching and ..._suffix_matching off) the
# expression is not anchored, so "/" matches every path.
ignored_pattern(p) := with_named_groups if {
	with_named_groups := regex.replace(regex.replace(p, `\{[A-Za-z0-9_]+:([^}]*)\}`, "($1)"), `\{[A-Za-z0-9_]+\}`, "([^/]+)")
}

# Request paths of every shape a catch-all must match. The bare root "/" is left
# out on purpose: "/{id}" or "/." open every path but the root, which is no less
# a catch-all.
probe_paths := ["/a", "/Z9", "/api/v1/users/42", "/admin/", "/.well-known/x", "/x.json", "/b-c_d~e"]

# catch_all_path(p) holds for an ignored path whose expression (as Tyk compiles it,
# unanchored by default) matches every probe path: "/", "", ".*", "/.*",
# "/{rest:.*}", "^/", "/{id}" and the like.
catch_all_path(p) if {
	is_string(p)
	re := ignored_pattern(p)
	regex.is_valid(re)
	every path in probe_paths {
		regex.match(re, path)
	}
}
