# METADATA
# title: IP addresses and CIDRs as Kubernetes and resolvers read them
# description: >-
#   Parsing without the net.* builtins (removed at compile time). An address is
#   {"family": 4 or 6, "words": [...]}: IPv4 as four bytes, IPv6 as eight 16-bit
#   groups, so that Rego's ordering of arrays orders addresses. Kubernetes reads
#   spec.externalIPs and loadBalancerSourceRanges with k8s.io/utils/net
#   ParseIPSloppy / ParseCIDRSloppy, which take IPv4 parts with leading zeros as
#   decimal ("010.0.0.1" is 10.0.0.1); parse_ip and parse_cidr do the same. A
#   resolver reads a host name that looks like a number with inet_aton (glibc
#   resolv/inet_addr.c), which also takes one to four parts, hex (0x7f) and octal
#   (0177) parts, and a last part that fills the remaining bytes ("127.1",
#   "2130706433", "0x7f000001" are 127.0.0.1); inet_aton_ip reads those.
#   Non-public space (non_public) is RFC 1918, loopback, link-local, CGNAT
#   (100.64.0.0/10), "this network" (0.0.0.0/8) and IPv6 loopback, link-local and
#   ULA (fc00::/7). Not a policy: it defines no deny, violation, warn or patch
#   rule.
package lib.address

# 2^n for the widths used here (0..16 bits).
pow2 := [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384, 32768, 65536]

hex_digits := {
	"0": 0, "1": 1, "2": 2, "3": 3, "4": 4, "5": 5, "6": 6, "7": 7, "8": 8, "9": 9,
	"a": 10, "b": 11, "c": 12, "d": 13, "e": 14, "f": 15,
}

# digits_value(s, base) is the value of the digit string s in base (digits already
# checked against the base).
digits_value(s, base) := v if {
	chars := split(lower(s), "")
	n := count(chars)
	v := sum([(hex_digits[c] * power(base, (n - 1) - i)) | some i, c in chars])
}

# power(b, e) for small non-negative integer exponents.
power(b, e) := v if {
	e > 0
	v := product([b | some _ in numbers.range(1, e)])
}

else := 1

# parse_ip(s) is the address s spells, for dotted-decimal IPv4 (leading zeros read
# as decimal, as ParseIPSloppy does) and IPv6 (with "::", and a dotted IPv4 tail);
# undefined for anything else.
parse_ip(s) := {"family": 4, "words": v4} if {
	is_string(s)
	v4 := parse_v4(s)
}

parse_ip(s) := {"family": 6, "words": v6} if {
	is_string(s)
	contains(s, ":")
	v6 := parse_v6(lower(s))
}

parse_v4(s) := words if {
	regex.match(`^[0-9]{1,3}(\.[0-9]{1,3}){3}$`, s)
	words := [decimal(p) | some p in split(s, ".")]
	every w in words {
		w <= 255
	}
}

# decimal(p) reads a string of decimal digits, leading zeros included.
decimal(p) := 0 if trim_left(p, "0") == ""

else := to_number(trim_left(p, "0"))

parse_v6(s) := words if {
	regex.match(`^[0-9a-f:.]+$`, s)
	not contains(s, ":::")
	halves := split(s, "::")
	count(halves) <= 2
	groups := [v6_groups(h) | some h in halves]
	every g in groups {
		is_array(g)
	}
	words := v6_join(groups)
	count(words) == 8
}

# v6_groups(h) is the 16-bit groups of one side of "::" (an IPv4 tail is two
# groups); undefined when a group is malformed.
v6_groups(h) := [] if h == ""

v6_groups(h) := groups if {
	h != ""
	parts := split(h, ":")
	last := parts[count(parts) - 1]
	heads := [digits_value(p, 16) | some p in array.slice(parts, 0, count(parts) - 1); regex.match(`^[0-9a-f]{1,4}$`, p)]
	count(heads) == count(parts) - 1
	tail := v6_tail(last)
	groups := array.concat(heads, tail)
}

v6_tail(p) := [digits_value(p, 16)] if regex.match(`^[0-9a-f]{1,4}$`, p)

v6_tail(p) := [(v[0] * 256) + v[1], (v[2] * 256) + v[3]] if v := parse_v4(p)

v6_join(groups) := groups[0] if count(groups) == 1

v6_join(groups) := words if {
	count(groups) == 2
	missing := (8 - count(groups[0])) - count(groups[1])
	missing >= 1
	zeros := [0 | some _ in numbers.range(1, missing)]
	words := array.concat(array.concat(groups[0], zeros), groups[1])
}

# width is the bits per word of a family.
width(4) := 8

width(6) := 16

bits(4) := 32

bits(6) := 128

# parse_cidr(s) is {"family", "first", "last"}: the range the CIDR s covers (its
# host bits are ignored, as ParseCIDRSloppy ignores them); undefined when s is not a
# CIDR. A bare address is not a CIDR: Kubernetes rejects one in
# loadBalancerSourceRanges.
parse_cidr(s) := r if {
	is_string(s)
	[addr, len] := split(s, "/")
	regex.match(`^[0-9]{1,3}$`, len)
	ip := parse_ip(addr)
	r := range_of(ip, to_number(len))
}

# parse_ip_or_cidr(s) reads a CIDR, or a bare address as a single-address range.
parse_ip_or_cidr(s) := parse_cidr(s) if contains(s, "/")

else := range_of(ip, bits(ip.family)) if ip := parse_ip(s)

range_of(ip, prefix) := {"family": ip.family, "first": first, "last": last} if {
	prefix <= bits(ip.family)
	w := width(ip.family)
	host := [host_bits(prefix, i, w) | some i, _ in ip.words]
	first := [(ip.words[i] - (ip.words[i] % pow2[h])) | some i, h in host]
	last := [((first[i] + pow2[h]) - 1) | some i, h in host]
}

# host_bits is how many low bits of word i lie outside the prefix.
host_bits(prefix, i, w) := w if prefix <= i * w

else := 0 if prefix >= (i + 1) * w

else := ((i + 1) * w) - prefix

# in_range(ip, r) holds when the address lies in the range.
in_range(ip, r) if {
	ip.family == r.family
	r.first <= ip.words
	ip.words <= r.last
}

# range_within(inner, outer) holds when every address of inner lies in outer.
range_within(inner, outer) if {
	inner.family == outer.family
	outer.first <= inner.first
	inner.last <= outer.last
}

non_public_cidrs := [
	"0.0.0.0/8", # "this network" (RFC 1122)
	"10.0.0.0/8", # RFC 1918
	"100.64.0.0/10", # CGNAT (RFC 6598)
	"127.0.0.0/8", # loopback
	"169.254.0.0/16", # link-local, cloud metadata
	"172.16.0.0/12", # RFC 1918
	"192.168.0.0/16", # RFC 1918
	"::1/128", # loopback
	"fc00::/7", # unique local (RFC 4193)
	"fe80::/10", # link-local
]

non_public_ranges := [r | some c in non_public_cidrs; r := parse_cidr(c)]

# non_public(r) holds when a whole range lies in non-public space.
non_public(r) if {
	some outer in non_public_ranges
	range_within(r, outer)
}

# inet_aton_ip(s) is the IPv4 address a resolver reads a numeric host name as:
# one to four parts of decimal, 0x-hex or 0-octal digits, the last filling the
# remaining bytes (glibc inet_aton); undefined when s is not such a name.
inet_aton_ip(s) := {"family": 4, "words": bytes} if {
	is_string(s)
	parts := split(lower(s), ".")
	count(parts) <= 4
	values := [v | some p in parts; v := aton_part(p)]
	count(values) == count(parts)
	n := count(parts)
	every i, v in values {
		fits(i, n, v)
	}
	value := sum([(values[i] * power(256, 3 - i)) | some i, _ in values; i < n - 1]) + values[n - 1]
	bytes := [(floor(value / power(256, 3 - k)) % 256) | some k in numbers.range(0, 3)]
}

# fits: every part but the last is one byte; the last fills the bytes left.
fits(i, n, v) if {
	i < n - 1
	v <= 255
}

fits(i, n, v) if {
	i == n - 1
	v < power(256, 5 - n)
}

aton_part(p) := digits_value(substring(p, 2, -1), 16) if regex.match(`^0x[0-9a-f]{1,8}$`, p)

aton_part(p) := digits_value(p, 8) if regex.match(`^0[0-7]{1,11}$`, p)

aton_part(p) := to_number(p) if regex.match(`^(0|[1-9][0-9]{0,11})$`, p)

# format(ip) writes an address for messages.
format(ip) := concat(".", [format_int(w, 10) | some w in ip.words]) if ip.family == 4

format(ip) := concat(":", [format_int(w, 16) | some w in ip.words]) if ip.family == 6
