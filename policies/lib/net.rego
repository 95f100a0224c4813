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

pow2(k) := p if {
	p := pow2_table[k]
} else := bits.lsh(1, k)

# pow2_table[k] is 2^k, for k up to 128 (net_test.rego checks it).
pow2_table := [
	1,
	2,
	4,
	8,
	16,
	32,
	64,
	128,
	256,
	512,
	1024,
	2048,
	4096,
	8192,
	16384,
	32768,
	65536,
	131072,
	262144,
	524288,
	1048576,
	2097152,
	4194304,
	8388608,
	16777216,
	33554432,
	67108864,
	134217728,
	268435456,
	536870912,
	1073741824,
	2147483648,
	4294967296,
	8589934592,
	17179869184,
	34359738368,
	68719476736,
	137438953472,
	274877906944,
	549755813888,
	1099511627776,
	2199023255552,
	4398046511104,
	8796093022208,
	17592186044416,
	35184372088832,
	70368744177664,
	140737488355328,
	281474976710656,
	562949953421312,
	1125899906842624,
	2251799813685248,
	4503599627370496,
	9007199254740992,
	18014398509481984,
	36028797018963968,
	72057594037927936,
	144115188075855872,
	288230376151711744,
	576460752303423488,
	1152921504606846976,
	2305843009213693952,
	4611686018427387904,
	9223372036854775808,
	18446744073709551616,
	36893488147419103232,
	73786976294838206464,
	147573952589676412928,
	295147905179352825856,
	590295810358705651712,
	1180591620717411303424,
	2361183241434822606848,
	4722366482869645213696,
	9444732965739290427392,
	18889465931478580854784,
	37778931862957161709568,
	75557863725914323419136,
	151115727451828646838272,
	302231454903657293676544,
	604462909807314587353088,
	1208925819614629174706176,
	2417851639229258349412352,
	4835703278458516698824704,
	9671406556917033397649408,
	19342813113834066795298816,
	38685626227668133590597632,
	77371252455336267181195264,
	154742504910672534362390528,
	309485009821345068724781056,
	618970019642690137449562112,
	1237940039285380274899124224,
	2475880078570760549798248448,
	4951760157141521099596496896,
	9903520314283042199192993792,
	19807040628566084398385987584,
	39614081257132168796771975168,
	79228162514264337593543950336,
	158456325028528675187087900672,
	316912650057057350374175801344,
	633825300114114700748351602688,
	1267650600228229401496703205376,
	2535301200456458802993406410752,
	5070602400912917605986812821504,
	10141204801825835211973625643008,
	20282409603651670423947251286016,
	40564819207303340847894502572032,
	81129638414606681695789005144064,
	162259276829213363391578010288128,
	324518553658426726783156020576256,
	649037107316853453566312041152512,
	1298074214633706907132624082305024,
	2596148429267413814265248164610048,
	5192296858534827628530496329220096,
	10384593717069655257060992658440192,
	20769187434139310514121985316880384,
	41538374868278621028243970633760768,
	83076749736557242056487941267521536,
	166153499473114484112975882535043072,
	332306998946228968225951765070086144,
	664613997892457936451903530140172288,
	1329227995784915872903807060280344576,
	2658455991569831745807614120560689152,
	5316911983139663491615228241121378304,
	10633823966279326983230456482242756608,
	21267647932558653966460912964485513216,
	42535295865117307932921825928971026432,
	85070591730234615865843651857942052864,
	170141183460469231731687303715884105728,
	340282366920938463463374607431768211456,
]

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
nat64_first := [433785077760, 0, 0]

nat64_last := [433785077760, 0, 4294967295]

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

# non_public is non_public_cidrs as parse_cidr reads them, [lo, last] each, in
# the same order. Written out: a rule is evaluated afresh for every decision,
# and reading these 21 CIDRs (8 of them IPv6, hex digit by digit) on every
# NetworkPolicy was most of its cost. net_test.rego checks that it is what
# parse_cidr makes of non_public_cidrs, and so are the other written-out
# tables below (non_public_by_bucket, non_public_events, prefix_length, the
# IPv4 masks and the public totals).
non_public := [
	[[0, 65535, 0], [0, 65535, 16777215]],
	[[0, 65535, 167772160], [0, 65535, 184549375]],
	[[0, 65535, 1681915904], [0, 65535, 1686110207]],
	[[0, 65535, 2130706432], [0, 65535, 2147483647]],
	[[0, 65535, 2851995648], [0, 65535, 2852061183]],
	[[0, 65535, 2886729728], [0, 65535, 2887778303]],
	[[0, 65535, 3221225984], [0, 65535, 3221226239]],
	[[0, 65535, 3232235520], [0, 65535, 3232301055]],
	[[0, 65535, 3323068416], [0, 65535, 3323199487]],
	[[0, 65535, 3325256704], [0, 65535, 3325256959]],
	[[0, 65535, 3405803776], [0, 65535, 3405804031]],
	[[0, 65535, 3758096384], [0, 65535, 4026531839]],
	[[0, 65535, 4026531840], [0, 65535, 4294967295]],
	[[0, 0, 0], [0, 0, 0]],
	[[0, 0, 1], [0, 0, 1]],
	[[433785077760, 0, 0], [433785077760, 0, 4294967295]],
	[[35188897218560, 0, 0], [35188897284095, 281474976710655, 4294967295]],
	[[70364449210368, 0, 0], [70364717645823, 281474976710655, 4294967295]],
	[[277076930199552, 0, 0], [279275953455103, 281474976710655, 4294967295]],
	[[279825709268992, 0, 0], [280100587175935, 281474976710655, 4294967295]],
	[[280375465082880, 0, 0], [281474976710655, 281474976710655, 4294967295]],
]

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

# non_public_by_bucket is {bucket: [the non-public ranges in it]}, written out.
non_public_by_bucket := {
	0: [[[0, 65535, 0], [0, 65535, 16777215]], [[0, 65535, 167772160], [0, 65535, 184549375]]],
	6: [[[0, 65535, 1681915904], [0, 65535, 1686110207]]],
	7: [[[0, 65535, 2130706432], [0, 65535, 2147483647]]],
	10: [[[0, 65535, 2851995648], [0, 65535, 2852061183]], [[0, 65535, 2886729728], [0, 65535, 2887778303]]],
	12: [[[0, 65535, 3221225984], [0, 65535, 3221226239]], [[0, 65535, 3232235520], [0, 65535, 3232301055]], [[0, 65535, 3323068416], [0, 65535, 3323199487]], [[0, 65535, 3325256704], [0, 65535, 3325256959]], [[0, 65535, 3405803776], [0, 65535, 3405804031]]],
	14: [[[0, 65535, 3758096384], [0, 65535, 4026531839]]],
	15: [[[0, 65535, 4026531840], [0, 65535, 4294967295]]],
	16: [[[0, 0, 0], [0, 0, 0]], [[0, 0, 1], [0, 0, 1]], [[433785077760, 0, 0], [433785077760, 0, 4294967295]]],
	32: [[[35188897218560, 0, 0], [35188897284095, 281474976710655, 4294967295]]],
	47: [[[70364449210368, 0, 0], [70364717645823, 281474976710655, 4294967295]]],
	142: [[[277076930199552, 0, 0], [279275953455103, 281474976710655, 4294967295]]],
	143: [[[279825709268992, 0, 0], [280100587175935, 281474976710655, 4294967295]], [[280375465082880, 0, 0], [281474976710655, 281474976710655, 4294967295]]],
}

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
# Written out (net_test.rego checks it): built with format_int it cost 128
# builtin calls per decision.
prefix_length := {
	"": 0,
	"1": 1,
	"2": 2,
	"3": 3,
	"4": 4,
	"5": 5,
	"6": 6,
	"7": 7,
	"8": 8,
	"9": 9,
	"10": 10,
	"11": 11,
	"12": 12,
	"13": 13,
	"14": 14,
	"15": 15,
	"16": 16,
	"17": 17,
	"18": 18,
	"19": 19,
	"20": 20,
	"21": 21,
	"22": 22,
	"23": 23,
	"24": 24,
	"25": 25,
	"26": 26,
	"27": 27,
	"28": 28,
	"29": 29,
	"30": 30,
	"31": 31,
	"32": 32,
	"33": 33,
	"34": 34,
	"35": 35,
	"36": 36,
	"37": 37,
	"38": 38,
	"39": 39,
	"40": 40,
	"41": 41,
	"42": 42,
	"43": 43,
	"44": 44,
	"45": 45,
	"46": 46,
	"47": 47,
	"48": 48,
	"49": 49,
	"50": 50,
	"51": 51,
	"52": 52,
	"53": 53,
	"54": 54,
	"55": 55,
	"56": 56,
	"57": 57,
	"58": 58,
	"59": 59,
	"60": 60,
	"61": 61,
	"62": 62,
	"63": 63,
	"64": 64,
	"65": 65,
	"66": 66,
	"67": 67,
	"68": 68,
	"69": 69,
	"70": 70,
	"71": 71,
	"72": 72,
	"73": 73,
	"74": 74,
	"75": 75,
	"76": 76,
	"77": 77,
	"78": 78,
	"79": 79,
	"80": 80,
	"81": 81,
	"82": 82,
	"83": 83,
	"84": 84,
	"85": 85,
	"86": 86,
	"87": 87,
	"88": 88,
	"89": 89,
	"90": 90,
	"91": 91,
	"92": 92,
	"93": 93,
	"94": 94,
	"95": 95,
	"96": 96,
	"97": 97,
	"98": 98,
	"99": 99,
	"100": 100,
	"101": 101,
	"102": 102,
	"103": 103,
	"104": 104,
	"105": 105,
	"106": 106,
	"107": 107,
	"108": 108,
	"109": 109,
	"110": 110,
	"111": 111,
	"112": 112,
	"113": 113,
	"114": 114,
	"115": 115,
	"116": 116,
	"117": 117,
	"118": 118,
	"119": 119,
	"120": 120,
	"121": 121,
	"122": 122,
	"123": 123,
	"124": 124,
	"125": 125,
	"126": 126,
	"127": 127,
	"128": 128,
}

# ipv4_masks[n] is [ipv4_net_mask[n], ipv4_host_mask[n], 96 + n], for
# ipv4_batch: one table read per CIDR.
ipv4_masks := [
	[0, 4294967295, 96],
	[2147483648, 2147483647, 97],
	[3221225472, 1073741823, 98],
	[3758096384, 536870911, 99],
	[4026531840, 268435455, 100],
	[4160749568, 134217727, 101],
	[4227858432, 67108863, 102],
	[4261412864, 33554431, 103],
	[4278190080, 16777215, 104],
	[4286578688, 8388607, 105],
	[4290772992, 4194303, 106],
	[4292870144, 2097151, 107],
	[4293918720, 1048575, 108],
	[4294443008, 524287, 109],
	[4294705152, 262143, 110],
	[4294836224, 131071, 111],
	[4294901760, 65535, 112],
	[4294934528, 32767, 113],
	[4294950912, 16383, 114],
	[4294959104, 8191, 115],
	[4294963200, 4095, 116],
	[4294965248, 2047, 117],
	[4294966272, 1023, 118],
	[4294966784, 511, 119],
	[4294967040, 255, 120],
	[4294967168, 127, 121],
	[4294967232, 63, 122],
	[4294967264, 31, 123],
	[4294967280, 15, 124],
	[4294967288, 7, 125],
	[4294967292, 3, 126],
	[4294967294, 1, 127],
	[4294967295, 0, 128],
]

# ipv4_host_mask[n] has the 32-n host bits of an IPv4 /n set, ipv4_net_mask[n]
# the n network bits.
ipv4_host_mask := [
	4294967295,
	2147483647,
	1073741823,
	536870911,
	268435455,
	134217727,
	67108863,
	33554431,
	16777215,
	8388607,
	4194303,
	2097151,
	1048575,
	524287,
	262143,
	131071,
	65535,
	32767,
	16383,
	8191,
	4095,
	2047,
	1023,
	511,
	255,
	127,
	63,
	31,
	15,
	7,
	3,
	1,
	0,
]

ipv4_net_mask := [
	0,
	2147483648,
	3221225472,
	3758096384,
	4026531840,
	4160749568,
	4227858432,
	4261412864,
	4278190080,
	4286578688,
	4290772992,
	4292870144,
	4293918720,
	4294443008,
	4294705152,
	4294836224,
	4294901760,
	4294934528,
	4294950912,
	4294959104,
	4294963200,
	4294965248,
	4294966272,
	4294966784,
	4294967040,
	4294967168,
	4294967232,
	4294967264,
	4294967280,
	4294967288,
	4294967292,
	4294967294,
	4294967295,
]

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
# {"cidr": string, "except": [string]} (an except that is not an array is
# read as none). A peer whose cidr does not parse adds
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
	all_excepts := [[k, m, s] | some k, p in peers; ex := p.except; is_array(ex); some m, s in ex]
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
read_all(strs) := read if {
	# Usually every string is an IPv4 CIDR, and the batch is the answer.
	v4 := [s | some s in strs; is_string(s); not contains(s, ":"); net.cidr_is_valid(s)]
	count(v4) == count(strs)
	read := ipv4_batch(v4)
	count(read) == count(strs)
} else := [read[i] | some i, _ in strs] if {
	v4 := [i | some i, s in strs; is_string(s); not contains(s, ":"); net.cidr_is_valid(s)]
	batch := ipv4_batch([strs[i] | some i in v4])
	fast := {v4[j]: c | some j, c in batch}
	read := object.union(fast, {i: cidr_or_null(s) | some i, s in strs; not fast[i]})
}

# ipv4_batch reads strings that net.cidr_is_valid accepts and that hold no
# colon (IPv4 CIDRs), in order.
ipv4_batch(v4) := [{"lo": [0, 65535, lo], "last": [0, 65535, lo + m[1]], "len": m[2], "v6": false} |
	some o in nums
	m := ipv4_masks[o[4]]

	# The octets below the first add up within OPA's small-integer window.
	lo := bits.and((o[0] * 16777216) + (((o[1] * 65536) + (o[2] * 256)) + o[3]), m[0])
] if {
	text := replace(replace(concat("],[", v4), ".", ","), "/", ",")
	nums := json.unmarshal(concat("", ["[[", regex.replace(text, `,0+([0-9])`, ",$1"), "]]"]))
}

# open_parsed is open_public on parse_peers' result; n is the number of peers
# given to parse_peers. Most policies are decided by open_quick, without the
# union's sorts; the rest by open_union.
open_parsed(parsed, n) := quick if {
	quick := open_quick(parsed)
} else := open_union(parsed, n)

# open_quick is open_union's result where each family is one of two easy cases
# (net_test.rego checks the two agree), else undefined:
#   - no public address of the family. Most policies list only CIDRs that
#     each lie inside one non-public range other than 64:ff9b::/96 ("quiet":
#     they open nothing of either family), and that is one pass with one
#     bucket lookup per CIDR. Of the others ("loud"), none may lie in the
#     family's part of the space: for IPv4 the mapped block and 64:ff9b::/96
#     (whose addresses count as IPv4 though the prefix is non-public), for
#     IPv6 the rest, less what is non-public;
#   - all of them: one peer's cidr covers the family's whole part of the space
#     (0.0.0.0/0 or ::/0 for IPv4, ::/0 for IPv6) and has no except that
#     carves: the union holds all of it, whatever the other peers add or the
#     NAT64 projection moves onto IPv4.
open_quick(parsed) := {"ipv4": 0, "ipv6": 0} if {
	# quiet(c), inline (a function call per CIDR costs more than the test);
	# a null c fails here and is judged by quiet below.
	every c in parsed.cidrs {
		some r in quiet_index[(bits.rsh(c.lo[0], 41) * 16) + bits.rsh(c.lo[2], 28)]
		r[0] <= c.lo
		c.last <= r[1]
	}
} else := {"ipv4": v4, "ipv6": v6} if {
	loud := [k | some k, c in parsed.cidrs; not quiet(c)]
	v4 := quick_v4(parsed, loud)
	v6 := quick_v6(parsed, loud)
}

# quiet(c) holds when the parsed cidr c (or null: unreadable, it opens nothing)
# lies inside one non-public range other than 64:ff9b::/96. Ranges are
# disjoint, so that one is the only range c can touch.
quiet(null)

quiet(c) if {
	some r in quiet_index[(bits.rsh(c.lo[0], 41) * 16) + bits.rsh(c.lo[2], 28)]
	r[0] <= c.lo
	c.last <= r[1]
}

# quiet_index lists the non-public ranges but 64:ff9b::/96 by the key of the
# addresses they hold, (bits 127..121) * 16 + (bits 31..28): a range in it
# holds a CIDR only if it holds the CIDR's first address, so it is listed
# under that address's key. Every non-public range is a /7 or longer (one
# value of bits 127..121); the IPv4 ones, ::/128 and ::1/128 have one value
# of bits 31..28 too, the others all 16. Written out: net_test.rego derives it.
quiet_index := {
	0: [[[0, 65535, 0], [0, 65535, 16777215]], [[0, 65535, 167772160], [0, 65535, 184549375]], [[0, 0, 0], [0, 0, 0]], [[0, 0, 1], [0, 0, 1]]],
	6: [[[0, 65535, 1681915904], [0, 65535, 1686110207]]],
	7: [[[0, 65535, 2130706432], [0, 65535, 2147483647]]],
	10: [[[0, 65535, 2851995648], [0, 65535, 2852061183]], [[0, 65535, 2886729728], [0, 65535, 2887778303]]],
	12: [[[0, 65535, 3221225984], [0, 65535, 3221226239]], [[0, 65535, 3232235520], [0, 65535, 3232301055]], [[0, 65535, 3323068416], [0, 65535, 3323199487]], [[0, 65535, 3325256704], [0, 65535, 3325256959]], [[0, 65535, 3405803776], [0, 65535, 3405804031]]],
	14: [[[0, 65535, 3758096384], [0, 65535, 4026531839]]],
	15: [[[0, 65535, 4026531840], [0, 65535, 4294967295]]],
	256: [[[35188897218560, 0, 0], [35188897284095, 281474976710655, 4294967295]]],
	257: [[[35188897218560, 0, 0], [35188897284095, 281474976710655, 4294967295]]],
	258: [[[35188897218560, 0, 0], [35188897284095, 281474976710655, 4294967295]]],
	259: [[[35188897218560, 0, 0], [35188897284095, 281474976710655, 4294967295]]],
	260: [[[35188897218560, 0, 0], [35188897284095, 281474976710655, 4294967295]]],
	261: [[[35188897218560, 0, 0], [35188897284095, 281474976710655, 4294967295]]],
	262: [[[35188897218560, 0, 0], [35188897284095, 281474976710655, 4294967295]]],
	263: [[[35188897218560, 0, 0], [35188897284095, 281474976710655, 4294967295]]],
	264: [[[35188897218560, 0, 0], [35188897284095, 281474976710655, 4294967295]]],
	265: [[[35188897218560, 0, 0], [35188897284095, 281474976710655, 4294967295]]],
	266: [[[35188897218560, 0, 0], [35188897284095, 281474976710655, 4294967295]]],
	267: [[[35188897218560, 0, 0], [35188897284095, 281474976710655, 4294967295]]],
	268: [[[35188897218560, 0, 0], [35188897284095, 281474976710655, 4294967295]]],
	269: [[[35188897218560, 0, 0], [35188897284095, 281474976710655, 4294967295]]],
	270: [[[35188897218560, 0, 0], [35188897284095, 281474976710655, 4294967295]]],
	271: [[[35188897218560, 0, 0], [35188897284095, 281474976710655, 4294967295]]],
	496: [[[70364449210368, 0, 0], [70364717645823, 281474976710655, 4294967295]]],
	497: [[[70364449210368, 0, 0], [70364717645823, 281474976710655, 4294967295]]],
	498: [[[70364449210368, 0, 0], [70364717645823, 281474976710655, 4294967295]]],
	499: [[[70364449210368, 0, 0], [70364717645823, 281474976710655, 4294967295]]],
	500: [[[70364449210368, 0, 0], [70364717645823, 281474976710655, 4294967295]]],
	501: [[[70364449210368, 0, 0], [70364717645823, 281474976710655, 4294967295]]],
	502: [[[70364449210368, 0, 0], [70364717645823, 281474976710655, 4294967295]]],
	503: [[[70364449210368, 0, 0], [70364717645823, 281474976710655, 4294967295]]],
	504: [[[70364449210368, 0, 0], [70364717645823, 281474976710655, 4294967295]]],
	505: [[[70364449210368, 0, 0], [70364717645823, 281474976710655, 4294967295]]],
	506: [[[70364449210368, 0, 0], [70364717645823, 281474976710655, 4294967295]]],
	507: [[[70364449210368, 0, 0], [70364717645823, 281474976710655, 4294967295]]],
	508: [[[70364449210368, 0, 0], [70364717645823, 281474976710655, 4294967295]]],
	509: [[[70364449210368, 0, 0], [70364717645823, 281474976710655, 4294967295]]],
	510: [[[70364449210368, 0, 0], [70364717645823, 281474976710655, 4294967295]]],
	511: [[[70364449210368, 0, 0], [70364717645823, 281474976710655, 4294967295]]],
	2016: [[[277076930199552, 0, 0], [279275953455103, 281474976710655, 4294967295]]],
	2017: [[[277076930199552, 0, 0], [279275953455103, 281474976710655, 4294967295]]],
	2018: [[[277076930199552, 0, 0], [279275953455103, 281474976710655, 4294967295]]],
	2019: [[[277076930199552, 0, 0], [279275953455103, 281474976710655, 4294967295]]],
	2020: [[[277076930199552, 0, 0], [279275953455103, 281474976710655, 4294967295]]],
	2021: [[[277076930199552, 0, 0], [279275953455103, 281474976710655, 4294967295]]],
	2022: [[[277076930199552, 0, 0], [279275953455103, 281474976710655, 4294967295]]],
	2023: [[[277076930199552, 0, 0], [279275953455103, 281474976710655, 4294967295]]],
	2024: [[[277076930199552, 0, 0], [279275953455103, 281474976710655, 4294967295]]],
	2025: [[[277076930199552, 0, 0], [279275953455103, 281474976710655, 4294967295]]],
	2026: [[[277076930199552, 0, 0], [279275953455103, 281474976710655, 4294967295]]],
	2027: [[[277076930199552, 0, 0], [279275953455103, 281474976710655, 4294967295]]],
	2028: [[[277076930199552, 0, 0], [279275953455103, 281474976710655, 4294967295]]],
	2029: [[[277076930199552, 0, 0], [279275953455103, 281474976710655, 4294967295]]],
	2030: [[[277076930199552, 0, 0], [279275953455103, 281474976710655, 4294967295]]],
	2031: [[[277076930199552, 0, 0], [279275953455103, 281474976710655, 4294967295]]],
	2032: [[[279825709268992, 0, 0], [280100587175935, 281474976710655, 4294967295]], [[280375465082880, 0, 0], [281474976710655, 281474976710655, 4294967295]]],
	2033: [[[279825709268992, 0, 0], [280100587175935, 281474976710655, 4294967295]], [[280375465082880, 0, 0], [281474976710655, 281474976710655, 4294967295]]],
	2034: [[[279825709268992, 0, 0], [280100587175935, 281474976710655, 4294967295]], [[280375465082880, 0, 0], [281474976710655, 281474976710655, 4294967295]]],
	2035: [[[279825709268992, 0, 0], [280100587175935, 281474976710655, 4294967295]], [[280375465082880, 0, 0], [281474976710655, 281474976710655, 4294967295]]],
	2036: [[[279825709268992, 0, 0], [280100587175935, 281474976710655, 4294967295]], [[280375465082880, 0, 0], [281474976710655, 281474976710655, 4294967295]]],
	2037: [[[279825709268992, 0, 0], [280100587175935, 281474976710655, 4294967295]], [[280375465082880, 0, 0], [281474976710655, 281474976710655, 4294967295]]],
	2038: [[[279825709268992, 0, 0], [280100587175935, 281474976710655, 4294967295]], [[280375465082880, 0, 0], [281474976710655, 281474976710655, 4294967295]]],
	2039: [[[279825709268992, 0, 0], [280100587175935, 281474976710655, 4294967295]], [[280375465082880, 0, 0], [281474976710655, 281474976710655, 4294967295]]],
	2040: [[[279825709268992, 0, 0], [280100587175935, 281474976710655, 4294967295]], [[280375465082880, 0, 0], [281474976710655, 281474976710655, 4294967295]]],
	2041: [[[279825709268992, 0, 0], [280100587175935, 281474976710655, 4294967295]], [[280375465082880, 0, 0], [281474976710655, 281474976710655, 4294967295]]],
	2042: [[[279825709268992, 0, 0], [280100587175935, 281474976710655, 4294967295]], [[280375465082880, 0, 0], [281474976710655, 281474976710655, 4294967295]]],
	2043: [[[279825709268992, 0, 0], [280100587175935, 281474976710655, 4294967295]], [[280375465082880, 0, 0], [281474976710655, 281474976710655, 4294967295]]],
	2044: [[[279825709268992, 0, 0], [280100587175935, 281474976710655, 4294967295]], [[280375465082880, 0, 0], [281474976710655, 281474976710655, 4294967295]]],
	2045: [[[279825709268992, 0, 0], [280100587175935, 281474976710655, 4294967295]], [[280375465082880, 0, 0], [281474976710655, 281474976710655, 4294967295]]],
	2046: [[[279825709268992, 0, 0], [280100587175935, 281474976710655, 4294967295]], [[280375465082880, 0, 0], [281474976710655, 281474976710655, 4294967295]]],
	2047: [[[279825709268992, 0, 0], [280100587175935, 281474976710655, 4294967295]], [[280375465082880, 0, 0], [281474976710655, 281474976710655, 4294967295]]],
}

quick_v4(parsed, loud) := 0 if {
	every k in loud {
		no_public_v4(parsed.cidrs[k])
	}
} else := public_v4_total if {
	cut := carved(parsed)
	some k in loud
	c := parsed.cidrs[k]
	c.lo <= mapped_first
	c.last >= mapped_last
	not cut[k]
}

quick_v6(parsed, loud) := 0 if {
	every k in loud {
		no_public_v6(parsed.cidrs[k])
	}
} else := public_v6_total if {
	cut := carved(parsed)
	some k in loud
	c := parsed.cidrs[k]
	c.lo == space_first
	c.last == space_last
	not cut[k]
}

# A loud cidr with no IPv4 address: below the mapped block, or above it and
# clear of 64:ff9b::/96 (which lies above it).
no_public_v4(c) if c.last < mapped_first

no_public_v4(c) if {
	c.lo > mapped_last
	not touches_nat64_range(c)
}

# A loud cidr with no public IPv6 address: inside the mapped block, or inside
# 64:ff9b::/96 (the only non-public range a loud cidr can lie inside).
no_public_v6(c) if {
	c.lo >= mapped_first
	c.last <= mapped_last
}

no_public_v6(c) if inside_non_public(c)

touches_nat64_range(c) if {
	c.lo <= nat64_last
	c.last >= nat64_first
}

# carved is the set of peers with an except that carves (parse_peers'
# excepts), built once per quick_v4 or quick_v6: a lookup per peer, not a scan
# of the excepts.
carved(parsed) := {x[0] | some x in parsed.excepts}

# open_union is open_public on parse_peers' result, by the union itself; n is
# the number of peers given to parse_peers (ids of NAT64 projections start
# there). The part of a range inside 64:ff9b::/96 is moved onto the IPv4
# addresses it embeds, as a range of its own.
open_union(parsed, n) := {"ipv4": v4, "ipv6": v6} if {
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

# non_public_events are the non-public ranges' opening events, then their
# closing ones (written out).
non_public_events := [
	[0, 65535, 0, 0, 0],
	[0, 65535, 167772160, 0, 0],
	[0, 65535, 1681915904, 0, 0],
	[0, 65535, 2130706432, 0, 0],
	[0, 65535, 2851995648, 0, 0],
	[0, 65535, 2886729728, 0, 0],
	[0, 65535, 3221225984, 0, 0],
	[0, 65535, 3232235520, 0, 0],
	[0, 65535, 3323068416, 0, 0],
	[0, 65535, 3325256704, 0, 0],
	[0, 65535, 3405803776, 0, 0],
	[0, 65535, 3758096384, 0, 0],
	[0, 65535, 4026531840, 0, 0],
	[0, 0, 0, 0, 0],
	[0, 0, 1, 0, 0],
	[433785077760, 0, 0, 0, 0],
	[35188897218560, 0, 0, 0, 0],
	[70364449210368, 0, 0, 0, 0],
	[277076930199552, 0, 0, 0, 0],
	[279825709268992, 0, 0, 0, 0],
	[280375465082880, 0, 0, 0, 0],
	[0, 65535, 16777215, 1, 1],
	[0, 65535, 184549375, 1, 1],
	[0, 65535, 1686110207, 1, 1],
	[0, 65535, 2147483647, 1, 1],
	[0, 65535, 2852061183, 1, 1],
	[0, 65535, 2887778303, 1, 1],
	[0, 65535, 3221226239, 1, 1],
	[0, 65535, 3232301055, 1, 1],
	[0, 65535, 3323199487, 1, 1],
	[0, 65535, 3325256959, 1, 1],
	[0, 65535, 3405804031, 1, 1],
	[0, 65535, 4026531839, 1, 1],
	[0, 65535, 4294967295, 1, 1],
	[0, 0, 0, 1, 1],
	[0, 0, 1, 1, 1],
	[433785077760, 0, 4294967295, 1, 1],
	[35188897284095, 281474976710655, 4294967295, 1, 1],
	[70364717645823, 281474976710655, 4294967295, 1, 1],
	[279275953455103, 281474976710655, 4294967295, 1, 1],
	[280100587175935, 281474976710655, 4294967295, 1, 1],
	[281474976710655, 281474976710655, 4294967295, 1, 1],
]

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

mapped_start_key := [0, 65535, 0, 0]

mapped_end_key := [0, 65535, 4294967295, 1]

# A component runs from an opening event (kind 0) to a closing one (kind 1).
mapped_start_event := [0, 65535, 0, 0, 0]

mapped_end_event := [0, 65535, 4294967295, 1, 1]

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
public_v4_total := 3702258944

public_v6_total := 335962051336855665935446113727702630398

# prefix_of_size is the shortest prefix length l such that a /l of a family of
# width bits holds no more than n addresses: n addresses are "the size of a /l
# or more". For messages.
prefix_of_size(n, bits) := bits - count([k | some k in numbers.range(1, bits); pow2_table[k] <= n])
