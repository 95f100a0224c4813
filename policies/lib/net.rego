# METADATA
# title: CIDR arithmetic as NetworkPolicy ipBlocks are read
# description: >-
#   How much public address space a set of NetworkPolicy ipBlock peers opens:
#   the UNION of their cidrs, each minus its own excepts, minus the address
#   space that is not globally reachable. Everything is done in one 128-bit
#   space where an IPv4 CIDR a.b.c.d/n is the IPv4-mapped block
#   ::ffff:a.b.c.d/(96+n), so ::ffff:0:0/96 and 0.0.0.0/0 are the same
#   addresses, and an IPv6 CIDR that covers the mapped block (::/0, ::/1)
#   counts as IPv4 space too. The NAT64 well-known prefix 64:ff9b::/96
#   (RFC 6052), through which a translator (RFC 7915, SIIT-DC RFC 7755) shows
#   IPv4 clients to IPv6-only pods, counts as the IPv4 space it embeds. OPA
#   integers are arbitrary precision for + - * %, comparison and sort (the
#   tests assert it), so sizes are exact addresses up to 2^128; nothing is
#   divided. Cost: a constant number of sorts and linear comprehensions, so
#   O(n log n) in the number of CIDRs (no pairwise comparison, no recursion,
#   no net.cidr_merge, which panics on IPv4-mapped input, and no
#   net.cidr_expand, which the engine removes). Not a policy: it defines no
#   deny, violation, warn or patch rule.
package lib.net

pow2(k) := bits.lsh(1, k)

# The IPv4-mapped block ::ffff:0:0/96, where IPv4 lives in the unified space.
mapped_lo := 65535 * pow2(32)

mapped_hi := mapped_lo + pow2(32)

# The NAT64 well-known prefix 64:ff9b::/96 (0x0064ff9b = 6619035).
nat64_lo := 6619035 * pow2(96)

nat64_hi := nat64_lo + pow2(32)

space_end := pow2(128)

# non_public lists the ranges that are not globally reachable, as sources an
# ingress rule could meet from the internet: the IANA IPv4 and IPv6
# Special-Purpose Address Registries' "Globally Reachable: False" blocks
# (RFC 6890 and updates), plus multicast, which is never a unicast source.
# They are disjoint. 192.0.0.0/24 and 2001::/23 are left public: they hold
# globally reachable sub-blocks.
non_public_cidrs := [
	"0.0.0.0/8", # "this network" (RFC 791), never a valid source
	"10.0.0.0/8", # RFC 1918
	"100.64.0.0/10", # shared address space, CGNAT (RFC 6598)
	"127.0.0.0/8", # loopback
	"169.254.0.0/16", # link-local, including cloud metadata endpoints
	"172.16.0.0/12", # RFC 1918
	"192.0.2.0/24", # TEST-NET-1 (RFC 5737)
	"192.168.0.0/16", # RFC 1918
	"198.18.0.0/15", # benchmarking (RFC 2544)
	"198.51.100.0/24", # TEST-NET-2 (RFC 5737)
	"203.0.113.0/24", # TEST-NET-3 (RFC 5737)
	"224.0.0.0/4", # multicast (RFC 5771), never a source
	"240.0.0.0/4", # reserved (RFC 1112), including limited broadcast
	"::/128", # unspecified
	"::1/128", # loopback
	"64:ff9b::/96", # NAT64: counted as the IPv4 space it embeds, not as IPv6
	"2001:db8::/32", # documentation (RFC 3849)
	"3fff::/20", # documentation (RFC 9637)
	"fc00::/7", # unique local addresses (RFC 4193)
	"fe80::/10", # link-local
	"ff00::/8", # multicast, never a source
]

non_public := [[c.lo, c.hi] | some s in non_public_cidrs; c := parse_cidr(s)]

# parse_cidr reads a CIDR string as the API server does (netutils.ParseCIDRSloppy,
# which masks away host bits: 1.2.3.4/0 is 0.0.0.0/0) and returns
# {"lo", "hi", "len", "v6"}: the half-open range [lo, hi) and prefix length in
# the unified 128-bit space, and whether it was written in IPv6 notation
# (IPv4-mapped included). Undefined for anything Go's net.ParseCIDR rejects:
# see cidr_problem.
parse_cidr(s) := c if {
	is_string(s)
	net.cidr_is_valid(s)
	parts := split(s, "/")
	count(parts) == 2
	c := parse_parts(parts[0], decimal(parts[1]))
}

parse_parts(addr, plen) := {"lo": lo, "hi": lo + size, "len": 96 + plen, "v6": false} if {
	not contains(addr, ":")
	plen <= 32
	o := [decimal(x) | some x in split(addr, ".")]
	count(o) == 4
	v := ((((o[0] * 256) + o[1]) * 256 + o[2]) * 256) + o[3]
	size := pow2(32 - plen)
	lo := (mapped_lo + v) - (v % size)
}

parse_parts(addr, plen) := {"lo": lo, "hi": lo + size, "len": plen, "v6": true} if {
	contains(addr, ":")
	plen <= 128
	g := v6_groups(addr)
	count(g) == 8
	v := sum([(x * pow2(16 * (7 - i))) | some i, x in g])
	size := pow2(128 - plen)
	lo := v - (v % size)
}

# decimal reads digits, leading zeros included (to_number refuses "08").
decimal(d) := 0 if {
	regex.match(`^0+$`, d)
} else := to_number(trim_left(d, "0")) if {
	regex.match(`^[0-9]+$`, d)
}

v6_groups(addr) := groups_of(addr) if not contains(addr, "::")

v6_groups(addr) := g if {
	halves := split(addr, "::")
	count(halves) == 2
	head := groups_of(halves[0])
	tail := groups_of(halves[1])
	zeros := (8 - count(head)) - count(tail)
	g := array.concat(array.concat(head, [z | some k in numbers.range(1, 8); k <= zeros; z := 0]), tail)
}

groups_of("") := []

groups_of(part) := [x | some piece in split(part, ":"); some x in piece_groups(piece)] if part != ""

# A dotted IPv4 tail (::ffff:1.2.3.4) is two groups.
piece_groups(piece) := [(o[0] * 256) + o[1], (o[2] * 256) + o[3]] if {
	contains(piece, ".")
	o := [decimal(x) | some x in split(piece, ".")]
	count(o) == 4
}

piece_groups(piece) := [hex_value(piece)] if not contains(piece, ".")

hex_digits := {
	"0": 0, "1": 1, "2": 2, "3": 3, "4": 4, "5": 5, "6": 6, "7": 7,
	"8": 8, "9": 9, "a": 10, "b": 11, "c": 12, "d": 13, "e": 14, "f": 15,
}

hex_value(h) := sum([(hex_digits[d] * pow2(4 * ((n - 1) - i))) | some i, d in digits]) if {
	digits := split(lower(h), "")
	n := count(digits)
}

# cidr_problem says why a value is not a CIDR this library can read, for a
# fail-closed message; undefined when parse_cidr reads it.
cidr_problem(s) := "is not a string" if not is_string(s)

else := "has leading zeros, which netutils.ParseCIDRSloppy reads as decimal, libc's inet_aton as octal and Go's net.ParseCIDR not at all; Kubernetes 1.36+ rejects them (StrictIPCIDRValidation)" if {
	not net.cidr_is_valid(s)
	regex.match(`^[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+/[0-9]+$`, s)
	regex.match(`(^|[./])0[0-9]`, s)
}

else := "is not a CIDR (address/prefix length)" if not parse_cidr(s)

# open_public returns {"ipv4": n4, "ipv6": n6}: how many globally reachable
# IPv4 and IPv6 addresses the union of the peers admits. peers is an array of
# {"cidr": string, "except": [string]}. A peer whose cidr does not parse adds
# nothing (the caller reports it and fails closed). An except carves out
# addresses only when it parses, is written in the same notation as its cidr
# (IPv4 dotted, or IPv6 including IPv4-mapped: a CNI may apply the two
# notations to different traffic) and lies strictly inside it, as
# ValidateIPBlock requires; any other except is ignored, which can only make
# the result larger.
open_public(peers) := {"ipv4": v4, "ipv6": v6} if {
	parsed := [p | some k, peer in peers; p := parsed_peer(k, peer)]
	n := count(peers)
	projected := [p | some q in parsed; p := nat64_projection(q, n)]
	all_peers := array.concat(parsed, projected)
	excepts := maximal_excepts(all_peers)
	segs := admitted_segments(all_peers, excepts)
	v4 := sum([(s[1] - s[0]) | some s in segs; s[0] >= mapped_lo; s[1] <= mapped_hi])
	v6 := sum([(s[1] - s[0]) | some s in segs; not in_mapped(s)])
}

in_mapped(s) if {
	s[0] >= mapped_lo
	s[1] <= mapped_hi
}

parsed_peer(k, peer) := {"id": k, "cidr": [c.lo, c.hi], "excepts": e} if {
	c := parse_cidr(peer.cidr)
	e := [[x.lo, x.hi] |
		some s in except_list(peer)
		x := parse_cidr(s)
		x.v6 == c.v6
		x.lo >= c.lo
		x.hi <= c.hi
		x.len > c.len
	]
}

except_list(peer) := e if {
	e := peer.except
	is_array(e)
} else := []

# nat64_projection is the part of peer q inside 64:ff9b::/96, moved onto the
# IPv4 addresses it embeds, as a peer of its own (id offset by n).
nat64_projection(q, n) := {"id": q.id + n, "cidr": project(q.cidr), "excepts": e} if {
	touches_nat64(q.cidr)
	e := [project(x) | some x in q.excepts; touches_nat64(x)]
}

touches_nat64(r) if {
	r[0] < nat64_hi
	r[1] > nat64_lo
}

project(r) := [(max([r[0], nat64_lo]) - nat64_lo) + mapped_lo, (min([r[1], nat64_hi]) - nat64_lo) + mapped_lo]

# maximal_excepts keeps, per peer, the excepts no other except of the same peer
# contains (a duplicate counts once), so that each address is subtracted at
# most once per peer. Ranges of distinct peers are moved apart by id * 2^130.
# Sorted by (start, -end), an except is maximal iff its index equals the number
# of same-peer excepts that end at or before its start: every earlier one that
# does not end by then contains it (CIDR ranges nest or are disjoint). Those
# counts come from one merged sort, not from comparing pairs.
maximal_excepts(peers) := [[x[3], x[4]] | some m, x in sorted; m == ended[x[0]]] if {
	shift := pow2(130)
	xs := [[(p.id * shift) + e[0], (p.id * shift) + e[1], e[0], e[1]] | some p in peers; some e in p.excepts]
	sorted := sort([[x[0], 0 - x[1], x[1], x[2], x[3]] | some x in xs])
	ended := count_at_or_before([x[1] | some x in xs], sort({x[0] | some x in xs}))
}

# count_at_or_before(values, points): for each point of the sorted, duplicate-free
# array points, how many of values are <= it. One sort of both: a value sorts
# before an equal point (tag 0 < 1), so a point's index in the merged order minus
# its index among the points is that count.
count_at_or_before(values, points) := {m[0]: (t - rank[m[0]]) | some t, m in merged; m[1] == 1} if {
	rank := {q: i | some i, q in points}
	merged := sort(array.concat([[v, 0] | some v in values], [[q, 1] | some q in points]))
}

# admitted_segments sweeps the unified space: at each boundary, the number of
# peers admitting the addresses that follow is (cidr starts + except ends) minus
# (cidr ends + except starts) at or before it; a segment counts when that is
# positive and no non-public range covers it. The IPv4 block's edges are
# boundaries, so no segment straddles the two families.
admitted_segments(peers, excepts) := [[b[k], b[k + 1]] |
	some k in numbers.range(0, count(b) - 2)
	(up[b[k]] - down[b[k]]) > 0
	np_up[b[k]] == np_down[b[k]]
] if {
	cidrs := [p.cidr | some p in peers]
	starts := array.concat([c[0] | some c in cidrs], [e[1] | some e in excepts])
	ends := array.concat([c[1] | some c in cidrs], [e[0] | some e in excepts])
	edges := {x | some r in non_public; some x in r}
	b := sort((({x | some x in starts} | {x | some x in ends}) | edges) | {0, mapped_lo, mapped_hi, space_end})
	up := count_at_or_before(starts, b)
	down := count_at_or_before(ends, b)
	np_up := count_at_or_before([r[0] | some r in non_public], b)
	np_down := count_at_or_before([r[1] | some r in non_public], b)
}

# public_v4_total and public_v6_total are the globally reachable space of each
# family: what 0.0.0.0/0 and ::/0 (without the IPv4 block) open.
public_v4_total := open_public([{"cidr": "0.0.0.0/0"}]).ipv4

public_v6_total := open_public([{"cidr": "::/0", "except": ["::ffff:0:0/96"]}]).ipv6

# prefix_of_size is the shortest prefix length l such that a /l of a family of
# width bits holds no more than n addresses: n addresses are "the size of a /l
# or more". For messages.
prefix_of_size(n, bits) := bits - count([k | some k in numbers.range(1, bits); pow2(k) <= n])
