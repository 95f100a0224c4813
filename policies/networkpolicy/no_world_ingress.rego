# METADATA
# title: NetworkPolicy must not admit ingress from a large part of the internet
# description: >-
#   What a policy opens is the union of the ipBlock CIDRs of all its ingress
#   peers, each minus its own excepts (lib.net), not each CIDR alone: two /1s,
#   sixteen /4s or two hundred /8s open the internet as surely as 0.0.0.0/0.
#   Denies when that union admits more globally reachable IPv4 or IPv6 space
#   than a bound: data.apiguard.config.networkpolicy.publicIngressBound.ipv4
#   (default 16: at most as many public addresses as one /16) and .ipv6
#   (default 48). Private, CGNAT, loopback, link-local, ULA, documentation,
#   benchmarking, multicast and reserved ranges are not public. IPv4-mapped
#   IPv6 (::ffff:0:0/96) and the NAT64 prefix 64:ff9b::/96 count as IPv4
#   space. Without publicIngressBound, the older minPrefixLength (and
#   minPrefixLengthIPv6) still work: minPrefixLength N denied a public /N or
#   broader, so it sets the bound to a /(N+1), now for the union. An ipBlock,
#   cidr or except the policy cannot read fails closed: the API server
#   validates them, but audit and CLI inputs need not be, and before
#   Kubernetes 1.36 it accepted leading zeros (010.0.0.0/8) that readers
#   disagree on. Namespaces matching a glob in worldIngressNamespaces (default
#   []) are exempt. Ingress rules of a policy whose policyTypes leave out
#   Ingress have no effect and are not checked.
# custom:
#   kinds: [NetworkPolicy]
#   severity: high
#   field: spec.ingress
#   remediation: >-
#     Allow only the client CIDRs that need access (together no more public
#     space than the bound), carve out ranges with except, or select the
#     ingress controller with a namespaceSelector/podSelector.
package networkpolicy.no_world_ingress

import data.lib.kubernetes as k8s
import data.lib.net

deny contains msg if {
	# Most policies open nothing public: the bounds (configuration) and the
	# message are only worked out for a family that opens something.
	some key, open in opened
	open > 0
	some f in families
	f.key == key
	open > f.max
	msg := sprintf(
		"%s: the ipBlocks of spec.ingress together admit %s public %s addresses (the size of a /%d or more), more than the bound of %s (networkpolicy.publicIngressBound.%s); they come from %s. Allow only the client CIDRs that need access, carve out ranges with except, or select the ingress controller with a namespaceSelector/podSelector",
		[k8s.display, size_text(open, f), f.name, net.prefix_of_size(open, f.width), bound_text(f), f.key, sources(f)],
	)
}

deny contains msg if {
	some b in blocks
	not is_object(b.block)
	msg := sprintf(
		"%s: spec.ingress[%d].from[%d].ipBlock is not an object with a cidr, so the sources it admits cannot be judged and the policy fails closed; write ipBlock: {cidr: <client CIDR>}",
		[k8s.display, b.i, b.j],
	)
}

deny contains msg if {
	some k, p in peers
	parsed.cidrs[k] == null
	problem := net.cidr_problem(p.cidr)
	msg := sprintf(
		"%s: spec.ingress[%d].from[%d].ipBlock.cidr %s %s, so the sources it admits cannot be judged and the policy fails closed; write a CIDR such as 203.0.113.0/24 or 2001:db8::/48",
		[k8s.display, p.i, p.j, shown(p.cidr), problem],
	)
}

# The excepts of a readable cidr were parsed with it (bad_excepts); those of an
# unreadable one are read here.
deny contains except_message(peers[x[0]], x[1]) if {
	some x in parsed.bad
}

deny contains except_message(p, k) if {
	some m, p in peers
	parsed.cidrs[m] == null
	is_array(p.except)
	some k, _ in p.except
}

except_message(p, k) := sprintf(
	"%s: spec.ingress[%d].from[%d].ipBlock.except[%d] %s %s, so the policy fails closed; write a CIDR inside the ipBlock's cidr, such as 203.0.113.0/25",
	[k8s.display, p.i, p.j, k, shown(p.except[k]), problem],
) if {
	problem := net.cidr_problem(p.except[k])
}

applies if {
	k8s.is_check
	k8s.group == "networking.k8s.io"
	k8s.kind == "NetworkPolicy"
	ingress_enforced
	not k8s.namespace_in(exempt_namespaces)
}

# blocks lists every spec.ingress[i].from[j].ipBlock that is set (a null
# ipBlock decodes to an unset one), in field order. An array, not a set: OPA
# hashes small composite values poorly, and a partial set of 10,000 of them
# takes seconds.
# (A rule that is not an object has no from, nor a peer an ipBlock; a from that
# is not an array is read as none, as k8s.array_at does, but inline: a
# function call per rule costs more than the walk.)
blocks := [{"i": i, "j": j, "block": peer.ipBlock} |
	applies
	some i, rule in k8s.array_at(k8s.spec, "ingress")
	from := rule.from
	is_array(from)
	some j, peer in from
	peer.ipBlock != null
]

# peers are the ipBlocks that are objects, for lib.net, which skips a cidr it
# cannot read (the rules above report it), and an except that is not an
# array. parsed reads each once.
peers := [{"i": b.i, "j": b.j, "cidr": object.get(b.block, "cidr", null), "except": object.get(b.block, "except", [])} |
	some b in blocks
	is_object(b.block)
]

# Most NetworkPolicies have no ipBlock at all: then nothing is read.
parsed := net.parse_peers(peers) if {
	count(peers) > 0
} else := {"cidrs": [], "excepts": [], "bad": []}

# opened counts, per family, the public addresses the ipBlocks admit together
# (lib.net's union), or 0 when they cannot exceed the bound. The union is exact
# but not cheap, and most policies admit a few client ranges: when the readable
# CIDRs together hold no more addresses than the smaller of the two bounds,
# neither family's public part of their union can exceed its bound (excepts
# only carve, and the NAT64 projection moves addresses without adding any), so
# there is nothing to measure.
opened := {"ipv4": 0, "ipv6": 0} if {
	count(peers) == 0
} else := {"ipv4": 0, "ipv6": 0} if {
	sum([net.pow2_table[128 - c.len] | some c in parsed.cidrs; c != null]) <= min([ipv4_max, ipv6_max])
} else := net.open_parsed(parsed, count(peers))

families := [
	{"key": "ipv4", "name": "IPv4", "width": 32, "max": ipv4_max, "v6": false},
	{"key": "ipv6", "name": "IPv6", "width": 128, "max": ipv6_max, "v6": true},
]

bound_text(f) := sprintf("one /%d", [f.width - (count(bits) - 1)]) if {
	f.max > 0
	bits := [k | some k in numbers.range(0, f.width); net.pow2_table[k] <= f.max]
} else := "no public addresses"

# A count of IPv6 addresses is too long to read; the prefix size says enough.
size_text(n, f) := sprintf("%d", [n]) if not f.v6

else := "many"

shown(v) := sprintf("%q", [v]) if is_string(v)

else := sprintf("%v", [v])

# sources names up to three peers whose cidr reaches public space of the family.
sources(f) := concat(", ", array.concat(named, more)) if {
	hits := [k | some k in public_peers; overlaps(parsed.cidrs[k], f)]
	named := [sprintf("spec.ingress[%d].from[%d].ipBlock.cidr %q", [peers[k].i, peers[k].j, peers[k].cidr]) | some k in array.slice(hits, 0, 3)]
	more := [sprintf("%d more", [count(hits) - 3]) | count(hits) > 3]
}

# public_peers are the indexes of the readable peers whose CIDR lies inside no
# single non-public range.
public_peers := [k |
	some k, c in parsed.cidrs
	c != null
	not net.inside_non_public(c)
]

# overlaps holds when a CIDR overlaps the family's part of the unified space
# (IPv4: the mapped block or the NAT64 prefix).
overlaps(c, f) if {
	some r in family_ranges[f.key]
	c.lo <= r[1]
	c.last >= r[0]
}

# Closed ranges of limbs (lib.net); IPv6 is what lies outside the IPv4 block.
family_ranges := {
	"ipv4": [[net.mapped_first, net.mapped_last], [net.nat64_first, net.nat64_last]],
	"ipv6": [[net.space_first, net.before_mapped], [net.after_mapped, net.space_last]],
}

# Ingress is enforced when policyTypes is unset (the API server then always
# includes Ingress) or lists it.
ingress_enforced if count(policy_types) == 0

ingress_enforced if "Ingress" in policy_types

policy_types := k8s.array_at(k8s.spec, "policyTypes")

valid_prefix_setting(v, width) if {
	is_number(v)
	v == floor(v)
	v >= 0
	v <= width
}

# ipv4_max and ipv6_max are the most public addresses a policy may admit:
# publicIngressBound.<family> P allows as many as one /P. Without it, the
# legacy minPrefixLength N (which denied a public /N or broader) allows a
# /(N+1), or nothing at all when N is the family width or more. Else the
# default: a /16 of IPv4, a /48 of IPv6.
ipv4_max := bound_max(["networkpolicy", "publicIngressBound", "ipv4"], ["networkpolicy", "minPrefixLength"], 32, 16)

ipv6_max := bound_max(["networkpolicy", "publicIngressBound", "ipv6"], legacy_ipv6_key, 128, 48)

legacy_ipv6_key := ["networkpolicy", "minPrefixLengthIPv6"] if {
	valid_prefix_setting(k8s.setting(["networkpolicy", "minPrefixLengthIPv6"], null), 128)
} else := ["networkpolicy", "minPrefixLength"]

bound_max(key, legacy, width, fallback) := net.pow2(width - v) if {
	v := k8s.setting(key, null)
	valid_prefix_setting(v, width)
} else := m if {
	v := k8s.setting(legacy, null)
	valid_prefix_setting(v, 128)
	m := legacy_max(v, width)
} else := net.pow2(width - fallback)

legacy_max(n, width) := net.pow2((width - 1) - n) if n < width

else := 0

# Malformed configuration (not a list of strings) means no exemptions.
exempt_namespaces := globs if {
	globs := k8s.setting(["networkpolicy", "worldIngressNamespaces"], [])
	is_array(globs)
	every g in globs {
		is_string(g)
	}
} else := []
