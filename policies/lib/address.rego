# METADATA
# title: Single addresses, and host names a resolver reads as addresses
# description: >-
#   Builds on lib.net, whose ranges are closed, {lo, last}, of addresses held
#   as three limbs [bits 127..80, 79..32, 31..0] in one 128-bit space where
#   IPv4 a.b.c.d is the IPv4-mapped ::ffff:a.b.c.d, limbs [0, 65535, a.b.c.d]
#   (as kube-proxy reads "::ffff:1.2.3.4", which Go's To4 makes IPv4). An address is the one-address
#   range of address/32 (IPv4) or address/128 (IPv6), read by lib.net.parse_cidr
#   (Go's net.ParseCIDR: leading zeros are refused, so such a value fails
#   closed). A resolver reads a host name that looks like a number with
#   inet_aton (glibc resolv/inet_addr.c), which also takes one to four parts,
#   hex (0x7f) and octal (0177) parts, and a last part that fills the remaining
#   bytes ("127.1", "2130706433", "0x7f000001" are all 127.0.0.1);
#   inet_aton_range reads those. Not a policy: it defines no deny, violation,
#   warn or patch rule.
package lib.address

import data.lib.net

# ip_range(s) is the one-address range of the IPv4 or IPv6 address s; undefined
# when s is not an address.
ip_range(s) := net.parse_cidr(concat("/", [s, "128"])) if {
	is_string(s)
	contains(s, ":")
} else := net.parse_cidr(concat("/", [s, "32"])) if {
	is_string(s)
}

# range_of(s) reads a CIDR, or a bare address as its one-address range.
range_of(s) := net.parse_cidr(s) if {
	is_string(s)
	contains(s, "/")
} else := ip_range(s)

# within(inner, outer) holds when every address of inner lies in outer. Limbs
# compare as arrays do in OPA: element by element, most significant first.
within(inner, outer) if {
	outer.lo <= inner.lo
	inner.last <= outer.last
}

# non_public(r) holds when the whole range lies in one block that is not globally
# reachable (lib.net.non_public: RFC 1918, CGNAT, loopback, link-local, ULA and the
# other IANA special-purpose blocks).
non_public(r) if net.inside_non_public(r)

# inet_aton_range(s) is the one-address range a resolver reads a numeric host
# name as: one to four parts of decimal, 0x-hex or 0-octal digits, every part
# but the last one byte, the last filling the bytes left (glibc inet_aton);
# undefined when s is not such a name. Every part starts with a digit, so the
# first character decides most names (a host name) with one set lookup; the
# rest is read with one regular expression over the whole name, and each part's
# base then follows from its prefix.
inet_aton_range(s) := {"lo": a, "last": a, "len": 128, "v6": false} if {
	is_string(s)
	substring(s, 0, 1) in decimal_digits
	l := lower(s)
	regex.match(`^(0x[0-9a-f]{1,8}|0[0-7]{1,11}|0|[1-9][0-9]{0,9})(\.(0x[0-9a-f]{1,8}|0[0-7]{1,11}|0|[1-9][0-9]{0,9})){0,3}$`, l)
	parts := split(l, ".")
	n := count(parts)
	values := [aton_part(p) | some p in parts]
	every i, v in values {
		fits(i, n, v)
	}
	head := sum([(values[i] * net.pow2(8 * (3 - i))) | some i, _ in values; i < n - 1])
	a := array.concat(array.slice(net.mapped_first, 0, 2), [head + values[n - 1]])
}

decimal_digits := {"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"}

# fits: every part but the last is one byte; the last fills the bytes left.
fits(i, n, v) if {
	i < n - 1
	v <= 255
}

fits(i, n, v) if {
	i == n - 1
	v < net.pow2(8 * (5 - n))
}

# aton_part reads one part that inet_aton_range's expression accepted: 0x-hex,
# 0-octal (a 0 with more digits), or decimal.
aton_part(p) := net.hex_value(substring(p, 2, -1)) if {
	startswith(p, "0x")
} else := octal(p) if {
	startswith(p, "0")
	p != "0"
} else := to_number(p)

octal(p) := sum([(to_number(d) * net.pow2(3 * ((n - 1) - i))) | some i, d in digits]) if {
	digits := split(p, "")
	n := count(digits)
}

# ipv4_text(r) writes the IPv4 address of a one-address range in the mapped block.
ipv4_text(r) := concat(".", [format_int(floor(v / net.pow2(8 * (3 - k))) % 256, 10) | some k in numbers.range(0, 3)]) if {
	array.slice(r.lo, 0, 2) == array.slice(net.mapped_first, 0, 2)
	v := r.lo[2]
}
