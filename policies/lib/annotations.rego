# METADATA
# title: Annotations as the ingress controllers parse them
# description: >-
#   Boolean annotations read the way the controllers read them, and the
#   annotation prefixes they are read under. ingress-nginx
#   (internal/ingress/annotations/parser/main.go, parseBool) and ingress-gce
#   (pkg/annotations/ingress.go, AllowHTTP) both call Go's strconv.ParseBool on
#   the raw value: "1", "t", "T", "TRUE", "true", "True" are true, "0", "f", "F",
#   "FALSE", "false", "False" are false, and anything else (" false", "yes",
#   "no", "") is an error, on which both fall back to the default as if the
#   annotation were absent. Nothing is trimmed or lower-cased, and keys are
#   looked up exactly. ingress-nginx reads its annotations under one prefix,
#   nginx.ingress.kubernetes.io unless the controller was started with
#   --annotation-prefix; data.apiguard.config.ingress.nginxAnnotationPrefixes
#   lists the prefixes in use. haproxy-ingress reads haproxy-ingress.github.io
#   and ingress.kubernetes.io (--annotations-prefix);
#   data.apiguard.config.ingress.haproxyIngressAnnotationPrefixes lists them.
#   Not a policy: it defines no deny, violation, warn or patch rule.
package lib.annotations

import data.lib.kubernetes as k8s

# The strings strconv.ParseBool accepts (Go src/strconv/atob.go).
true_strings := {"1", "t", "T", "TRUE", "true", "True"}

false_strings := {"0", "f", "F", "FALSE", "false", "False"}

# parse_bool(v) is the boolean strconv.ParseBool returns for v, and undefined when
# ParseBool returns an error (so also for non-strings).
parse_bool(v) if v in true_strings

parse_bool(v) := false if v in false_strings

# bool_or_default(annotations, key, fallback) is what a controller that reads key with
# ParseBool and falls back on absence or error ends up with.
bool_or_default(annotations, k, fallback) := b if {
	b := parse_bool(annotations[k])
} else := fallback

# is_bool(v) holds when ParseBool accepts v.
is_bool(v) if v in true_strings

is_bool(v) if v in false_strings

default_nginx_prefixes := ["nginx.ingress.kubernetes.io"]

default_haproxy_ingress_prefixes := ["haproxy-ingress.github.io", "ingress.kubernetes.io"]

# nginx_prefixes is the set of prefixes ingress-nginx controllers read annotations
# under. A configured list of strings replaces the default; anything else is ignored.
# A trailing "/" is dropped, so "x.io/" and "x.io" mean the same.
nginx_prefixes := prefixes(["ingress", "nginxAnnotationPrefixes"], default_nginx_prefixes)

haproxy_ingress_prefixes := prefixes(
	["ingress", "haproxyIngressAnnotationPrefixes"],
	default_haproxy_ingress_prefixes,
)

prefixes(path, fallback) := {trim_right(p, "/") | some p in list} if {
	list := k8s.setting(path, null)
	is_array(list)
	count(list) > 0
	every p in list {
		is_string(p)
		trim_right(p, "/") != ""
	}
} else := {p | some p in fallback}

# key(prefix, name) is the annotation key the controller reads name under.
key(prefix, name) := concat("/", [prefix, name])

# nginx_keys(name) is every key ingress-nginx may read name under.
nginx_keys(name) := {key(p, name) | some p in nginx_prefixes}

# nginx_bool(prefix, name, fallback) is how an ingress-nginx controller with that
# prefix reads the boolean annotation name of the object under review.
nginx_bool(prefix, name, fallback) := bool_or_default(k8s.annotations, key(prefix, name), fallback)

# nginx_annotation(name) holds for each [key, value] of the object's annotations whose
# key is name under an ingress-nginx prefix, compared case-insensitively: keys are
# case-sensitive to the controller, but a policy that screens values for injection
# loses nothing by also screening a key that differs in case.
#
# Read through nginx_named, built once per evaluation: each policy's call is then a
# walk over the few annotations under an ingress-nginx prefix, not over every
# annotation and prefix with two lower() calls each.
nginx_annotation(name) := {[k, v] |
	some [n, k, v] in nginx_named
	n == lower(name)
}

# nginx_named holds [name, key, value] for each annotation with a string value whose
# key, in lower case, is "<prefix>/<name>" for an ingress-nginx prefix (in lower
# case): name is the rest of the key, in lower case. lower() works rune by rune, so
# lower(key) == lower(prefix + "/" + n) exactly when the lower-case key starts with
# the lower-case prefix and "/" and the rest is lower(n).
nginx_named contains [substring(lk, count(lp), -1), k, v] if {
	some k, v in k8s.annotations
	is_string(v)
	lk := lower(k)
	some lp in nginx_lower_prefixes
	startswith(lk, lp)
}

nginx_lower_prefixes := {concat("", [lower(p), "/"]) | some p in nginx_prefixes}

# names_under(k, prefix_set) is the set of names key k stands for: the part after
# "<prefix>/" for each of prefix_set it starts with (case-insensitively). Empty when
# k is under none of them.
names_under(k, prefix_set) := {substring(k, count(p) + 1, -1) |
	some p in prefix_set
	startswith(lower(k), lower(concat("", [p, "/"])))
}

# Values the fixed ingress-nginx (v1.11.5, v1.12.1 and later) accepts, per annotation
# validator (internal/ingress/annotations/parser/validators.go), and the characters
# that break nginx configuration where a value is pasted unquoted, as it was before
# the fixes of CVE-2025-24514, CVE-2025-1097 and CVE-2025-1098.

# nginx_url_with_variables(v) holds when ValidateRegex(URLWithNginxVariableRegex, true)
# accepts v (auth-url): spaces are removed, then only alphanumerics and
# - . _ ~ / : , ? & = $ may remain. No ; { } " ' # or line break.
nginx_url_with_variables(v) if {
	is_string(v)
	regex.match(`^[-._~a-zA-Z0-9/:,?&=$]*$`, replace(v, " ", ""))
}

# nginx_url(v) holds when ValidateRegex(URLIsValidRegex, false) accepts v
# (permanent-redirect, temporal-redirect): only alphanumerics and - . _ ~ / : , ? & =.
nginx_url(v) if {
	is_string(v)
	regex.match(`^[-._~a-zA-Z0-9/:,?&=]*$`, v)
}

# nginx_capture_path(v) holds when ValidateRegex(RegexPathWithCapture, false) accepts v
# (rewrite-target, app-root): an optional leading "/", then alphanumerics,
# - . _ ~ / : and $ (for $1, $2 captures).
nginx_capture_path(v) if {
	is_string(v)
	regex.match(`^/?[-._~a-zA-Z0-9/:$]*$`, v)
}

# nginx_server_name(v) holds when ValidateServerName accepts v (mirror-target,
# mirror-host): after trimming spaces, only alphanumerics, - . _ ~ / : and the regex
# characters ^ $ [ ] ( ) { } * + ? | & = \ may remain.
nginx_server_name(v) if {
	is_string(v)
	regex.match(`^[-._~a-zA-Z0-9/:^$\[\](){}*+?|&=\\]*$`, trim_space(v))
}

# nginx_common_name(v) holds when CommonNameAnnotationValidator accepts v
# (auth-tls-match-cn): "CN=" followed by a regular expression that compiles.
nginx_common_name(v) if {
	is_string(v)
	startswith(v, "CN=")
	regex.is_valid(substring(v, 3, -1))
}

# breaks_config(v) holds when v, pasted into nginx configuration, could end the
# directive or block it sits in: ; " ' ` a line break, a trailing backslash (which
# escapes a closing quote), or a brace that is neither a regex repetition ({2},
# {2,}, {2,5}) nor an nginx variable (${name}).
breaks_config(v) if regex.match(`[;"'\x60\r\n]`, v)

breaks_config(v) if endswith(v, `\`)

breaks_config(v) if {
	rest := regex.replace(regex.replace(v, `\$\{[A-Za-z0-9_]+\}`, ""), `\{[0-9]+(,[0-9]*)?\}`, "")
	regex.match(`[{}]`, rest)
}
