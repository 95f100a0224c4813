# METADATA
# title: How Contour reads an HTTPProxy
# description: >-
#   Contour v1.33 semantics shared by the contour.* policies, each from Contour's own
#   source (projectcontour/contour): root versus included HTTPProxies
#   (internal/dag/httpproxy_processor.go computeHTTPProxy), TLS termination and the
#   TLS version Contour actually applies (internal/annotation/annotations.go
#   TLSVersion), a route's path conditions as Contour merges them
#   (internal/dag/conditions.go mergePathMatchConditions), the path allowances of the
#   contour.* configuration, and which CORS allowOrigin entries let every origin in
#   (internal/dag/httpproxy_processor.go toCORSPolicy, internal/envoy/v3/route.go, and
#   Envoy's CORS filter). Not a policy: it defines no deny, warn or patch rule.
package lib.contour

import data.lib.kubernetes as k8s

# httpproxy holds for a projectcontour.io HTTPProxy under review (any served version:
# kubernetes.known_api_version judges the version).
httpproxy if {
	k8s.group == "projectcontour.io"
	k8s.kind == "HTTPProxy"
}

# --- Root and included proxies ----------------------------------------------------

# An HTTPProxy with spec.virtualhost is a root: it owns a host, its TLS, its
# authorization, JWT providers and CORS policy. One without is included (or orphaned):
# its routes are served under whichever root includes it, with that root's settings
# (computeHTTPProxy: `if proxy.Spec.VirtualHost == nil { ... orphaned }`; computeRoutes
# reads authorization and the default JWT provider from rootProxy). From one object,
# an included proxy's root is unknown.
virtualhost := v if {
	v := k8s.spec.virtualhost
	is_object(v)
} else := {}

root if is_object(k8s.spec.virtualhost)

tls := t if {
	t := virtualhost.tls
	is_object(t)
} else := {}

has_tls if is_object(virtualhost.tls)

# Envoy terminates TLS unless passthrough is true: computeHTTPProxy reads
# minimumProtocolVersion, the certificate, client validation and authorization only in
# its `if !tls.Passthrough` branch.
terminates_tls if {
	has_tls
	object.get(tls, "passthrough", false) != true
}

# --- TLS versions -----------------------------------------------------------------

# effective_tls_version(v) is the minimum TLS version Contour applies for the value v
# of tls.minimumProtocolVersion: annotation.TLSVersion(version, "1.2") keeps exactly
# "1.2" and "1.3" and turns anything else (absent, "", "1.1", "TLSv1_3", " 1.3")
# into the default "1.2". Compared exactly: no trimming, no case folding.
effective_tls_version(v) := v if v in {"1.2", "1.3"}

else := "1.2"

# tls_version_intent(v) is the version a spelling names, for telling the user what
# Contour does with it: "1.0" ... "1.3", "ssl" (SSL 3.0 and older), or "" when it
# names none. Case, white space, a "tls", "tlsv", "versiontls" or "v" prefix, "_" for
# "." and a trailing ".0" are ignored ("TLSv1_1", "tls1.1", "1.1.0", "VersionTLS11").
tls_version_intent(v) := "ssl" if {
	is_string(v)
	startswith(lower(trim_space(v)), "ssl")
} else := n if {
	is_string(v)
	s := replace(lower(trim_space(v)), "_", ".")
	bare := trim_prefix(trim_prefix(trim_prefix(trim_prefix(s, "versiontls"), "tlsv"), "tls"), "v")
	n := version_names[trim_space(bare)]
} else := ""

version_names := {
	"1": "1.0", "1.0": "1.0", "1.0.0": "1.0", "10": "1.0",
	"1.1": "1.1", "1.1.0": "1.1", "11": "1.1",
	"1.2": "1.2", "1.2.0": "1.2", "12": "1.2",
	"1.3": "1.3", "1.3.0": "1.3", "13": "1.3",
}

# --- Routes and their paths ---------------------------------------------------------

# routes are [index, route] pairs of spec.routes, keeping the index for messages.
routes contains [i, r] if {
	some i, r in k8s.array_at(k8s.spec, "routes")
	is_object(r)
}

# path_conditions(route) are the route's path matches as [type, value] pairs, type
# "prefix", "exact" or "regex". Contour skips empty values (`case cond.Prefix != ""`)
# and collapses runs of "/" when it merges them (mergePathMatchConditions:
# regexp `//+` -> "/"). A route with none matches every path (prefix "/").
path_conditions(route) := [[t, path] |
	some c in k8s.array_at(route, "conditions")
	is_object(c)
	some t in ["prefix", "exact", "regex"]
	v := c[t]
	is_string(v)
	v != ""
	path := collapse_slashes(v, t)
]

# A regex is kept as written: it is never compared as a prefix (paths_allowed needs
# the allowance "/" for it), only shown in messages.
collapse_slashes(v, "regex") := v

collapse_slashes(v, t) := regex.replace(v, "//+", "/") if t != "regex"

# route_path_text(route) describes what a route matches, for messages.
route_path_text(route) := "every path" if {
	count(path_conditions(route)) == 0
} else := concat(", ", [sprintf("%s %s", [t, v]) | some [t, v] in path_conditions(route)])

# include_path_conditions(include) are an include's path matches, as for a route:
# Contour allows only prefix conditions on an include (includeMatchConditionsValid),
# and prepends them to every route of the included proxy.
include_path_conditions(include) := path_conditions(include)

# include_namespace(include) is the namespace an include (spec.includes[], or
# spec.tcpproxy.include / includes) names: its namespace, or when that is absent or
# "" the including proxy's own (computeRoutes: `if namespace == "" { namespace =
# proxy.Namespace }`; processHTTPProxyTCPProxy likewise).
include_namespace(include) := ns if {
	ns := include.namespace
	is_string(ns)
	ns != ""
} else := k8s.namespace

# --- Path allowances ----------------------------------------------------------------

# allowances(key) are the entries of data.apiguard.config.contour.<key> that apply to
# the HTTPProxy under review: a list of {namespace: <glob>, name: <glob, default "*">,
# prefix: "/..."}. Malformed entries (not a map, a namespace or prefix that is not a
# string, a prefix not starting with "/") are ignored, so they allow nothing.
allowances(key) := [e.prefix |
	some e in entries(key)
	is_object(e)
	is_string(e.namespace)
	glob.match(e.namespace, [], k8s.namespace)
	name := object.get(e, "name", "*")
	is_string(name)
	glob.match(name, [], k8s.name)
	is_string(e.prefix)
	startswith(e.prefix, "/")
]

entries(key) := v if {
	v := k8s.setting(["contour", key], [])
	is_array(v)
} else := []

# paths_allowed(conditions, prefixes) holds when every request path the conditions
# match starts with one of the allowed prefixes. Contour's HTTPProxy prefix match is a
# string prefix (dag.PrefixMatchString), so a prefix or exact path is allowed when it
# starts with an allowed prefix; no condition means every path, and a regex may match
# anything (Envoy matches the whole path, and "/health|/admin" matches "/admin"): both
# need the allowance "/".
paths_allowed(conditions, prefixes) if {
	count(conditions) == 0
	"/" in prefixes
}

paths_allowed(conditions, prefixes) if {
	count(conditions) > 0
	every c in conditions {
		path_allowed(c[0], c[1], prefixes)
	}
}

path_allowed("regex", _, prefixes) if "/" in prefixes

path_allowed(t, v, prefixes) if {
	t != "regex"
	some p in prefixes
	startswith(v, p)
}

# --- CORS -------------------------------------------------------------------------

# exact_origin(o) holds when Contour reads an allowOrigin entry as an exact origin:
# toCORSPolicy keeps "*" and any string that url.Parse reads back as exactly
# scheme://host[:port]; everything else it compiles as a regular expression. This is a
# subset of what Go's url.Parse accepts (lower-case scheme, host characters Go allows,
# numeric port; no IPv6 literal, user info, path, query or %-escape), so an entry it
# misses is judged as the regex Contour might make of it, never the other way round.
exact_origin(o) if o == "*"

exact_origin(o) if {
	is_string(o)
	regex.match(`^[a-z][a-z0-9+.-]*://[A-Za-z0-9._~!$&'()*+,;=-]+(:[0-9]*)?$`, o)
}

# any_origin(o) holds when the allowOrigin entry o admits every origin, or one any web
# site can send:
#   - "*": Envoy's CORS filter allows every origin when an allow_origin matcher
#     matches the string "*" (envoyproxy/envoy source/extensions/filters/http/cors/
#     cors_filter.cc isOriginAllowed: `allow_origin->match("*") || ...`), and echoes
#     the caller's Origin back;
#   - a regex that matches "*" itself (".", ".*", "\*", "[*]", ".+"), by the same rule;
#   - a regex that matches "null" (the origin browsers send from sandboxed iframes and
#     data: URLs, which any page can create) or an arbitrary attacker's origin.
# Contour passes a regex to Envoy unchanged (internal/envoy/v3/route.go, SafeRegex),
# and Envoy matches the whole origin (RE2 full match), so each probe is matched
# anchored. An exact origin other than "*" matches only itself (ignoring case). An
# invalid regex is rejected by Contour (the CORS policy does not parse), so it admits
# nothing.
any_origin(o) if o == "*"

any_origin(o) if {
	is_string(o)
	not exact_origin(o)
	anchored := concat("", ["^(?:", o, ")$"])
	regex.is_valid(anchored)
	some probe in origin_probes
	regex.match(anchored, probe)
}

origin_probes := ["*", "null", "https://attacker.invalid", "http://attacker.invalid", "https://attacker.invalid:8443"]
