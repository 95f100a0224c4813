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
#   IPv4 clients to IPv6-only pods, counts as the IPv4 space it embeds.
#   Addresses are three limbs of at most 48 bits and ranges are closed
#   ({lo, last}); only the final sizes are big integers (OPA's are arbitrary
#   precision for + - * %, the tests assert it), so sizes are exact up to
#   2^128; nothing is divided. Cost: a constant number of sorts and linear
#   comprehensions, so O(n log n) in the number of CIDRs (no pairwise
#   comparison, no recursion,
#   no net.cidr_merge, which panics on IPv4-mapped input, and no
#   net.cidr_expand, which the engine removes). Not a policy: it defines no
#   deny, violation, warn or patch rule.
package lib.net

pow2(k) := bits.lsh(1, k)

# An address is held as three limbs [bits 127..80, bits 79..32, bits 31..0],
# each small enough for OPA's int64 fast paths: a big integer is compared by
# parsing its decimal text and hashed through a float64 (so distinct large
# integers collide in sets and object keys), which made a first version of this
# library take seconds on a thousand CIDRs. Only the final sizes are big
# integers. A range is closed: [lo, last].

# The IPv4-mapped block ::ffff:0:0/96, where IPv4 lives in the unified space.
mapped_first := [0, 65535, 0]

mapped_last := [0, 65535, 4294967295]

# The addresses either side of the IPv4-mapped block.
before_mapped := [0, 65534, 4294967295]

after_mapped := [0, 65536, 0]

# The NAT64 well-known prefix 64:ff9b::/96: groups 0x0064, 0xff9b, 0.
nat64_first := [(100 * 4294967296) + (65435 * 65536), 0, 0]

nat64_last := [(100 * 4294967296) + (65435 * 65536), 0, 4294967295]

space_first := [0, 0, 0]

space_last := [281474976710655, 281474976710655, 4294967295]

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

non_public := [[c.lo, c.last] | some s in non_public_cidrs; c := parse_cidr(s)]

# inside_non_public(c) holds when the range c ({lo, last}) lies inside one
# non-public range. The ranges are grouped by bucket (bits 31..28 of an IPv4
# address, bits 127..121 of any other), each inside one bucket (every IPv4 one
# is a /4 or longer, every other a /7 or longer), so a range inside one is in
# the bucket of its first address and only that bucket's few are compared.
inside_non_public(c) if {
	some r in object.get(non_public_by_bucket, bucket(c.lo), [])
	r[0] <= c.lo
	c.last <= r[1]
}

non_public_by_bucket := {k: [r | some r in non_public; bucket(r[0]) == k] | some r0 in non_public; k := bucket(r0[0])}

bucket(a) := bits.rsh(a[2], 28) if {
	a[0] == 0
	a[1] == 65535
} else := 16 + bits.rsh(a[0], 41)

# parse_cidr reads a CIDR string as the API server does (netutils.ParseCIDRSloppy,
# which masks away host bits: 1.2.3.4/0 is 0.0.0.0/0) and returns
# {"lo", "last", "len", "v6"}: the first and last address (as limbs) and the
# prefix length in the unified 128-bit space, and whether it was written in IPv6
# notation (IPv4-mapped included). Undefined for anything Go's net.ParseCIDR
# rejects: see cidr_problem.
parse_cidr(s) := c if {
	c := cidr_or_null(s)
	c != null
}

# cidr_or_null is parse_cidr, or null where that is undefined.
cidr_or_null(s) := {"lo": [0, 65535, lo], "last": [0, 65535, lo + ipv4_host_mask[plen]], "len": 96 + plen, "v6": false} if {
	# IPv4 first, with as few builtin calls as possible: it is read once per
	# cidr and except, thousands of times in a large policy. Go's
	# net.ParseCIDR refuses leading zeros in IPv4 octets, so to_number reads
	# them; a prefix length may have them ("/08").
	is_string(s)
	not contains(s, ":")
	net.cidr_is_valid(s)
	o := split(replace(s, "/", "."), ".")
	count(o) == 5
	plen := prefix_length[trim_left(o[4], "0")]
	plen <= 32
	v := (((to_number(o[0]) * 16777216) + (to_number(o[1]) * 65536)) + (to_number(o[2]) * 256)) + to_number(o[3])
	lo := bits.and(v, ipv4_net_mask[plen])
} else := c if {
	is_string(s)
	contains(s, ":")
	net.cidr_is_valid(s)
	parts := split(s, "/")
	count(parts) == 2
	c := parse_parts(parts[0], prefix_length[trim_left(parts[1], "0")])
} else := null

# prefix_length reads a prefix length once its leading zeros are trimmed.
prefix_length := object.union({"": 0}, {format_int(k, 10): k | some k in numbers.range(1, 128)})

# ipv4_host_mask[n] has the 32-n host bits of an IPv4 /n set, ipv4_net_mask[n]
# the n network bits.
ipv4_host_mask := [(pow2(32 - n) - 1) | some n in numbers.range(0, 32)]

ipv4_net_mask := [(4294967295 - m) | some m in ipv4_host_mask]

parse_parts(addr, plen) := {"lo": lo, "last": last, "len": plen, "v6": true} if {
	contains(addr, ":")
	plen <= 128
	g := v6_groups(addr)
	count(g) == 8
	limbs := [
		((g[0] * 4294967296) + (g[1] * 65536)) + g[2],
		((g[3] * 4294967296) + (g[4] * 65536)) + g[5],
		(g[6] * 65536) + g[7],
	]
	host := 128 - plen
	sizes := [pow2(min([max([host - 80, 0]), 48])), pow2(min([max([host - 32, 0]), 48])), pow2(min([host, 32]))]
	lo := [(limbs[k] - (limbs[k] % sizes[k])) | some k in [0, 1, 2]]
	last := [((lo[k] + sizes[k]) - 1) | some k in [0, 1, 2]]
}

# decimal reads digits, leading zeros included (to_number refuses "08"). Only
# for parts of a string net.cidr_is_valid accepted, so they are digits.
decimal(d) := 0 if trim_left(d, "0") == ""

else := to_number(trim_left(d, "0"))

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
open_public(peers) := open_parsed(parse_peers(peers), count(peers))

# parse_peers reads every cidr and except once, in flat arrays: "cidrs" has
# parse_cidr's result (or null) per peer, "excepts" the excepts that carve,
# as above, as [peer index, lo, last, prefix length], and "bad" the excepts of
# readable cidrs that do not parse, as [peer index, except index].
parse_peers(peers) := {"cidrs": cidrs, "excepts": excepts, "bad": bad} if {
	n := count(peers)
	all_excepts := [[k, m, s] | some k, p in peers; some m, s in p.except]
	read := read_all(array.concat([object.get(p, "cidr", null) | some p in peers], [x[2] | some x in all_excepts]))
	cidrs := array.slice(read, 0, n)
	read_excepts := array.slice(read, n, count(read))
	excepts := [[x[0], e.lo, e.last, e.len] |
		some i, x in all_excepts
		e := read_excepts[i]
		e != null
		c := cidrs[x[0]]
		c != null
		e.v6 == c.v6
		e.lo >= c.lo
		e.last <= c.last
		e.len > c.len
	]
	bad := [[x[0], x[1]] | some i, x in all_excepts; read_excepts[i] == null; cidrs[x[0]] != null]
}

# read_all(strs) is [cidr_or_null(s) | some s in strs], with the IPv4 CIDRs
# (all but a few in practice) read together: joined into one JSON text of
# [a, b, c, d, prefix length] arrays (leading zeros of the prefix length
# trimmed; Go's net.ParseCIDR refuses them in octets) and decoded by one
# json.unmarshal, instead of a dozen builtin calls and a function call each.
read_all(strs) := [read[i] | some i, _ in strs] if {
	v4 := [i | some i, s in strs; is_string(s); not contains(s, ":"); net.cidr_is_valid(s)]
	text := replace(replace(concat("],[", [strs[i] | some i in v4]), ".", ","), "/", ",")
	nums := json.unmarshal(concat("", ["[[", regex.replace(text, `,0+([0-9])`, ",$1"), "]]"]))
	fast := {i: {"lo": [0, 65535, lo], "last": [0, 65535, lo + ipv4_host_mask[o[4]]], "len": 96 + o[4], "v6": false} |
		some j, i in v4
		o := nums[j]
		o[4] <= 32
		lo := bits.and((((o[0] * 16777216) + (o[1] * 65536)) + (o[2] * 256)) + o[3], ipv4_net_mask[o[4]])
	}
	read := object.union(fast, {i: cidr_or_null(s) | some i, s in strs; not fast[i]})
}

# open_parsed is open_public on parse_peers' result; n is the number of peers
# given to parse_peers (ids of NAT64 projections start there). The part of a
# range inside 64:ff9b::/96 is moved onto the IPv4 addresses it embeds, as a
# range of its own.
open_parsed(parsed, n) := {"ipv4": v4, "ipv6": v6} if {
	readable := [[k, c.lo, c.last] | some k, c in parsed.cidrs; c != null]

	# A range that ends below the NAT64 prefix's first limb (any IPv4 one)
	# cannot touch it: tested inline, before a function call.
	projected := [[x[0] + n, project_first(x[1]), project_last(x[2])] |
		some x in readable
		x[2][0] >= nat64_first[0]
		touches_nat64(x)
	]
	excepts := array.concat(parsed.excepts, [[x[0] + n, project_first(x[1]), project_last(x[2]), max([x[3], 96])] |
		some x in parsed.excepts
		x[2][0] >= nat64_first[0]
		touches_nat64(x)
	])
	comps := union_components(array.concat(readable, projected), maximal_excepts(excepts))

	# Components inside the IPv4 block (most) are measured inline; the others
	# by length and mapped_length.
	v4_only := sum([(((c[1][2] + c[1][3]) - c[0][2]) - c[0][3]) |
		some c in comps
		c[0][1] == 65535
		c[1][1] == 65535
		c[0][0] == 0
		c[1][0] == 0
	])
	others := array.concat(
		[c | some c in comps; c[0] < mapped_start_event],
		[c | some c in comps; c[0] >= mapped_start_event; c[1] > mapped_end_event],
	)
	in_mapped := v4_only + sum([mapped_length(c) | some c in others])
	hidden := [[length(r), in_mapped_block(r[0])] | some r in non_public_overlaps(comps)]
	v4 := in_mapped - sum([x[0] | some x in hidden; x[1]])
	v6 := (sum([length(c) | some c in others]) - sum([mapped_length(c) | some c in others])) - sum([x[0] | some x in hidden; not x[1]])
}

# touches_nat64 holds when a range [id, lo, last, ...] overlaps 64:ff9b::/96.
touches_nat64(x) if {
	x[1] <= nat64_last
	x[2] >= nat64_first
}

project_first(a) := [0, 65535, a[2]] if a >= nat64_first

else := mapped_first

project_last(a) := [0, 65535, a[2]] if a <= nat64_last

else := mapped_last

# Sweep keys are [limbs..., tag]: tag 0 is the boundary before the address,
# tag 1 the one after it (the end of a closed range), so key [a, 1] is the
# boundary a+1 and sorts before [a+1, 0]. Events add a kind: 0 opens a range,
# 1 closes one; at equal keys opening comes first, so the running count never
# dips below its value either side.
#
# The running count (how many ranges cover the addresses after an event) needs
# no prefix sum: in the sorted events, an opening event at index t that is the
# i-th opening one has i+1 openings and t-i closings at or before it, so the
# count after it is 2i+1-t. Listing the opening events' indexes in sorted
# order gives i.
opening(events) := [t | some t, e in events; e[4] == 0]

# union_components returns the union of the peers' cidrs, each minus its
# maximal excepts, as disjoint [start key, end key] pairs in ascending order: a
# cidr opens at its first address and closes after its last, an except the
# other way round. A component starts where the count rises to 1 (t == 2i)
# and ends at the event just before the next component starts (between two
# components the count is 0, so that is the closing event that brought it
# there), the last one at the last event.
union_components(ranges, excepts) := [[events[t], events[ends[k]]] | some k, t in starts] if {
	events := sort(array.concat(
		array.concat(
			[[r[1][0], r[1][1], r[1][2], 0, 0] | some r in ranges],
			[[r[2][0], r[2][1], r[2][2], 1, 1] | some r in ranges],
		),
		array.concat(
			[[e[2][0], e[2][1], e[2][2], 1, 0] | some e in excepts],
			[[e[1][0], e[1][1], e[1][2], 0, 1] | some e in excepts],
		),
	))
	starts := [t | some i, t in opening(events); t == 2 * i]
	ends := array.concat([(t - 1) | some t in array.slice(starts, 1, count(starts))], [count(events) - 1])
}

# non_public_overlaps returns the parts of the disjoint, ascending components
# that lie in a non-public range, as [start key, end key] pairs: components and
# non-public ranges are each disjoint, so the count reaches 2 exactly where
# both cover, after an opening event (t == 2i-1), until the next event.
non_public_overlaps(comps) := [[events[t], events[t + 1]] | some i, t in opening(events); t == (2 * i) - 1] if {
	events := sort(array.concat(
		array.concat(
			[c[0] | some c in comps],
			[c[1] | some c in comps],
		),
		non_public_events,
	))
}

non_public_events := array.concat(
	[[r[0][0], r[0][1], r[0][2], 0, 0] | some r in non_public],
	[[r[1][0], r[1][1], r[1][2], 1, 1] | some r in non_public],
)

# A non-public range lies wholly inside or wholly outside the IPv4 block.
in_mapped_block(key) if {
	key[0] == 0
	key[1] == 65535
} else := false

# mapped_length is how much of a component lies in the IPv4 block.
mapped_length(c) := length([a, z]) if {
	a := max([c[0], mapped_start_key])
	z := min([c[1], mapped_end_key])
	a < z
} else := 0

mapped_start_key := array.concat(mapped_first, [0])

mapped_end_key := array.concat(mapped_last, [1])

# A component runs from an opening event (kind 0) to a closing one (kind 1).
mapped_start_event := array.concat(mapped_start_key, [0])

mapped_end_event := array.concat(mapped_end_key, [1])

# length(s) is the number of addresses between the boundaries s[0] and s[1].
length(s) := ((s[1][2] - s[0][2]) + s[1][3]) - s[0][3] if {
	s[0][0] == s[1][0]
	s[0][1] == s[1][1]
} else := ((((s[1][0] - s[0][0]) * pow2(80)) + ((s[1][1] - s[0][1]) * pow2(32))) + ((s[1][2] - s[0][2]) + s[1][3])) - s[0][3]

# maximal_excepts keeps, per peer, the excepts no other except of the same peer
# contains (a duplicate counts once), so that each address is subtracted at
# most once per peer. Events start with the peer id, so peers sort apart; an
# except opens at [id, lo..., 0, prefix length] (at one start, the longest
# first) and closes at [id, last..., 1]. It is maximal iff no except of its
# peer covers its start, i.e. the count before its opening event is 0: as the
# i-th opening event at index t it has i openings and t-i closings before it,
# so 2i == t. CIDR ranges nest or are disjoint, so covering its start means
# containing it.
maximal_excepts(excepts) := [events[t][6] | some i, t in opening(events); t == 2 * i] if {
	events := sort(array.concat(
		[[e[0], e[1][0], e[1][1], e[1][2], 0, e[3], e] | some e in excepts],
		[[e[0], e[2][0], e[2][1], e[2][2], 1] | some e in excepts],
	))
}

# public_v4_total and public_v6_total are the globally reachable space of each
# family: what 0.0.0.0/0 and ::/0 (without the IPv4 block) open.
public_v4_total := open_public([{"cidr": "0.0.0.0/0"}]).ipv4

public_v6_total := open_public([{"cidr": "::/0", "except": ["::ffff:0:0/96"]}]).ipv6

# prefix_of_size is the shortest prefix length l such that a /l of a family of
# width bits holds no more than n addresses: n addresses are "the size of a /l
# or more". For messages.
prefix_of_size(n, bits) := bits - count([k | some k in numbers.range(1, bits); pow2(k) <= n])
