# METADATA
# title: Ingress paths must not reach into the controller
# description: >-
#   Denies spec.rules[].http.paths[].path values that break out of the location
#   the controller writes them into, or point at the controller's own files
#   (CVE-2021-25745: a path made ingress-nginx serve its service-account
#   token). On every path type: characters that end an nginx directive or block
#   (; " ' ` a line break or other whitespace, a trailing backslash, a brace
#   that is not a regex repetition) and what ingress-nginx's own inspector
#   refuses on any path (internal/ingress/inspector/rules.go:
#   /etc/passwd, shadow, group, nginx or ingress-controller, /var/run/secrets,
#   _by_lua). On ImplementationSpecific paths, and on every path of an Ingress
#   whose use-regex annotation parses true or that sets rewrite-target (both
#   make ingress-nginx write the paths as regular expressions), also: a ".."
#   segment, the encoded separators %2f, %2e and %5c, a path under /etc, /proc,
#   /root or /run/secrets. The API server already refuses "//", "/./", "/../",
#   "%2f" and a trailing "/." or "/.." on Exact and Prefix paths, but checks
#   nothing but a leading "/" on ImplementationSpecific ones.
# custom:
#   kinds: [Ingress]
#   severity: critical
#   field: spec.rules
#   remediation: >-
#     Use a plain URL path (letters, digits, - . _ ~ /) with pathType Prefix or
#     Exact; serve files from the application, never from the controller.
package ingress.no_controller_internal_paths

import data.lib.annotations as ann
import data.lib.kubernetes as k8s

deny contains msg if {
	applies
	some [i, j, p] in paths
	some why in findings(p)
	msg := sprintf(
		"%s: spec.rules[%d].http.paths[%d].path %s (pathType %s) %s; use a plain URL path of letters, digits and - . _ ~ /",
		[k8s.display, i, j, json.marshal(p.path), p.pathType, why],
	)
}

# paths lists [rule index, path index, {"path", "pathType"}] for every string path.
paths contains [i, j, {"path": path.path, "pathType": path_type(path)}] if {
	some i, rule in k8s.array_at(k8s.spec, "rules")
	is_object(rule.http)
	some j, path in k8s.array_at(rule.http, "paths")
	is_string(path.path)
}

path_type(path) := t if {
	t := path.pathType
	is_string(t)
} else := "ImplementationSpecific"

# Most paths are plain URL paths with nothing that names an internal file: two regular
# expressions settle them, so a large Ingress costs two matches a path.
findings(p) := set() if {
	regex.match(`^/[A-Za-z0-9._~/-]*$`, p.path)
	not regex.match(`(?i)etc|secrets|_by_lua|\.\.|proc|root`, p.path)
} else := all_findings(p)

all_findings(p) := ({why |
	some why in always(p.path)
} | {why |
	regex_mode(p.pathType)
	some why in as_regex(p.path)
}) | {why |
	# Outside regex mode a path is written unquoted (location /a {), where any
	# brace, even a repetition, opens or closes a block.
	not regex_mode(p.pathType)
	regex.match(`[{}]`, p.path)
	why := "has braces, which open or close a block of the nginx configuration it is written into"
}

always(path) := {why |
	breaks(path)
	why := "has characters that end the nginx location it is written into"
} | {why |
	regex.match(`(?i)/etc/(passwd|shadow|group|nginx|ingress-controller)|/var/run/secrets|_by_lua`, path)
	why := "names a controller-internal file that ingress-nginx's own inspector refuses"
}

# Whitespace can never appear in a request path, and ends an unquoted nginx argument.
breaks(path) if ann.breaks_config(path)

breaks(path) if regex.match(`\s`, path)

as_regex(path) := {why |
	regex.match(`(^|/)\.\.(/|$)|(?i)%2e|%2f|%5c`, path)
	why := "climbs out of its directory (a .. segment or an encoded separator)"
} | {why |
	regex.match(`(?i)^/+(etc|proc|root|run/secrets)(/|$)`, path)
	why := "points into the controller's file system"
}

# ImplementationSpecific paths are whatever the controller makes of them; with
# use-regex or rewrite-target ingress-nginx writes every path of the host as a
# regular expression (template buildLocation, enforceRegexModifier).
regex_mode(path_type) if path_type == "ImplementationSpecific"

regex_mode(_) if regex_ingress

# regex_ingress is a complete rule, evaluated once per object rather than per path.
regex_ingress if {
	some prefix in ann.nginx_prefixes
	ann.nginx_bool(prefix, "use-regex", false) == true
}

regex_ingress if {
	some [_, v] in ann.nginx_annotation("rewrite-target")
	v != ""
}

# Writes and audits of networking.k8s.io Ingresses are judged; a DELETE never is.
applies if {
	k8s.is_check
	k8s.group == "networking.k8s.io"
	k8s.kind == "Ingress"
}
