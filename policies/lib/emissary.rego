# METADATA
# title: How Emissary-ingress reads a Mapping, Host and TLSContext
# description: >-
#   Emissary-ingress semantics shared by the emissary.* policies, each from Emissary's
#   own source (emissary-ingress/emissary, python/ambassador/ir): which Hosts a Mapping
#   attaches to and which requests it takes (irhost.py matches_httpgroup, irutils.py
#   hostglob_matches, selector_matches), how a Host's hostname and selector default
#   (irhost.py setup), how a Mapping's service picks plain HTTP or TLS to the upstream
#   and which host it names (ircluster.py IRCluster.__init__, irbasemapping.py
#   normalize_service_name), and the
#   TLS versions Emissary accepts (irtlscontext.py AllowedTLSVersions). Only
#   getambassador.io/v3alpha1 objects are read: the v2 and v1 schemas differ (v2 CORS
#   origins may be one comma-separated string) and kubernetes.known_api_version denies
#   them. Not a policy: it defines no deny, violation, warn or patch rule.
package lib.emissary

import data.lib.address
import data.lib.kubernetes as k8s

# --- Kinds ------------------------------------------------------------------------

# v3 holds for a getambassador.io request in the version the pack judges.
v3 if {
	k8s.group == "getambassador.io"
	k8s.version == "v3alpha1"
}

mapping if {
	k8s.kind == "Mapping"
	v3
}

host if {
	k8s.kind == "Host"
	v3
}

tlscontext if {
	k8s.kind == "TLSContext"
	v3
}

# --- Host names -----------------------------------------------------------------

# host_hostname is the hostname a Host answers for. IRHost.setup: `if not
# self.get("hostname", None): self.hostname = "*"`, so an absent or empty hostname
# is "*".
host_hostname := h if {
	h := k8s.spec.hostname
	is_string(h)
	h != ""
} else := "*"

# any_host(glob) holds for a DNS glob that matches every host name:
# hostglob_matches returns True at once when either glob is "*". Compared exactly,
# as Emissary does.
any_host(glob) if glob == "*"

# mapping_host_rule is how a Mapping selects Hosts and :authority values:
#   {"type": "glob", "value": hostname}  spec.hostname (wins over spec.host when both
#                                        are set: the CRD's description of hostname)
#   {"type": "regex", "value": host}     spec.host with host_regex: true: the Mapping
#                                        attaches to every Host (matches_httpgroup:
#                                        `if group_regex: host_match = True`) and Envoy
#                                        matches :authority against the regex
#   {"type": "exact", "value": host}     spec.host without host_regex
#   {"type": "none"}                     neither: the Mapping attaches only to Hosts whose
#                                        mappingSelector selects its labels
mapping_host_rule := {"type": "glob", "value": h} if {
	h := k8s.spec.hostname
	is_string(h)
	h != ""
} else := {"type": "regex", "value": h} if {
	h := k8s.spec.host
	is_string(h)
	k8s.spec.host_regex == true
} else := {"type": "exact", "value": h} if {
	h := k8s.spec.host
	is_string(h)
	h != ""
} else := {"type": "none"}

# mapping_any_host holds when the Mapping attaches to every Host and takes every
# :authority: hostname "*", or a host regex that matches any host name.
mapping_any_host if {
	rule := mapping_host_rule
	rule.type == "glob"
	any_host(rule.value)
}

mapping_any_host if {
	rule := mapping_host_rule
	rule.type == "regex"
	regex_matches_all(rule.value, sample_hosts)
}

# hostname with host_regex: true. Whether Emissary applies host_regex to hostname
# depends on how the IR normalises hostname into host (matches_httpgroup reads
# group.host and group.host_regex); a hostname that is a match-all regex is read as
# one, since it is no meaningful glob either.
mapping_any_host if {
	k8s.spec.host_regex == true
	regex_matches_all(k8s.spec.hostname, sample_hosts)
}

# Unrelated host names (and the empty string, which a regex like ".*" also takes):
# a regex that fully matches all of them is read as matching any host.
sample_hosts := ["attacker.invalid", "shop.example.com:8443", "x", "127.0.0.1"]

# regex_matches_all(pattern, samples) holds when the RE2 pattern, matched as a whole
# (Envoy's safe_regex), matches every sample. An invalid pattern matches nothing
# (Emissary's Envoy configuration is refused, so it serves nothing).
regex_matches_all(pattern, samples) if {
	is_string(pattern)
	full := concat("", ["^(?:", pattern, ")$"])
	regex.is_valid(full)
	every s in samples {
		regex.match(full, s)
	}
}

# --- Paths -----------------------------------------------------------------------

# mapping_all_paths holds when the Mapping's prefix takes every path: "/" or "" as
# a prefix (Envoy's prefix match; prefix_exact: true makes it an exact match of "/"
# only), or a prefix_regex: true pattern that matches any path.
mapping_all_paths if {
	not k8s.spec.prefix_regex == true
	not k8s.spec.prefix_exact == true
	k8s.spec.prefix in {"/", ""}
}

mapping_all_paths if {
	k8s.spec.prefix_regex == true
	regex_matches_all(k8s.spec.prefix, sample_paths)
}

sample_paths := ["/", "/admin", "/api/v1/users/42", "/.well-known/x"]

# --- Upstream service ----------------------------------------------------------------

# service_tls holds when Emissary originates TLS to the Mapping's service:
# IRCluster.__init__ originates TLS for a service starting with "https://"
# (case-insensitive, not trimmed), or when a TLS context is named (spec.tls, a
# TLSContext name in v3alpha1), whatever the scheme ("Originate-TLS context ...
# being used even though service lists HTTP"). Anything else, a bare host:port and
# "http://" included, is plain HTTP to the upstream.
service_tls if startswith(lower(k8s.spec.service), "https://")

service_tls if {
	t := k8s.spec.tls
	is_string(t)
	t != ""
}

# service_host is the host the Mapping's service names, lower case, without
# scheme, user info, port, path or a trailing dot: IRCluster strips the scheme (any
# "scheme://") and parses the rest as urllib.parse.urlparse("random://" + service).
service_host := h if {
	s := k8s.spec.service
	is_string(s)
	rest := strip_scheme(s)
	authority := split(split(split(rest, "/")[0], "?")[0], "#")[0]
	parts := split(authority, "@")
	hostport := parts[count(parts) - 1]
	h := trim_suffix(lower(bare_host(hostport)), ".")
}

strip_scheme(s) := substring(s, indexof(s, "://") + 3, -1) if contains(s, "://")

else := s

# bare_host drops the port: "[v6]:port" keeps what is inside the brackets.
bare_host(hp) := substring(hp, 1, indexof(hp, "]") - 1) if {
	startswith(hp, "[")
	contains(hp, "]")
} else := regex.replace(hp, `:[0-9]*$`, "")

# in_cluster(h, namespaces, domains) holds when the service host h stays inside the
# cluster: a name without a dot that is no address (a Service of the Mapping's namespace, which
# normalize_service_name qualifies with it, or a Consul service name), a *.svc or
# *.svc.<cluster domain> name (domains), "<service>.<namespace>" (Emissary's documented form)
# for a namespace that is the Mapping's own or listed in namespaces (globs), and an
# address that is not publicly routable (a ClusterIP, a pod, loopback). A two-label
# name of another namespace reads the same as "example.com", so it is not trusted
# unless configured.
in_cluster(h, _, _) if {
	not contains(h, ".")
	not contains(h, ":")
	not host_address(h)
}

in_cluster(h, _, _) if endswith(h, ".svc")

in_cluster(h, _, domains) if {
	some d in domains
	is_string(d)
	endswith(h, concat("", [".svc.", lower(trim_suffix(d, "."))]))
}

in_cluster(h, namespaces, _) if {
	labels := split(h, ".")
	count(labels) == 2
	ns := labels[1]
	namespace_ok(ns, namespaces)
}

in_cluster(h, _, _) if address.non_public(host_address(h))

# host_address is the address a resolver reads h as: an IPv4 or IPv6 literal, or a
# numeric name inet_aton accepts ("2130706433", "0x7f000001", "127.1"); undefined for
# other names.
host_address(h) := address.ip_range(h) if contains(h, ":")

else := address.inet_aton_range(h)

namespace_ok(ns, _) if ns == k8s.namespace

namespace_ok(ns, patterns) if {
	some p in patterns
	is_string(p)
	glob.match(p, [], ns)
}

# --- TLS -------------------------------------------------------------------------

# weak_tls_versions are the spellings Emissary accepts (AllowedTLSVersions; the
# TLSContext CRD enum) that name a version below TLS 1.2. Emissary writes them into
# Envoy's tls_minimum/maximum_protocol_version as TLSv1_0 and TLSv1_1.
weak_tls_versions := {"v1.0", "v1.1"}

# cors_any_origin(origin) holds for a v3alpha1 cors.origins entry that lets any web
# page in. IRCORS turns each entry into an exact matcher (python/ambassador/ir/ircors.py:
# `[{"exact": origin} for origin in origins]`), and Envoy's CORS filter allows every
# origin when a matcher matches the string "*" (envoyproxy/envoy
# source/extensions/filters/http/cors/cors_filter.cc isOriginAllowed) and then echoes
# the caller's origin; "null" is the origin of sandboxed iframes and file: pages, which
# any attacker can produce. With v2CommaSeparatedOrigins: true an entry is stored in
# the v2 storage version as one comma-separated string and split on "," when read
# back, so each comma-separated part is judged too (trimmed, to be safe).
cors_any_origin(origin) if {
	is_string(origin)
	some part in split(origin, ",")
	trim_space(part) in {"*", "null"}
}

# --- Host mapping selectors ------------------------------------------------------

# host_selector is the selector a Host attaches Mappings with: spec.mappingSelector,
# or the deprecated spec.selector when mappingSelector is absent or empty (irhost.py
# setup: `mapsel = self.get("mappingSelector", None); if not mapsel: mapsel =
# self.get("selector", None)`; Python reads an empty dict as false).
host_selector := ["spec.mappingSelector", s] if {
	s := k8s.spec.mappingSelector
	is_object(s)
	count(s) > 0
} else := ["spec.selector", s] if {
	s := k8s.spec.selector
	is_object(s)
	count(s) > 0
}

# selector_matches_all holds for a selector Emissary matches to every Mapping:
# irutils.py selector_matches reads only matchLabels and returns True when it is
# empty or absent ("If there's no matchLabels to match, return True"), whatever
# matchExpressions says.
selector_matches_all(s) if {
	labels := object.get(s, "matchLabels", {})
	not non_empty_object(labels)
}

non_empty_object(o) if {
	is_object(o)
	count(o) > 0
}
