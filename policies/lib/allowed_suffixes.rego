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

# normalized holds every configured list normalised, keyed as the configuration
# is (a namespace, or "*"); entries that are not lists are left out. It reads
# data alone, so the webhook computes it once per revision (PolicySet.Fold), not
# per request.
normalized := {key: {s |
	some raw in list
	is_string(raw)
	s := trim_suffix(trim_prefix(lower(trim_space(raw)), "*"), ".")
	not s in {"", "."}
} |
	some key, list in suffix_config
	is_array(list)
}

# tails_by_key holds, per key, the endings a host under one of its suffixes has:
# ".example.com" for both "example.com" and ".example.com" (which differ only in
# whether the domain itself matches: matches decides that).
tails_by_key := {key: tails_of(listed) | some key, listed in normalized}

tails_of(listed) := {s | some s in listed; startswith(s, ".")} | {concat("", [".", s]) |
	some s in listed
	not startswith(s, ".")
}

# entry is the key whose list applies: the namespace's own, else "*".
entry := k8s.namespace if {
	normalized[k8s.namespace]
} else := "*" if {
	normalized["*"]
}

# suffixes is the normalised set for the object's namespace; undefined when no list
# applies (every host allowed).
suffixes := normalized[entry]

# tails are the endings of suffixes (tails_by_key), for a quick first test.
tails := tails_by_key[entry]

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
