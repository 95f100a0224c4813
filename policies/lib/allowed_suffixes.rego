# METADATA
# title: Host suffixes allowed per namespace
# description: >-
#   data.apiguard.config.ingress.allowedHostSuffixes, a map from a namespace (or
#   "*" for every other namespace) to a list of host suffixes, read as
#   ingress.allowed_hosts and httproute.no_wildcard_hostname read it: a
#   namespace's own entry replaces the "*" entry; with neither (or a value that
#   is not a list) every host is allowed; an empty list allows none. Suffixes are
#   compared in lower case, without a leading "*" or a trailing dot, and always on
#   a DNS label boundary: ".example.com" (or "*.example.com") matches strict
#   subdomains, "example.com" also the domain itself; neither matches
#   badexample.com. Not a policy: it defines no deny, violation, warn or patch
#   rule.
package lib.allowed_suffixes

import data.lib.kubernetes as k8s

suffix_config := c if {
	c := k8s.setting(["ingress", "allowedHostSuffixes"], null)
	is_object(c)
}

configured := s if {
	s := suffix_config[k8s.namespace]
	is_array(s)
} else := s if {
	s := suffix_config["*"]
	is_array(s)
}

# suffixes is the normalised set for the object's namespace; undefined when no list
# applies (every host allowed).
suffixes := {s |
	some raw in configured
	is_string(raw)
	s := trim_suffix(trim_prefix(lower(trim_space(raw)), "*"), ".")
	not s in {"", "."}
} if {
	is_array(configured)
}

# allowed(host) holds when no list applies, or host is under one of the suffixes.
allowed(_) if not restricted

allowed(host) if {
	some s in suffixes
	matches(lower(trim_suffix(host, ".")), s)
}

restricted if suffixes

matches(host, suffix) if {
	startswith(suffix, ".")
	endswith(host, suffix)
	host != suffix
}

matches(host, suffix) if {
	not startswith(suffix, ".")
	host == suffix
}

matches(host, suffix) if {
	not startswith(suffix, ".")
	endswith(host, concat("", [".", suffix]))
}

text := "none" if {
	count(suffixes) == 0
} else := concat(", ", sort(suffixes))
