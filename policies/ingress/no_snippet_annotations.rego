# METADATA
# title: Ingress must not carry configuration snippets or injectable annotation values
# description: >-
#   Denies annotations that paste raw proxy configuration into a shared
#   controller: keys ending in "-snippet" or "-snippets" (ingress-nginx
#   configuration-snippet, server-snippet, auth-snippet; nginx.org
#   server-snippets; haproxytech backend-config-snippet; CVE-2021-25742,
#   CVE-2023-5043), and haproxy-ingress's raw-config keys that do not end in
#   -snippet ("config-backend", "config-tcp-service" and every other "config-*"
#   under data.apiguard.config.ingress.haproxyIngressAnnotationPrefixes, default
#   haproxy-ingress.github.io and ingress.kubernetes.io). Judges by value the
#   ingress-nginx annotations of the 2025 advisories, under each prefix of
#   data.apiguard.config.ingress.nginxAnnotationPrefixes (default
#   nginx.ingress.kubernetes.io): auth-url (CVE-2025-24514), auth-tls-match-cn
#   (CVE-2025-1097), mirror-target and mirror-host (CVE-2025-1098), and
#   permanent-redirect and temporal-redirect (CVE-2023-5044), rewrite-target
#   and app-root (CVE-2021-25746; rewrite-target is written unquoted into
#   "rewrite ... <target> break;") are denied
#   when the fixed controller's validator would refuse the value or the value
#   carries characters that break nginx configuration; a value the fixed
#   controller accepts passes. auth-tls-pass-certificate-to-upstream is denied
#   only when strconv.ParseBool reads it as true ("false", its default, passes).
#   auth-proxy-set-headers, which names a ConfigMap whose values are pasted into
#   nginx configuration (CVE-2025-15566) and which apiguard cannot see, is warned.
#   Also denies, whatever their value, the keys in
#   data.apiguard.config.ingress.dangerousAnnotations (default none). Keys are
#   compared case-insensitively.
# custom:
#   kinds: [Ingress]
#   severity: critical
#   field: metadata.annotations
#   remediation: >-
#     Remove the annotation, or give it a value the controller validates (a
#     plain URL or host name, CN=<regex>); ask the platform team to provide
#     raw configuration through controller configuration instead.
package ingress.no_snippet_annotations

import data.lib.annotations as ann
import data.lib.kubernetes as k8s

deny contains msg if {
	applies
	some key, "snippet" in key_finding
	msg := sprintf(
		"%s: annotation %q injects raw proxy configuration into the shared ingress controller; remove it and ask the platform team to provide the behaviour through controller configuration",
		[k8s.display, key],
	)
}

deny contains msg if {
	applies
	some key, "haproxy" in key_finding
	msg := sprintf(
		"%s: annotation %q pastes raw HAProxy configuration into the shared haproxy-ingress controller; remove it and ask the platform team to provide the behaviour through controller configuration",
		[k8s.display, key],
	)
}

deny contains msg if {
	applies
	some key, "dangerous" in key_finding
	msg := sprintf(
		"%s: annotation %q is on the dangerous-annotation list (apiguard.config.ingress.dangerousAnnotations); remove it, or ask the platform team for an exemption",
		[k8s.display, key],
	)
}

deny contains msg if {
	applies
	some [key, v] in ann.nginx_annotation("auth-tls-pass-certificate-to-upstream")
	not lower(key) in dangerous
	ann.parse_bool(v) == true
	msg := sprintf(
		"%s: annotation %q is %q, so ingress-nginx passes the client certificate to the upstream in a header; remove it or set it to \"false\"",
		[k8s.display, key, v],
	)
}

# ann.nginx_named holds each annotation under an ingress-nginx prefix once, with its
# name in lower case, as the injectable table's names are: one walk over those
# annotations instead of one ann.nginx_annotation call per table entry.
deny contains msg if {
	applies
	some [name, key, v] in ann.nginx_named
	rule := injectable[name]
	not lower(key) in dangerous
	not safe_value(rule.validator, v)
	msg := sprintf(
		"%s: annotation %q has the value %s, which %s; the fixed ingress-nginx refuses it and older ones paste it into nginx configuration (%s). Use %s",
		[k8s.display, key, json.marshal(v), reason(rule.validator, v), rule.advisory, rule.expected],
	)
}

# auth-proxy-set-headers names a ConfigMap (namespace/name) whose values ingress-nginx
# pastes into the auth subrequest's proxy_set_header lines (CVE-2025-15566,
# kubernetes/kubernetes#136789, fixed in v1.12.5 and v1.13.1). apiguard does not see
# that ConfigMap, so the reference is a finding: a warning, not a pass.
warn contains msg if {
	applies
	some [key, v] in ann.nginx_annotation("auth-proxy-set-headers")
	not lower(key) in dangerous
	msg := sprintf(
		"%s: annotation %q names ConfigMap %q, whose values ingress-nginx writes into its configuration as request headers (CVE-2025-15566); apiguard cannot see them: make sure that ConfigMap holds only header names and values, and that the controller is v1.12.5, v1.13.1 or later",
		[k8s.display, key, v],
	)
}

# The 2025 advisories' annotations and the validator the fixed controller runs on each.
injectable := {
	"auth-url": {
		"validator": "url",
		"advisory": "CVE-2025-24514",
		"expected": "a URL of letters, digits and - . _ ~ / : , ? & = $ only",
	},
	"auth-tls-match-cn": {
		"validator": "cn",
		"advisory": "CVE-2025-1097",
		"expected": "CN= followed by a regular expression without ; \" ' or braces other than repetitions",
	},
	"permanent-redirect": {
		"validator": "plainurl",
		"advisory": "CVE-2023-5044",
		"expected": "a URL of letters, digits and - . _ ~ / : , ? & = only",
	},
	"temporal-redirect": {
		"validator": "plainurl",
		"advisory": "CVE-2023-5044",
		"expected": "a URL of letters, digits and - . _ ~ / : , ? & = only",
	},
	"rewrite-target": {
		"validator": "capture",
		"advisory": "CVE-2021-25746",
		"expected": "a path of letters, digits, - . _ ~ / : and $1-style captures only",
	},
	"app-root": {
		"validator": "capture",
		"advisory": "CVE-2021-25746",
		"expected": "a path of letters, digits and - . _ ~ / : only",
	},
	"mirror-target": {
		"validator": "server",
		"advisory": "CVE-2025-1098",
		"expected": "a URL of letters, digits, - . _ ~ / : and regex characters only",
	},
	"mirror-host": {
		"validator": "server",
		"advisory": "CVE-2025-1098",
		"expected": "a host name of letters, digits, - . _ ~ / : and regex characters only",
	},
}

safe_value("url", v) if {
	ann.nginx_url_with_variables(v)
	not ann.breaks_config(v)
}

safe_value("plainurl", v) if {
	ann.nginx_url(v)
	not ann.breaks_config(v)
}

safe_value("capture", v) if {
	ann.nginx_capture_path(v)
	not ann.breaks_config(v)
}

safe_value("server", v) if {
	ann.nginx_server_name(v)
	not ann.breaks_config(trim_space(v))
}

safe_value("cn", v) if {
	ann.nginx_common_name(v)
	not ann.breaks_config(v)
}

reason(validator, v) := "carries characters that end an nginx directive or block" if {
	ann.breaks_config(trim_space(v))
} else := "does not start with CN= followed by a regular expression that compiles" if {
	validator == "cn"
} else := "has characters the controller's validator does not allow"

# Writes and audits of networking.k8s.io Ingresses are judged; a DELETE never is.
applies if {
	k8s.is_check
	k8s.group == "networking.k8s.io"
	k8s.kind == "Ingress"
}

# key_finding maps each annotation key to the first of the findings the three
# key rules report: a snippet, else haproxy raw configuration, else a key on the
# dangerous list. Built once per evaluation, each key lower-cased once.
key_finding := {key: f |
	some key, _ in k8s.annotations
	f := finding(key, lower(key))
}

finding(_, lk) := "snippet" if {
	lower_snippet(lk)
} else := "haproxy" if {
	lower_haproxy_raw_config(lk)
} else := "dangerous" if {
	lk in dangerous
}

# snippet(key): the key ends in -snippet or -snippets (one trailing "s" trimmed,
# then -snippet), in any case.
snippet(key) if lower_snippet(lower(key))

lower_snippet(lk) if endswith(trim_suffix(lk, "s"), "-snippet")

# haproxy-ingress pastes config-backend and config-tcp-service (and, from its
# ConfigMap, the other config-* keys) into haproxy.cfg verbatim
# (pkg/converters/ingress/types/annotations.go).
haproxy_raw_config(key) if lower_haproxy_raw_config(lower(key))

# ann.names_under compares lower(key) with lower(prefix + "/") and lower-cases the
# name after it; lower() works rune by rune, so the lower-case key after the
# lower-case prefix and "/" is that name in lower case.
lower_haproxy_raw_config(lk) if {
	# Every prefix ends in "/", so such a key contains "/config-": a key without it
	# is settled before the prefixes are read.
	contains(lk, "/config-")
	some lp in haproxy_lower_prefixes
	startswith(lk, lp)
	startswith(substring(lk, count(lp), -1), "config-")
}

haproxy_lower_prefixes := {concat("", [lower(p), "/"]) | some p in ann.haproxy_ingress_prefixes}

# A configured list replaces the default (none); non-string entries are ignored,
# and a value that is not a list falls back to the default.
dangerous := {lower(k) | some k in list; is_string(k)} if {
	list := k8s.setting(["ingress", "dangerousAnnotations"], [])
	is_array(list)
} else := set()
