# METADATA
# title: Istio semantics shared by the istio.* checks
# description: >-
#   How istiod reads the security.istio.io and networking.istio.io kinds
#   (istio.io/api v1.32.0; every served version of these kinds, v1, v1beta1
#   and for networking v1alpha3, has the same schema): configuration under
#   data.apiguard.config.istio, the mesh root namespace, an
#   AuthorizationPolicy's action (absent is ALLOW) and scope (selector,
#   targetRef/targetRefs), which rules match every request (istio/istio
#   pilot/pkg/security/authz/model/model.go New: an empty from, to or when
#   list, a from without a source, a source, operation or condition whose
#   lists are all empty add no matcher, and an empty matcher list becomes
#   `any: true`; matcher/string.go: "*" is the regex ".+"), whether policies
#   require a request principal, the namespace-wide mTLS mode from the
#   PeerAuthentication inventory, DestinationRule hosts to namespaces, and
#   every TLS settings block of a DestinationRule. Not a policy: it defines
#   no deny, violation, warn or patch rule.
package lib.istio

import data.lib.kubernetes as k8s
import data.lib.net

# --- configuration -------------------------------------------------------------

setting(key, fallback) := k8s.setting(["istio", key], fallback)

# root_namespace is meshConfig.rootNamespace (istio-system unless configured).
root_namespace := ns if {
	ns := setting("rootNamespace", "istio-system")
	is_string(ns)
	ns != ""
} else := "istio-system"

# exempt(key) holds when the object's namespace matches a glob of the list
# data.apiguard.config.istio.<key>.
exempt(key) if {
	patterns := setting(key, [])
	is_array(patterns)
	k8s.namespace_in(patterns)
}

security if k8s.group == "security.istio.io"

networking if k8s.group == "networking.istio.io"

# --- scope ----------------------------------------------------------------------

# action: "The default action is ALLOW" (istio.io/api
# security/v1beta1/authorization_policy.proto; ALLOW is the enum's zero value).
action(p) := a if {
	a := p.action
	is_string(a)
	a != ""
} else := "ALLOW"

# match_labels is selector.matchLabels, or {}. An empty or absent matchLabels
# selects every workload (istiod builds labels.Instance from it and an empty
# instance is a subset of every workload's labels).
match_labels(p) := l if {
	l := p.selector.matchLabels
	is_object(l)
} else := {}

# target_refs folds targetRef into targetRefs (the CRD allows one of them).
target_refs(p) := array.concat(list, single) if {
	list := [r | some r in k8s.array_at(p, "targetRefs"); is_object(r)]
	single := [r | r := p.targetRef; is_object(r)]
}

# ref_key compares references: the group "" and "core" are the same
# (authorization_policy.proto targetRefs), kinds and names are exact.
ref_key(r) := sprintf("%s/%s/%s", [ref_group(r), object.get(r, "kind", ""), object.get(r, "name", "")])

ref_group(r) := "" if object.get(r, "group", "") in {"", "core"}

else := r.group

# gateway_class_target holds for a policy that targets a GatewayClass, which
# from the root namespace reaches every Gateway of the class, in every
# namespace (authorization_policy.proto targetRefs).
gateway_class_target(p) if {
	some r in target_refs(p)
	r.kind == "GatewayClass"
	ref_group(r) == "gateway.networking.k8s.io"
}

# namespace_wide holds for a policy without a selector that selects anything
# and without targetRefs: it applies to every workload of its namespace, and
# in the root namespace to every workload of the mesh.
namespace_wide(p) if {
	count(match_labels(p)) == 0
	count(target_refs(p)) == 0
}

# labels_subset(a, b) holds when every label of a is in b with the same value:
# a selector a then selects every workload selector b selects.
labels_subset(a, b) if {
	every k, v in a {
		b[k] == v
	}
}

# labels_compatible(a, b) holds when a workload could carry both.
labels_compatible(a, b) if {
	every k, v in a {
		object.get(b, k, v) == v
	}
}

# --- AuthorizationPolicy rules that match every request -------------------------

positive_source := ["principals", "requestPrincipals", "namespaces", "ipBlocks", "remoteIpBlocks", "serviceAccounts", "trustDomains"]

negative_source := ["notPrincipals", "notRequestPrincipals", "notNamespaces", "notIpBlocks", "notRemoteIpBlocks", "notServiceAccounts", "notTrustDomains"]

ip_fields := {"ipBlocks", "remoteIpBlocks"}

source(f) := s if {
	s := f.source
	is_object(s)
} else := {}

operation(t) := o if {
	o := t.operation
	is_object(o)
} else := {}

# rule_matches_all holds for a rule that matches every request (model.go New):
# its from, to and when each match everything.
rule_matches_all(rule) if {
	is_object(rule)
	from_open(rule)
	to_open(rule)
	when_open(rule)
}

from_open(rule) if count(k8s.array_at(rule, "from")) == 0

from_open(rule) if {
	some f in k8s.array_at(rule, "from")
	source_open(source(f))
}

source_open(s) if {
	every key in positive_source {
		positive_open(s, key)
	}
	every key in negative_source {
		count(k8s.array_at(s, key)) == 0
	}
}

positive_open(s, key) if count(k8s.array_at(s, key)) == 0

positive_open(s, key) if {
	key in ip_fields
	world_blocks(k8s.array_at(s, key))
}

to_open(rule) if count(k8s.array_at(rule, "to")) == 0

to_open(rule) if {
	some t in k8s.array_at(rule, "to")
	operation_open(operation(t))
}

operation_open(o) if {
	every key in ["hosts", "methods", "paths"] {
		values_open(o, key)
	}
	count(k8s.array_at(o, "ports")) == 0
	every key in ["notHosts", "notMethods", "notPaths", "notPorts"] {
		count(k8s.array_at(o, key)) == 0
	}
}

values_open(o, key) if count(k8s.array_at(o, key)) == 0

values_open(o, key) if {
	some v in k8s.array_at(o, key)
	any_value(key, v)
}

# "*" is the regex ".+" (matcher/string.go StringMatcherWithPrefix), which
# every host, method and path matches; "/*" is the prefix "/" every path has;
# "/{**}" is the path template matching every path.
any_value(_, "*")

any_value("paths", "/*")

any_value("paths", "/{**}")

when_open(rule) if {
	every c in k8s.array_at(rule, "when") {
		condition_open(c)
	}
}

# A condition whose values and notValues are both empty adds no matcher
# (model.go appendLast), when its key is one istiod knows (an unknown key makes
# New fail, and an ALLOW rule that fails is dropped).
condition_open(c) if {
	known_key(c.key)
	count(k8s.array_at(c, "values")) == 0
	count(k8s.array_at(c, "notValues")) == 0
}

condition_open(c) if {
	c.key in {"source.ip", "remote.ip"}
	count(k8s.array_at(c, "notValues")) == 0
	world_blocks(k8s.array_at(c, "values"))
}

known_keys := {
	"destination.ip", "destination.port", "connection.sni", "source.ip", "remote.ip",
	"source.namespace", "source.principal", "request.auth.principal",
	"request.auth.audiences", "request.auth.presenter", "any",
}

known_key(k) if k in known_keys

known_key(k) if {
	is_string(k)
	some prefix in ["request.headers", "request.auth.claims", "experimental.envoy.filters."]
	startswith(k, prefix)
}

# world_blocks holds when the CIDRs cover every public IPv4 address or every
# public IPv6 address (lib.net: 0.0.0.0/0, two /1s, ::/0 ...). Single
# addresses are never the world and are not read.
world_blocks(values) if {
	peers := [{"cidr": v, "except": []} | some v in values; is_string(v); contains(v, "/")]
	count(peers) > 0
	opened := net.open_public(peers)
	world_covered(opened)
}

world_covered(opened) if opened.ipv4 >= world.ipv4

world_covered(opened) if opened.ipv6 >= world.ipv6

world := net.open_public([{"cidr": "::/0", "except": []}])

# --- wildcard identities ---------------------------------------------------------

# any_principal: "*" is ".+" (every mTLS identity); "<trust domain>/*" and
# "<trust domain>/ns/*" are prefixes every workload of the trust domain has.
any_principal(v) if v == "*"

any_principal(v) if {
	is_string(v)
	regex.match(`^[^/*]*/(ns/)?\*$`, v)
}

# any_namespace: srcNamespaceGenerator (model/generator.go) writes the value
# into the regex ".*/ns/<value>/.*" with every "*" replaced by ".*": only
# stars match every namespace, and a character no namespace name has (".",
# "+", "[", "(" ...) is read as regex syntax.
any_namespace(v) if {
	is_string(v)
	trim(v, "*") == ""
}

any_namespace(v) if {
	is_string(v)
	regex.match(`[^a-z0-9*-]`, v)
}

# --- request principals (RequestAuthentication with AuthorizationPolicy) ---------

# rule_requires_principal: a request without a token has no request principal
# and no request.auth.* attribute, so it fails a rule whose every from
# requires requestPrincipals, or that has a when on request.auth.* with
# values. A when read from the inventory keeps only its key: it counts.
rule_requires_principal(r) if {
	froms := k8s.array_at(r, "from")
	count(froms) > 0
	every f in froms {
		count(k8s.array_at(source(f), "requestPrincipals")) > 0
	}
}

rule_requires_principal(r) if {
	some c in k8s.array_at(r, "when")
	is_string(c.key)
	startswith(c.key, "request.auth.")
	condition_requires(c)
}

condition_requires(c) if count(k8s.array_at(c, "values")) > 0

condition_requires(c) if {
	not "values" in object.keys(c)
	not "notValues" in object.keys(c)
}

# allow_requires_principal: no rule of an ALLOW policy lets a request without
# a token through (a policy without rules allows nothing).
allow_requires_principal(p) if {
	every r in k8s.array_at(p, "rules") {
		rule_requires_principal(r)
	}
}

# deny_requires_principal: a DENY rule with notRequestPrincipals matches a
# request without a token (Istio's "require a valid token" pattern).
deny_requires_principal(p) if {
	some r in k8s.array_at(p, "rules")
	some f in k8s.array_at(r, "from")
	count(k8s.array_at(source(f), "notRequestPrincipals")) > 0
}

# --- RequestAuthentication and AuthorizationPolicy pairs --------------------------
#
# ra is a RequestAuthentication's spec or its inventory entry (selector,
# targetRef(s)), ns its namespace, and by_ns AuthorizationPolicies by
# namespace (specs or inventory entries, with name and action).

# pair_entries are the policies that can apply to ra's workloads: those of its
# namespace and of the root namespace (only its own namespace for targetRefs,
# which name objects of the policy's namespace).
pair_entries(ra, ns, by_ns) := [{"ns": pns, "p": p} |
	some pns in pair_namespaces(ra, ns)
	list := by_ns[pns]
	is_array(list)
	some p in list
	is_object(p)
]

pair_namespaces(ra, ns) := {ns} if count(target_refs(ra)) > 0

else := {ns, root_namespace}

ref_keys(p) := {ref_key(r) | some r in target_refs(p)}

# pair_covers: the policy applies to every workload ra applies to.
pair_covers(ra, ns, e) if {
	own := ref_keys(ra)
	count(own) > 0
	e.ns == ns
	count(own - ref_keys(e.p)) == 0
}

pair_covers(ra, _, e) if {
	count(target_refs(ra)) == 0
	count(match_labels(ra)) > 0
	count(target_refs(e.p)) == 0
	labels_subset(match_labels(e.p), match_labels(ra))
}

pair_covers(ra, _, e) if {
	count(target_refs(ra)) == 0
	count(match_labels(ra)) == 0
	namespace_wide(e.p)
}

# pair_may_apply: the policy may apply to some workload ra applies to.
pair_may_apply(ra, _, e) if {
	count(target_refs(ra)) > 0
	count(target_refs(e.p)) == 0
}

pair_may_apply(ra, ns, e) if {
	e.ns == ns
	count(ref_keys(ra) & ref_keys(e.p)) > 0
}

pair_may_apply(ra, _, e) if {
	count(target_refs(ra)) == 0
	count(target_refs(e.p)) == 0
	labels_compatible(match_labels(e.p), match_labels(ra))
}

# principal_required holds when a request without a token is rejected at
# ra's workloads: a covering DENY requires one, or a covering ALLOW exists and
# no ALLOW that may apply lets a tokenless request through.
principal_required(ra, ns, by_ns) if {
	some e in pair_entries(ra, ns, by_ns)
	action(e.p) == "DENY"
	pair_covers(ra, ns, e)
	deny_requires_principal(e.p)
}

principal_required(ra, ns, by_ns) if {
	entries := pair_entries(ra, ns, by_ns)
	some e in entries
	action(e.p) == "ALLOW"
	pair_covers(ra, ns, e)
	count(pair_openers(ra, ns, entries)) == 0
}

# pair_openers names the ALLOW policies that may apply to ra's workloads and
# have a rule a request without a token can match.
pair_openers(ra, ns, entries) := {sprintf("%s/%s", [e.ns, object.get(e.p, "name", "?")]) |
	some e in entries
	action(e.p) == "ALLOW"
	pair_may_apply(ra, ns, e)
	not allow_requires_principal(e.p)
}

authorization_policies := p if {
	p := inventory.authorizationPolicies
	is_object(p)
} else := {}

request_authentications := p if {
	p := inventory.requestAuthentications
	is_object(p)
} else := {}

# --- PeerAuthentication modes ---------------------------------------------------

inventory := i if {
	i := data.apiguard.inventory.istio
	is_object(i)
} else := {}

peer_authentications(ns) := l if {
	l := inventory.peerAuthentications[ns]
	is_array(l)
} else := []

# namespace_modes(ns): the modes set by the namespace-wide PeerAuthentications
# of ns (UNSET and absent inherit).
namespace_modes(ns) := {m |
	some pa in peer_authentications(ns)
	is_object(pa)
	count(match_labels(pa)) == 0
	m := pa.mode
	m in {"STRICT", "PERMISSIVE", "DISABLE"}
}

# strict_namespace: the namespace's own namespace-wide mode is STRICT, or it
# sets none and the root namespace's (mesh-wide) is STRICT. With several
# namespace-wide policies istiod keeps the oldest, which the inventory does
# not tell: any STRICT one counts.
strict_namespace(ns) if "STRICT" in namespace_modes(ns)

strict_namespace(ns) if {
	count(namespace_modes(ns)) == 0
	"STRICT" in namespace_modes(root_namespace)
}

# --- DestinationRule hosts -------------------------------------------------------

cluster_domains := d if {
	d := k8s.setting(["service", "clusterDomains"], ["cluster.local"])
	is_array(d)
} else := ["cluster.local"]

# host_namespace(host, own) is the namespace of the Service a DestinationRule
# host names, "*" for a wildcard over every namespace; undefined for other
# names (ServiceEntry hosts, external FQDNs). istiod expands only a short
# name, with the rule's own namespace (pilot/pkg/model/config.go
# ResolveShortnameToFQDN); the other forms are the Service's DNS names.
host_namespace(host, own) := ns if {
	is_string(host)
	h := lower(trim_suffix(host, "."))
	ns := host_ns(split(h, "."), h, own)
}

host_ns(parts, h, own) := own if {
	count(parts) == 1
	h != "*"
}

host_ns(_, h, _) := "*" if h == "*"

host_ns(_, h, _) := "*" if {
	some d in cluster_domains
	h in {concat(".", ["*", "svc", d]), concat(".", ["*", d])}
}

host_ns(_, h, _) := ns if {
	some d in cluster_domains
	suffix := concat("", [".svc.", d])
	endswith(h, suffix)
	rest := split(trim_suffix(h, suffix), ".")
	count(rest) == 2
	ns := rest[1]
	ns != "*"
}

host_ns(parts, _, _) := parts[1] if {
	count(parts) == 3
	parts[2] == "svc"
	parts[1] != "*"
}

host_ns(parts, _, _) := parts[1] if {
	count(parts) == 2
	parts[1] != "*"
	parts[0] != "*"
	not parts[1] in {"svc", "local"}
}

# dr_tls_settings lists every TLS settings block of a DestinationRule:
# trafficPolicy, its portLevelSettings, and each subset's, as {"subset": index
# or -1, "port": index or -1, "tls": settings}; tls_path names one.
dr_tls_settings(spec) := array.concat(top, subsets) if {
	top := policy_tls(object.get(spec, "trafficPolicy", {}), -1)
	subsets := [x |
		some i, s in k8s.array_at(spec, "subsets")
		is_object(s)
		some x in policy_tls(object.get(s, "trafficPolicy", {}), i)
	]
}

policy_tls(tp, subset) := array.concat(own, ports) if {
	is_object(tp)
	own := [{"subset": subset, "port": -1, "tls": tp.tls} | is_object(tp.tls)]
	ports := [{"subset": subset, "port": j, "tls": p.tls} |
		some j, p in k8s.array_at(tp, "portLevelSettings")
		is_object(p)
		is_object(p.tls)
	]
} else := []

# tls_path is the field path of a dr_tls_settings entry, for messages.
tls_path(s) := concat("", [policy_path(s.subset), port_path(s.port), ".tls"])

policy_path(-1) := "spec.trafficPolicy"

policy_path(i) := sprintf("spec.subsets[%d].trafficPolicy", [i]) if i >= 0

port_path(-1) := ""

port_path(j) := sprintf(".portLevelSettings[%d]", [j]) if j >= 0

# --- Gateway ---------------------------------------------------------------------

# gateway_selector is an Istio Gateway's spec.selector (a plain label map).
gateway_selector := s if {
	s := k8s.spec.selector
	is_object(s)
} else := {}

# public_gateway holds unless istio.publicGateways is set and no entry of it
# could select the same gateway pods: an entry is a label map, and it matches
# when no label of it is set to another value in the Gateway's selector (a
# Gateway without a selector reaches every gateway workload). Unset: every
# Gateway is public.
public_gateway if not is_array(setting("publicGateways", null))

public_gateway if {
	some entry in setting("publicGateways", [])
	is_object(entry)
	labels_compatible(entry, gateway_selector)
}

# protocol is the server port's protocol in upper case (istiod parses it
# case-insensitively, pkg/config/protocol/instance.go Parse).
protocol(server) := upper(p) if {
	p := server.port.protocol
	is_string(p)
} else := ""

# plain_http_protocols serve HTTP in clear text on a Gateway server: the
# protocols IsHTTP holds for (istio/istio pkg/config/protocol/instance.go).
plain_http_protocols := {"HTTP", "HTTP2", "HTTP_PROXY", "GRPC", "GRPC-WEB"}

tls_protocols := {"HTTPS", "TLS"}

# server_dns is the dnsName part of a Gateway host ("namespace/dnsName" or
# "dnsName"), in lower case.
server_dns(h) := lower(parts[count(parts) - 1]) if {
	is_string(h)
	parts := split(h, "/")
}

# hosts_overlap(a, b) holds when a request for some name can match both
# Gateway dnsNames: equal, "*", or a "*.suffix" wildcard matching the other
# (Istio wildcards match any number of labels).
hosts_overlap(a, a)

hosts_overlap(a, _) if a == "*"

hosts_overlap(_, b) if b == "*"

hosts_overlap(a, b) if wildcard_covers(a, b)

hosts_overlap(a, b) if wildcard_covers(b, a)

wildcard_covers(w, h) if {
	startswith(w, "*.")
	endswith(h, trim_prefix(w, "*"))
}

# dot_tails(h) are the suffixes of h that begin at one of its dots, up to 255
# characters long: ".b.example.com", ".example.com" and ".com" for "a.b.example.com".
# For a string s beginning with "." and at most 255 characters long, endswith(h, s)
# holds exactly when s is one of them, so wildcard_covers(w, h) holds when
# trim_prefix(w, "*") is a dot tail of h: a set lookup, where comparing every pair of
# hosts would be O(n^2). Istio rejects a host name longer than 255 characters
# (istio/istio pkg/config/validation/agent/validation.go CheckDNS1123Preconditions,
# "too long (max 255)"), so no wildcard it serves has a longer suffix; the bound keeps
# one very long name from costing O(length^2). Each tail is a substring of h's last 255
# characters (indexof_n and substring both count characters).
dot_tails(h) := {substring(w, p, -1) |
	w := last_chars(h, 255)
	some p in indexof_n(w, ".")
}

last_chars(h, n) := substring(h, count(h) - n, -1) if count(h) > n

else := h
