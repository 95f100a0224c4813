package lib.net_test

import data.lib.net

v4(peers) := net.open_public(peers).ipv4

v6(peers) := net.open_public(peers).ipv6

blocks(cidrs) := [{"cidr": c} | some c in cidrs]

# The sizes below are exact only because OPA integers are arbitrary precision.
test_integers_are_exact if {
	big := net.pow2(128)
	(big + 1) - big == 1
	sort([big + 1, big]) == [big, big + 1]
	sum([big, 1, 0 - big]) == 1
	(big + 5) % 4 == 1
}

test_parse_ipv4 if {
	net.parse_cidr("10.0.0.0/8") == {"lo": [0, 65535, 167772160], "last": [0, 65535, 184549375], "len": 104, "v6": false}
	net.parse_cidr("0.0.0.0/0") == {"lo": net.mapped_first, "last": net.mapped_last, "len": 96, "v6": false}
}

# ParseCIDRSloppy masks host bits: 1.2.3.4/0 is 0.0.0.0/0.
test_parse_masks_host_bits if {
	net.parse_cidr("1.2.3.4/0").lo == net.mapped_first
	net.parse_cidr("1.2.3.4/24") == net.parse_cidr("1.2.3.0/24")
	net.parse_cidr("2001:db8::1/32").lo == net.parse_cidr("2001:db8::/32").lo
	net.parse_cidr("2001:db8:ffff:ffff::1/33").last == [((8193 * 4294967296) + (3512 * 65536)) + 65535, 281474976710655, 4294967295]
}

test_parse_ipv6_spellings if {
	zero := net.parse_cidr("::/0")
	zero == {"lo": net.space_first, "last": net.space_last, "len": 0, "v6": true}
	every s in ["0::0/0", "0:0:0:0:0:0:0:0/0", "0000::/0", "::0/00"] {
		net.parse_cidr(s) == zero
	}
	net.parse_cidr("2001:DB8::/32") == net.parse_cidr("2001:db8::/32")
	net.parse_cidr("2001:db8:0:0:0:0:0:1/128").lo == net.parse_cidr("2001:db8::1/128").lo
	net.parse_cidr("1::/16").lo == [4294967296, 0, 0]
	net.parse_cidr("::1/128").lo == [0, 0, 1]
	net.parse_cidr("::1:2:3/128").lo == [0, 1, 131075]
}

test_parse_ipv4_mapped_is_ipv4_space if {
	a := net.parse_cidr("::ffff:1.2.3.0/120")
	b := net.parse_cidr("1.2.3.0/24")
	[a.lo, a.last, a.len] == [b.lo, b.last, b.len]
	a.v6
	not b.v6
	net.parse_cidr("::ffff:0:0/96").lo == net.parse_cidr("0.0.0.0/0").lo
	net.parse_cidr("0:0:0:0:0:ffff:102:300/120").lo == b.lo
}

test_unreadable_cidrs if {
	every s in ["10.0.0.0", "not-a-cidr", " 0.0.0.0/0", "0.0.0.0/33", "::/129", "fe80::1%eth0/64", "", "1.2.3/8", "1.2.3.4.5/8"] {
		not net.parse_cidr(s)
		net.cidr_problem(s) == "is not a CIDR (address/prefix length)"
	}
	every s in ["010.0.0.0/8", "000.000.000.000/0", "0.0.0.00/0"] {
		not net.parse_cidr(s)
		contains(net.cidr_problem(s), "leading zeros")
	}
	net.cidr_problem(0) == "is not a string"
	net.cidr_problem(null) == "is not a string"
	not net.cidr_problem("10.0.0.0/8")
}

test_private_space_is_not_public if {
	v4(blocks(["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16"])) == 0
	v6(blocks(["fc00::/7", "fe80::/10", "::1/128", "2001:db8::/32"])) == 0
}

test_single_blocks if {
	v4(blocks(["203.0.114.0/24"])) == 256
	v4(blocks(["8.8.8.8/32"])) == 1
	v6(blocks(["2a00:1450::/32"])) == net.pow2(96)
	v6(blocks(["2a00:1450::/32"])) == v6(blocks(["2a00:1450::1/32"]))
}

# Duplicates and nested blocks count once.
test_union_not_sum if {
	v4(blocks(["8.8.8.0/24", "8.8.8.0/24", "8.8.8.128/25", "8.8.8.1/32"])) == 256
	v4(blocks(["8.8.0.0/16", "8.8.8.0/24"])) == 65536
	v4(blocks(["8.8.8.0/25", "8.8.8.128/25"])) == 256
}

test_world_in_pieces if {
	whole := net.public_v4_total
	v4(blocks(["0.0.0.0/1", "128.0.0.0/1"])) == whole
	v4(blocks([sprintf("%d.0.0.0/4", [16 * i]) | some i in numbers.range(0, 15)])) == whole
	v4(blocks(["0.0.0.0/0"])) == whole
	whole == ((net.pow2(32) - (16777216 * 3)) - (net.pow2(28) * 2)) - (((((((4194304 + 65536) + 1048576) + 256) + 65536) + 131072) + 256) + 256)
}

test_ipv6_world_in_pieces if {
	whole := net.public_v6_total
	v6(blocks(["::/1", "8000::/1"])) == whole
	v6(blocks(["::/0"])) == whole
	v6(blocks(["2000::/3"])) == (net.pow2(125) - net.pow2(96)) - net.pow2(108) # minus 2001:db8::/32 and 3fff::/20
}

# ::/0 and ::/1 cover the IPv4-mapped block, so they open IPv4 too.
test_ipv6_covering_mapped_block_opens_ipv4 if {
	v4(blocks(["::/0"])) == net.public_v4_total
	v4(blocks(["::/1"])) == net.public_v4_total
	v4(blocks(["::ffff:0:0/97"])) == v4(blocks(["0.0.0.0/1"]))
	v6(blocks(["::ffff:0:0/96"])) == 0
}

test_nat64_prefix_is_ipv4_space if {
	v4(blocks(["64:ff9b::/96"])) == net.public_v4_total
	v4(blocks(["64:ff9b::808:800/120"])) == 256
	v6(blocks(["64:ff9b::/96"])) == 0
	v4([{"cidr": "64:ff9b::/96", "except": ["64:ff9b::/97", "64:ff9b::8000:0/97"]}]) == 0
}

test_excepts_carve_out if {
	v4([{"cidr": "0.0.0.0/0", "except": ["0.0.0.0/1", "128.0.0.0/1"]}]) == 0
	v4([{"cidr": "8.8.8.0/24", "except": ["8.8.8.0/25"]}]) == 128
	v4([{"cidr": "8.8.8.0/24", "except": ["8.8.8.0/25", "8.8.8.0/26", "8.8.8.0/25"]}]) == 128
	v4([{"cidr": "0.0.0.0/0", "except": ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"]}]) == net.public_v4_total
}

# One peer's except does not remove what another peer admits.
test_except_of_one_peer_does_not_cut_another if {
	v4([{"cidr": "8.8.8.0/24"}, {"cidr": "8.8.8.0/24", "except": ["8.8.8.0/25", "8.8.8.0/25", "8.8.8.0/26"]}]) == 256
	v4([{"cidr": "8.8.0.0/16", "except": ["8.8.8.0/24"]}, {"cidr": "8.8.8.0/25"}]) == 65536 - 128
}

# An except outside its cidr, equal to it, or in the other notation is ignored.
test_invalid_excepts_ignored if {
	v4([{"cidr": "8.8.8.0/24", "except": ["9.9.9.0/24", "8.8.8.0/24", "8.8.0.0/16"]}]) == 256
	v4([{"cidr": "0.0.0.0/0", "except": ["::ffff:0:0/97", "::ffff:128.0.0.0/97"]}]) == net.public_v4_total
	v4([{"cidr": "::ffff:0:0/96", "except": ["0.0.0.0/1"]}]) == net.public_v4_total
	v4([{"cidr": "::ffff:0:0/96", "except": ["::ffff:0:0/97", "::ffff:128.0.0.0/97"]}]) == 0
	v4([{"cidr": "8.8.8.0/24", "except": ["nonsense", 7, "8.8.8.0/25"]}]) == 128
	v4([{"cidr": "8.8.8.0/24", "except": "8.8.8.0/25"}]) == 256
}

test_unparseable_cidr_adds_nothing if {
	v4(blocks(["nonsense", "010.0.0.0/8"])) == 0
	net.open_public([]) == {"ipv4": 0, "ipv6": 0}
}

test_prefix_of_size if {
	net.prefix_of_size(256, 32) == 24
	net.prefix_of_size(257, 32) == 24
	net.prefix_of_size(511, 32) == 24
	net.prefix_of_size(512, 32) == 23
	net.prefix_of_size(net.pow2(32), 32) == 0
	net.prefix_of_size(net.pow2(125), 128) == 3
}

# Many CIDRs in one policy: the cost must stay O(n log n); this only checks the
# result, pkg/policy's benchmark measures the time.
test_many_slash8s if {
	cidrs := [sprintf("%d.0.0.0/8", [i]) | some i in numbers.range(1, 200)]
	v4(blocks(cidrs)) == ((((((200 * 16777216) - (((16777216 * 2) + 4194304) + 65536)) - 1048576) - 65536) - 256) - 131072) - 256
}

# read_all reads IPv4 CIDRs in one batch and everything else one by one, in the
# order given; what parse_cidr cannot read is null.
test_read_all_matches_parse_cidr if {
	strs := ["10.0.0.0/08", "1.2.3.4/32", "::/0", 7, null, "010.0.0.0/8", "::ffff:1.2.3.0/120", "0.0.0.0/0", "1.2.3.4/33", "64:ff9b::/96", "255.255.255.255/32"]
	read := net.read_all(strs)
	count(read) == count(strs)
	every i, s in strs {
		read[i] == net.cidr_or_null(s)
	}
	read[0] == net.parse_cidr("10.0.0.0/8")
	read[3] == null
	read[5] == null
	net.read_all([]) == []
}

test_parse_peers_flat if {
	p := net.parse_peers([
		{"cidr": "8.8.8.0/24", "except": ["8.8.8.0/25", "bad", "9.9.9.0/24", "::ffff:8.8.8.0/121"]},
		{"cidr": "nonsense", "except": ["8.8.8.0/25"]},
		{"cidr": "8.8.0.0/16"},
	])
	p.cidrs[1] == null
	count(p.cidrs) == 3
	p.excepts == [[0, [0, 65535, 134744064], [0, 65535, 134744191], 121]]
	p.bad == [[0, 1]]
}
