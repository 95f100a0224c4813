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

# The tables lib.net writes out (so that no decision rebuilds them) are what
# their definitions make: each is derived here again and compared.
test_written_out_tables if {
	net.non_public == [[c.lo, c.last] | some s in net.non_public_cidrs; c := net.parse_cidr(s)]
	net.non_public_by_bucket == {k: [r | some r in net.non_public; net.bucket(r[0]) == k] | some r0 in net.non_public; k := net.bucket(r0[0])}
	net.non_public_events == array.concat(
		[[r[0][0], r[0][1], r[0][2], 0, 0] | some r in net.non_public],
		[[r[1][0], r[1][1], r[1][2], 1, 1] | some r in net.non_public],
	)
	net.prefix_length == object.union({"": 0}, {format_int(k, 10): k | some k in numbers.range(1, 128)})
	net.pow2_table == [bits.lsh(1, k) | some k in numbers.range(0, 128)]
	net.pow2(129) == bits.lsh(1, 129)
	net.ipv4_host_mask == [(net.pow2(32 - n) - 1) | some n in numbers.range(0, 32)]
	net.ipv4_net_mask == [(4294967295 - m) | some m in net.ipv4_host_mask]
	net.ipv4_masks == [[net.ipv4_net_mask[n], net.ipv4_host_mask[n], 96 + n] | some n in numbers.range(0, 32)]
	net.nat64_first == [(100 * 4294967296) + (65435 * 65536), 0, 0]
	net.nat64_last == [(100 * 4294967296) + (65435 * 65536), 0, 4294967295]
	net.mapped_start_key == array.concat(net.mapped_first, [0])
	net.mapped_end_key == array.concat(net.mapped_last, [1])
	net.mapped_start_event == array.concat(net.mapped_start_key, [0])
	net.mapped_end_event == array.concat(net.mapped_end_key, [1])
	net.public_v4_total == net.open_public([{"cidr": "0.0.0.0/0"}]).ipv4
	net.public_v6_total == net.open_public([{"cidr": "::/0", "except": ["::ffff:0:0/96"]}]).ipv6
}

# open_parsed takes open_quick's answer where it has one: on every ipBlock set of
# the test corpora (test/adversarial, test/fixtures, examples) and on the corners
# below, it must be open_union's.
quick_corpus := [
	[{"cidr": "151.96.0.0/12", "except": []}],
	[{"cidr": "151.96.0.0/12", "except": []}, {"cidr": "151.112.0.0/12", "except": []}],
	[{"cidr": "151.96.0.0/16", "except": []}, {"cidr": "151.97.0.0/16", "except": []}, {"cidr": "151.98.0.0/16", "except": []}, {"cidr": "151.99.0.0/16", "except": []}, {"cidr": "151.100.0.0/16", "except": []}, {"cidr": "151.101.0.0/16", "except": []}, {"cidr": "151.102.0.0/16", "except": []}, {"cidr": "151.103.0.0/16", "except": []}, {"cidr": "151.104.0.0/16", "except": []}, {"cidr": "151.105.0.0/16", "except": []}, {"cidr": "151.106.0.0/16", "except": []}, {"cidr": "151.107.0.0/16", "except": []}, {"cidr": "151.108.0.0/16", "except": []}, {"cidr": "151.109.0.0/16", "except": []}, {"cidr": "151.110.0.0/16", "except": []}, {"cidr": "151.111.0.0/16", "except": []}],
	[{"cidr": "151.96.0.0/16", "except": []}, {"cidr": "151.97.0.0/16", "except": []}, {"cidr": "151.98.0.0/16", "except": []}, {"cidr": "151.99.0.0/16", "except": []}, {"cidr": "151.100.0.0/16", "except": []}, {"cidr": "151.101.0.0/16", "except": []}, {"cidr": "151.102.0.0/16", "except": []}, {"cidr": "151.103.0.0/16", "except": []}, {"cidr": "151.104.0.0/16", "except": []}, {"cidr": "151.105.0.0/16", "except": []}, {"cidr": "151.106.0.0/16", "except": []}, {"cidr": "151.107.0.0/16", "except": []}, {"cidr": "151.108.0.0/16", "except": []}, {"cidr": "151.109.0.0/16", "except": []}, {"cidr": "151.110.0.0/16", "except": []}, {"cidr": "151.111.0.0/16", "except": []}, {"cidr": "151.112.0.0/16", "except": []}],
	[{"cidr": "2a00:1450::/32", "except": []}],
	[{"cidr": "2a00:1450::/32", "except": []}, {"cidr": "2a00:1451::/32", "except": []}],
	[{"cidr": "0.0.0.0/1", "except": []}, {"cidr": "128.0.0.0/1", "except": []}],
	[{"cidr": "0.0.0.0/4", "except": []}, {"cidr": "16.0.0.0/4", "except": []}, {"cidr": "32.0.0.0/4", "except": []}, {"cidr": "48.0.0.0/4", "except": []}, {"cidr": "64.0.0.0/4", "except": []}, {"cidr": "80.0.0.0/4", "except": []}, {"cidr": "96.0.0.0/4", "except": []}, {"cidr": "112.0.0.0/4", "except": []}, {"cidr": "128.0.0.0/4", "except": []}, {"cidr": "144.0.0.0/4", "except": []}, {"cidr": "160.0.0.0/4", "except": []}, {"cidr": "176.0.0.0/4", "except": []}, {"cidr": "192.0.0.0/4", "except": []}, {"cidr": "208.0.0.0/4", "except": []}, {"cidr": "224.0.0.0/4", "except": []}, {"cidr": "240.0.0.0/4", "except": []}],
	[{"cidr": "11.0.0.0/8", "except": []}, {"cidr": "14.0.0.0/8", "except": []}, {"cidr": "17.0.0.0/8", "except": []}, {"cidr": "20.0.0.0/8", "except": []}, {"cidr": "23.0.0.0/8", "except": []}, {"cidr": "26.0.0.0/8", "except": []}, {"cidr": "29.0.0.0/8", "except": []}, {"cidr": "32.0.0.0/8", "except": []}, {"cidr": "35.0.0.0/8", "except": []}, {"cidr": "38.0.0.0/8", "except": []}, {"cidr": "41.0.0.0/8", "except": []}, {"cidr": "44.0.0.0/8", "except": []}, {"cidr": "47.0.0.0/8", "except": []}, {"cidr": "50.0.0.0/8", "except": []}, {"cidr": "53.0.0.0/8", "except": []}, {"cidr": "56.0.0.0/8", "except": []}, {"cidr": "59.0.0.0/8", "except": []}, {"cidr": "62.0.0.0/8", "except": []}, {"cidr": "65.0.0.0/8", "except": []}, {"cidr": "68.0.0.0/8", "except": []}, {"cidr": "71.0.0.0/8", "except": []}, {"cidr": "74.0.0.0/8", "except": []}, {"cidr": "77.0.0.0/8", "except": []}, {"cidr": "80.0.0.0/8", "except": []}, {"cidr": "83.0.0.0/8", "except": []}, {"cidr": "86.0.0.0/8", "except": []}, {"cidr": "89.0.0.0/8", "except": []}, {"cidr": "92.0.0.0/8", "except": []}, {"cidr": "95.0.0.0/8", "except": []}, {"cidr": "98.0.0.0/8", "except": []}, {"cidr": "12.0.0.0/8", "except": []}, {"cidr": "15.0.0.0/8", "except": []}, {"cidr": "18.0.0.0/8", "except": []}, {"cidr": "21.0.0.0/8", "except": []}, {"cidr": "24.0.0.0/8", "except": []}, {"cidr": "27.0.0.0/8", "except": []}, {"cidr": "30.0.0.0/8", "except": []}, {"cidr": "33.0.0.0/8", "except": []}, {"cidr": "36.0.0.0/8", "except": []}, {"cidr": "39.0.0.0/8", "except": []}, {"cidr": "42.0.0.0/8", "except": []}, {"cidr": "45.0.0.0/8", "except": []}, {"cidr": "48.0.0.0/8", "except": []}, {"cidr": "51.0.0.0/8", "except": []}, {"cidr": "54.0.0.0/8", "except": []}, {"cidr": "57.0.0.0/8", "except": []}, {"cidr": "60.0.0.0/8", "except": []}, {"cidr": "63.0.0.0/8", "except": []}, {"cidr": "66.0.0.0/8", "except": []}, {"cidr": "69.0.0.0/8", "except": []}, {"cidr": "72.0.0.0/8", "except": []}, {"cidr": "75.0.0.0/8", "except": []}, {"cidr": "78.0.0.0/8", "except": []}, {"cidr": "81.0.0.0/8", "except": []}, {"cidr": "84.0.0.0/8", "except": []}, {"cidr": "87.0.0.0/8", "except": []}, {"cidr": "90.0.0.0/8", "except": []}, {"cidr": "93.0.0.0/8", "except": []}, {"cidr": "96.0.0.0/8", "except": []}, {"cidr": "99.0.0.0/8", "except": []}, {"cidr": "13.0.0.0/8", "except": []}, {"cidr": "16.0.0.0/8", "except": []}, {"cidr": "19.0.0.0/8", "except": []}, {"cidr": "22.0.0.0/8", "except": []}, {"cidr": "25.0.0.0/8", "except": []}, {"cidr": "28.0.0.0/8", "except": []}, {"cidr": "31.0.0.0/8", "except": []}, {"cidr": "34.0.0.0/8", "except": []}, {"cidr": "37.0.0.0/8", "except": []}, {"cidr": "40.0.0.0/8", "except": []}, {"cidr": "43.0.0.0/8", "except": []}, {"cidr": "46.0.0.0/8", "except": []}, {"cidr": "49.0.0.0/8", "except": []}, {"cidr": "52.0.0.0/8", "except": []}, {"cidr": "55.0.0.0/8", "except": []}, {"cidr": "58.0.0.0/8", "except": []}, {"cidr": "61.0.0.0/8", "except": []}, {"cidr": "64.0.0.0/8", "except": []}, {"cidr": "67.0.0.0/8", "except": []}, {"cidr": "70.0.0.0/8", "except": []}, {"cidr": "73.0.0.0/8", "except": []}, {"cidr": "76.0.0.0/8", "except": []}, {"cidr": "79.0.0.0/8", "except": []}, {"cidr": "82.0.0.0/8", "except": []}, {"cidr": "85.0.0.0/8", "except": []}, {"cidr": "88.0.0.0/8", "except": []}, {"cidr": "91.0.0.0/8", "except": []}, {"cidr": "94.0.0.0/8", "except": []}, {"cidr": "97.0.0.0/8", "except": []}],
	[{"cidr": "151.101.0.0/16", "except": []}, {"cidr": "151.102.0.0/16", "except": []}],
	[{"cidr": "151.101.0.0/16", "except": []}],
	[{"cidr": "185.199.108.0/24", "except": []}],
	[{"cidr": "0.0.0.0/1", "except": []}, {"cidr": "128.0.0.0/1", "except": []}, {"cidr": "0.0.0.0/1", "except": []}, {"cidr": "128.0.0.0/1", "except": []}, {"cidr": "0.0.0.0/1", "except": []}, {"cidr": "128.0.0.0/1", "except": []}],
	[{"cidr": "2000::/3", "except": []}],
	[{"cidr": "::/1", "except": []}, {"cidr": "8000::/1", "except": []}],
	[{"cidr": "2000::/4", "except": []}, {"cidr": "3000::/4", "except": []}],
	[{"cidr": "2a00:1450:4001::/48", "except": []}],
	[{"cidr": "64:ff9b::/96", "except": []}],
	[{"cidr": "64:ff9b::b9c7:6c00/120", "except": []}],
	[{"cidr": "151.100.0.0/15", "except": ["151.101.0.0/16"]}],
	[{"cidr": "0.0.0.0/0", "except": ["0.0.0.0/1", "128.0.0.0/1"]}],
	[{"cidr": "151.100.0.0/15", "except": []}, {"cidr": "151.100.0.0/15", "except": ["151.101.0.0/16"]}],
	[{"cidr": "0.0.0.0/1", "except": []}, {"cidr": "0.0.0.0/0", "except": ["0.0.0.0/1", "128.0.0.0/2", "192.0.0.0/2"]}],
	[{"cidr": "0.0.0.0/0", "except": ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"]}],
	[{"cidr": "10.0.0.0/8", "except": []}, {"cidr": "172.16.0.0/12", "except": []}, {"cidr": "192.168.0.0/16", "except": []}, {"cidr": "100.64.0.0/10", "except": []}, {"cidr": "169.254.0.0/16", "except": []}, {"cidr": "fc00::/7", "except": []}, {"cidr": "fe80::/10", "except": []}],
	[{"cidr": "0.0.0.0/0", "except": []}, {"cidr": "::/0", "except": []}],
	[{"cidr": "1.2.3.4/0", "except": []}],
	[{"cidr": "::ffff:0:0/97", "except": []}, {"cidr": "0:0:0:0:0:ffff:8000:0/97", "except": []}],
	[{"cidr": "::ffff:185.199.108.0/120", "except": []}],
	[{"cidr": "0.0.0.0/0", "except": ["169.254.169.254/32"]}],
	[{"cidr": "203.0.113.0/24", "except": []}],
	[{"cidr": "172.17.0.0/16", "except": ["172.17.1.0/24"]}],
	[],
	[{"cidr": "10.0.0.0/8"}],
	[{"cidr": "0.0.0.0/0"}],
	[{"cidr": "::/0"}],
	[{"cidr": "::/0", "except": ["::ffff:0:0/96"]}],
	[{"cidr": "::/0", "except": ["2000::/3"]}],
	[{"cidr": "0.0.0.0/0", "except": ["0.0.0.0/1"]}],
	[{"cidr": "0.0.0.0/0", "except": ["bad", "::ffff:0:0/97"]}],
	[{"cidr": "::ffff:0:0/96"}],
	[{"cidr": "::ffff:0:0/96", "except": ["::ffff:0:0/97"]}],
	[{"cidr": "::/1"}],
	[{"cidr": "::/1", "except": ["::/2"]}],
	[{"cidr": "64::/16"}],
	[{"cidr": "64:ff9b::/96", "except": ["64:ff9b::/97"]}],
	[{"cidr": "64:ff9b::a00:0/104"}],
	[{"cidr": "64:ff9b::/64"}],
	[{"cidr": "64:ff9b:1::/48"}],
	[{"cidr": "224.0.0.0/3"}],
	[{"cidr": "240.0.0.0/4"}],
	[{"cidr": "255.255.255.255/32"}],
	[{"cidr": "0.0.0.0/8"}],
	[{"cidr": "::1/128"}],
	[{"cidr": "::/128"}],
	[{"cidr": "::/127"}],
	[{"cidr": "fc00::/7", "except": ["fd00::/8"]}],
	[{"cidr": "2001:db8::/32"}],
	[{"cidr": "2001:db8::/31"}],
	[{"cidr": "3fff::/20"}],
	[{"cidr": "ff00::/8"}],
	[{"cidr": "fe80::/9"}],
	[{"cidr": "::ffff:10.0.0.0/104"}],
	[{"cidr": "::ffff:8.8.8.0/120"}],
	[{"cidr": "8000::/1"}],
	[{"cidr": "8000::/1", "except": ["ff00::/8"]}],
	[{"cidr": "nonsense"}],
	[{"cidr": null}],
	[{"cidr": "010.0.0.0/8", "except": ["10.0.0.0/9"]}],
	[{"cidr": 7}],
	[{"cidr": "10.0.0.0/8"}, {"cidr": "0.0.0.0/0", "except": ["10.0.0.0/8"]}],
	[{"cidr": "10.0.0.0/8"}, {"cidr": "::/0", "except": ["2000::/3"]}],
	[{"cidr": "0.0.0.0/0"}, {"cidr": "2a00:1450::/32"}],
	[{"cidr": "0.0.0.0/0"}, {"cidr": "fc00::/7"}],
	[{"cidr": "::/0"}, {"cidr": "0.0.0.0/0", "except": ["8.0.0.0/8"]}],
	[{"cidr": "0.0.0.0/0", "except": ["8.0.0.0/8"]}, {"cidr": "0.0.0.0/0"}],
	[{"cidr": "64:ff9b::/96"}, {"cidr": "10.0.0.0/8"}],
	[{"cidr": "2a00:1450::/32"}, {"cidr": "10.0.0.0/8"}],
	[{"cidr": "nonsense"}, {"cidr": "0.0.0.0/0"}],
]

test_quick_agrees_with_union if {
	every peers in quick_corpus {
		p := net.parse_peers(peers)
		net.open_parsed(p, count(peers)) == net.open_union(p, count(peers))
	}
}

# The common shapes take the quick path; a union of pieces does not.
test_quick_path_taken if {
	every peers in [
		[],
		blocks(["10.0.0.0/8", "203.0.113.0/24", "fc00::/7", "::ffff:192.168.0.0/112"]),
		blocks(["0.0.0.0/0"]),
		blocks(["::/0"]),
		blocks(["0.0.0.0/0", "10.0.0.0/8"]),
		blocks(["nonsense"]),
		[{"cidr": "0.0.0.0/0", "except": ["nonsense"]}],
	] {
		net.open_quick(net.parse_peers(peers))
	}
	every peers in [
		blocks(["8.8.8.0/24"]),
		blocks(["0.0.0.0/1", "128.0.0.0/1"]),
		blocks(["64:ff9b::a00:0/104"]),
		blocks(["0.0.0.0/0", "2a00:1450::/32"]),
		[{"cidr": "0.0.0.0/0", "except": ["10.0.0.0/8"]}],
		[{"cidr": "::/0", "except": ["2000::/3"]}],
	] {
		not net.open_quick(net.parse_peers(peers))
	}
}

test_public_totals_by_union if {
	net.public_v4_total == net.open_union(net.parse_peers([{"cidr": "0.0.0.0/0"}]), 1).ipv4
	net.public_v6_total == net.open_union(net.parse_peers([{"cidr": "::/0"}]), 1).ipv6
}

# quiet_index, derived: the key set of a range is every key of an address in
# it (see lib.net), and each range is one value of bits 127..121.
quiet_ranges := [r | some r in net.non_public; r[0] != net.nat64_first]

quiet_keys(r) := {k | some s in numbers.range(bits.rsh(r[0][2], 28), bits.rsh(r[1][2], 28)); k := (bits.rsh(r[0][0], 41) * 16) + s} if {
	r[0][0] == r[1][0]
	r[0][1] == r[1][1]
} else := {k | some s in numbers.range(0, 15); k := (bits.rsh(r[0][0], 41) * 16) + s}

test_quiet_index if {
	every r in net.non_public {
		bits.rsh(r[0][0], 41) == bits.rsh(r[1][0], 41)
	}
	net.quiet_index == {k: [r | some r in quiet_ranges; k in quiet_keys(r)] | some r0 in quiet_ranges; some k in quiet_keys(r0)}
}

# quiet is inside_non_public less 64:ff9b::/96.
test_quiet if {
	every s in [
		"10.0.0.0/8", "10.1.2.3/32", "::ffff:10.0.0.0/104", "0.0.0.0/8", "127.0.0.1/32", "224.0.0.0/4", "255.255.255.255/32",
		"203.0.113.0/24", "198.18.0.0/15", "::/128", "::1/128", "fc00::/7", "fd12::/16", "fe80::/10", "ff02::1/128", "2001:db8::/32", "3fff::/20",
	] {
		net.quiet(net.parse_cidr(s))
		net.inside_non_public(net.parse_cidr(s))
	}
	every s in [
		"8.8.8.0/24", "0.0.0.0/0", "9.0.0.0/7", "224.0.0.0/3", "10.0.0.0/7", "172.0.0.0/8", "::/127", "::2/128", "::/0",
		"64:ff9b::/96", "64:ff9b::a00:0/104", "2001:db8::/31", "fc00::/6", "2a00:1450::/32", "::ffff:8.8.8.0/120",
	] {
		not net.quiet(net.parse_cidr(s))
	}
	net.quiet(null)
}

# An except that is not an array is read as none.
test_parse_peers_without_excepts if {
	p := net.parse_peers([{"cidr": "8.8.8.0/24"}, {"cidr": "nonsense", "except": []}, {"cidr": "::/0", "except": "x"}])
	p == {"cidrs": [net.parse_cidr("8.8.8.0/24"), null, net.parse_cidr("::/0")], "excepts": [], "bad": []}
}
