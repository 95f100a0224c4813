# METADATA
# title: How Traefik reads its traefik.io CRDs
# description: >-
#   Traefik v3.7 semantics shared by the traefik.* policies, each from Traefik's own
#   source (github.com/traefik/traefik/v3 v3.7.13): the router rule language
#   (pkg/rules/parser.go on vulcand/predicate, a Go expression of matcher calls joined
#   by &&, || and !, with backquoted or double-quoted string arguments; matcher names
#   read exactly, in lower case, upper case or title case), which matchers restrict the
#   host (pkg/muxer/http/matcher.go host, hostRegexp; matcher_v2.go for the deprecated
#   v2 syntax; pkg/muxer/tcp/matcher.go hostSNI), the entry points a router listens on
#   (pkg/server/aggregator.go: none named means the default ones), and the
#   traefik.* configuration. Not a policy: it defines no deny, warn or patch rule.
package lib.traefik

import data.lib.kubernetes as k8s

group := "traefik.io"

# kind(k) holds for a traefik.io object of kind k under review. The CRDs of Traefik
# v3.7.13 serve only v1alpha1 (kubernetes.known_api_version judges the version); the
# legacy traefik.containo.us group is not in them and is not judged.
kind(k) if {
	k8s.group == group
	k8s.kind == k
}

# --- Configuration ------------------------------------------------------------------

setting(key, fallback) := k8s.setting(["traefik", key], fallback)

strings_setting(key, fallback) := {s | some s in v; is_string(s)} if {
	v := setting(key, fallback)
	is_array(v)
} else := {s | some s in fallback}

# Entry points whose routers are never served in plain HTTP even without a router
# `tls` section: the static configuration gives them TLS
# (entryPoints.<name>.http.tls, the Helm chart's websecure), or redirects all their
# requests to HTTPS (entryPoints.<name>.http.redirections).
tls_entry_points := strings_setting("tlsEntryPoints", ["websecure"])

# The entry points a router without spec.entryPoints listens on: Traefik gives it
# the default entry points (pkg/server/aggregator.go: "No entryPoint defined for this
# router, using the default one(s) instead"), those marked asDefault, else all.
default_entry_points := strings_setting("defaultEntryPoints", ["web", "websecure"])

# public_entry_point(ep) holds when ep faces the internet: every entry point unless
# traefik.publicEntryPoints lists them.
public_entry_point(_) if {
	not is_array(setting("publicEntryPoints", null))
}

public_entry_point(ep) if {
	ep in strings_setting("publicEntryPoints", [])
}

# entry_points(spec) is the list of entry points a root router of spec listens on,
# and whether they were named.
entry_points(spec) := eps if {
	eps := [ep | some ep in spec.entryPoints]
	count(eps) > 0
} else := sort(default_entry_points)

entry_points_named(spec) if count(k8s.array_at(spec, "entryPoints")) > 0

# default_rule_syntax is the static core.defaultRuleSyntax (v3 unless configured).
default_rule_syntax := s if {
	s := setting("defaultRuleSyntax", "v3")
	s == "v2"
} else := "v3"

# route_syntax: the router's syntax; Traefik looks the value up exactly and reads any
# value other than "v2" as v3 (pkg/muxer/http/parser.go SyntaxParser.parse).
route_syntax(route) := "v2" if route.syntax == "v2"

else := "v3" if {
	is_string(route.syntax)
	route.syntax != ""
} else := default_rule_syntax

# --- Rule language ------------------------------------------------------------------

# A string argument: Go raw string (backquotes) or interpreted string (double quotes).
literal := "`[^`]*`|\"(?:[^\"\\\\]|\\\\.)*\""

# A matcher call: a name and its string arguments.
call_pattern := sprintf(`([A-Za-z][A-Za-z0-9]*)\s*\(\s*((?:%s)(?:\s*,\s*(?:%s))*)?\s*\)`, [literal, literal])

argument_pattern := "`([^`]*)`|\"((?:[^\"\\\\]|\\\\.)*)\""

matchers := {
	"http": {
		"v3": {"ClientIP", "Method", "Host", "HostRegexp", "Path", "PathRegexp", "PathPrefix", "Header", "HeaderRegexp", "Query", "QueryRegexp"},
		"v2": {"Host", "HostHeader", "HostRegexp", "ClientIP", "Path", "PathPrefix", "Method", "Headers", "HeadersRegexp", "Query"},
	},
	"tcp": {
		"v3": {"ALPN", "ClientIP", "HostSNI", "HostSNIRegexp"},
		"v2": {"ALPN", "ClientIP", "HostSNI", "HostSNIRegexp"},
	},
}

host_matchers := {"Host", "HostHeader", "HostRegexp", "HostSNI", "HostSNIRegexp"}

regexp_matchers := {"HostRegexp", "HostSNIRegexp"}

# rules.NewParser registers each matcher under its name, lower case, upper case and
# title case (cases.Title: "Hostregexp"); any other spelling does not parse.
canonical(name, names) := m if {
	some m in names
	name in {m, lower(m), upper(m), title_case(m)}
}

title_case(m) := concat("", [upper(substring(m, 0, 1)), lower(substring(m, 1, -1))])

# arguments(text) is the list of argument values; an interpreted string holding an
# escape (`"\x2a"` is "*") is null: not read here.
arguments(text) := [value(a) | some a in regex.find_all_string_submatch_n(argument_pattern, text, -1)]

value(a) := a[1] if startswith(a[0], "`")

else := a[2] if not contains(a[2], "\\")

else := null

# Hosts a rule is probed with: names no route of the cluster owns. A host regexp that
# matches one of them matches hosts nobody named.
probe_hosts := ["apiguard-probe.invalid", "a.b.apiguard-probe.com"]

# atom(call, proto, syntax) is the value of one matcher call for a request or
# connection to a host the rule does not name: "F" (a host matcher that names hosts),
# "T" (a host matcher that matches every host: Host(`*`) and HostSNI(`*`), which
# Traefik v3 reads as catch-alls, and host regexps that match probe_hosts), "U"
# (any other matcher: its value is free), or "X" (not readable: an unknown matcher
# or spelling, an escaped string, a wrong number of arguments, an invalid regexp;
# Traefik refuses most of these, apiguard cannot judge the rest). The v2 Host matcher
# reads `*` as a literal host no client sends (matcher_v2.go hostV2); it is read as a
# catch-all in both syntaxes all the same: such a route serves nothing it would lose.
atom(call, proto, syntax) := "X" if {
	not canonical(call[1], matchers[proto][syntax])
} else := "U" if {
	not canonical(call[1], matchers[proto][syntax]) in host_matchers
} else := host_atom(canonical(call[1], matchers[proto][syntax]), arguments(call[2]), syntax)

host_atom(name, args, syntax) := "X" if {
	count(args) == 0
} else := "X" if {
	null in args
} else := "X" if {
	# Traefik v3 matchers take exactly one argument (expectNParameters,
	# expect1Parameter); the v2 syntax takes several (hostV2).
	syntax == "v3"
	count(args) != 1
} else := "X" if {
	"" in args
} else := "T" if {
	not name in regexp_matchers
	"*" in args
} else := "F" if {
	not name in regexp_matchers
} else := "X" if {
	some a in args
	not regex.is_valid(host_regexp(a, syntax))
} else := "T" if {
	some a in args
	some p in probe_hosts
	regex.match(host_regexp(a, syntax), p)
} else := "F"

# v3 host regexps are Go regular expressions matched unanchored
# (hostRegexp: re.MatchString); v2 ones are gorilla/mux host templates
# ({name:pattern}, {name} for one label), matched whole.
host_regexp(a, "v3") := a

host_regexp(a, "v2") := concat("", ["^(?:", t2, ")$"]) if {
	t1 := regex.replace(a, `\{[A-Za-z0-9_-]+:([^{}]*)\}`, "(${1})")
	t2 := regex.replace(t1, `\{[A-Za-z0-9_-]+\}`, "[^.]+")
}

# host_probe(rule, proto, syntax) reads a rule as Traefik does and answers what it
# gives a request for a host the rule does not name: "F" (never matched: the rule
# restricts the host), "T" or "U" (matched, or matched for some path, header, client
# address...: a catch-all), or "X" (the rule cannot be read). The value is computed
# in three-valued logic over the matcher calls: every matcher other than a host
# matcher is free, so a rule that matches some request of an unnamed host is never
# read as "F" (two contradictory non-host matchers may make a rule that matches
# nothing look free: judged as a catch-all, the safe side).
host_probe(rule, proto, syntax) := result if {
	is_string(rule)
	calls := regex.find_all_string_submatch_n(call_pattern, rule, -1)
	count(calls) > 0
	pieces := regex.split(call_pattern, rule)
	count(pieces) == count(calls) + 1
	every p in pieces {
		regex.match(`^[\s!()&|]*$`, p)
	}
	values := [atom(c, proto, syntax) | some c in calls]
	not "X" in values
	parts := [concat("", [squeeze(pieces[i]), values[i]]) | some i in numbers.range(0, count(calls) - 1)]
	expr := concat("", [concat("", parts), squeeze(pieces[count(calls)])])
	result := evaluate(expr)
	result in {"T", "F", "U"}
} else := "X"

# catch_all(rule, proto, syntax) holds when the rule matches a host it does not name.
catch_all(rule, proto, syntax) if host_probe(rule, proto, syntax) in {"T", "U"}

unreadable(rule, proto, syntax) if host_probe(rule, proto, syntax) == "X"

squeeze(s) := regex.replace(s, `\s+`, "")

# evaluate reduces an expression over T, F, U, !, &&, || and parentheses to one
# value, with Go's precedence (! over && over ||), at most 64 rounds; an expression
# that does not reduce (unbalanced parentheses, `&`, `|||`...) stays as it is, and
# host_probe reads it as "X".
evaluate(s) := r64(s)

step(s) := s if s in {"T", "F", "U"}

else := reduce_once(s)

r2(s) := step(step(s))

r4(s) := r2(r2(s))

r8(s) := r4(r4(s))

r16(s) := r8(r8(s))

r32(s) := r16(r16(s))

r64(s) := r32(r32(s))

reduce_once(s) := s4 if {
	s1 := regex.replace(regex.replace(regex.replace(s, `!T`, "F"), `!F`, "T"), `!U`, "U")

	# && binds tighter than ||; its left operand must not follow a `!`.
	a1 := regex.replace(s1, `(^|[(|&])F&&[TFU]`, "${1}F")
	a2 := regex.replace(a1, `(^|[(|&])[TU]&&F`, "${1}F")
	a3 := regex.replace(a2, `(^|[(|&])T&&([TFU])`, "${1}${2}")
	s2 := regex.replace(a3, `(^|[(|&])U&&[TU]`, "${1}U")

	# || only between operands that no && binds.
	o1 := regex.replace(s2, `(^|[(|])T\|\|[TFU]([)|]|$)`, "${1}T${2}")
	o2 := regex.replace(o1, `(^|[(|])[FU]\|\|T([)|]|$)`, "${1}T${2}")
	o3 := regex.replace(o2, `(^|[(|])F\|\|([TFU])([)|]|$)`, "${1}${2}${3}")
	s3 := regex.replace(o3, `(^|[(|])U\|\|[FU]([)|]|$)`, "${1}U${2}")

	s4 := regex.replace(s3, `\(([TFU])\)`, "${1}")
}
