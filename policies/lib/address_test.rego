package lib.address_test

import data.lib.address

test_parse_ip_v4_sloppy_like_kubernetes if {
	address.parse_ip("10.0.0.1") == {"family": 4, "words": [10, 0, 0, 1]}
	address.parse_ip("010.000.0.01") == {"family": 4, "words": [10, 0, 0, 1]}
	address.parse_ip("255.255.255.255").words == [255, 255, 255, 255]
	every bad in ["256.0.0.1", "1.2.3", "1.2.3.4.5", "1.2.3.4/8", "", " 1.2.3.4", "0x7f.0.0.1", "a.b.c.d", 7] {
		not address.parse_ip(bad)
	}
}

test_parse_ip_v6 if {
	address.parse_ip("2001:db8::1").words == [8193, 3512, 0, 0, 0, 0, 0, 1]
	address.parse_ip("2001:DB8::1").words == [8193, 3512, 0, 0, 0, 0, 0, 1]
	address.parse_ip("::").words == [0, 0, 0, 0, 0, 0, 0, 0]
	address.parse_ip("::1").words == [0, 0, 0, 0, 0, 0, 0, 1]
	address.parse_ip("fe80::").words == [65152, 0, 0, 0, 0, 0, 0, 0]
	address.parse_ip("::ffff:169.254.169.254").words == [0, 0, 0, 0, 0, 65535, 43518, 43518]
	address.parse_ip("1:2:3:4:5:6:7:8").words == [1, 2, 3, 4, 5, 6, 7, 8]
	every bad in ["1::2::3", "1:2:3:4:5:6:7:8:9", "1:2:3:4:5:6:7", ":::", "12345::", "g::", "1:2:3:4:5:6:7::8"] {
		not address.parse_ip(bad)
	}
}

test_parse_cidr if {
	address.parse_cidr("10.1.2.3/8") == {"family": 4, "first": [10, 0, 0, 0], "last": [10, 255, 255, 255]}
	address.parse_cidr("0.0.0.0/0") == {"family": 4, "first": [0, 0, 0, 0], "last": [255, 255, 255, 255]}
	address.parse_cidr("192.168.1.7/32") == {"family": 4, "first": [192, 168, 1, 7], "last": [192, 168, 1, 7]}
	address.parse_cidr("172.16.0.0/12").last == [172, 31, 255, 255]
	address.parse_cidr("fc00::/7").last == [65023, 65535, 65535, 65535, 65535, 65535, 65535, 65535]
	address.parse_cidr("::/0").first == [0, 0, 0, 0, 0, 0, 0, 0]
	every bad in ["10.0.0.0/33", "::/129", "10.0.0.0", "10.0.0.0/", "10.0.0.0/8/8", "10.0.0.0/-1", "x/8"] {
		not address.parse_cidr(bad)
	}
}

test_parse_ip_or_cidr if {
	address.parse_ip_or_cidr("203.0.113.0") == {"family": 4, "first": [203, 0, 113, 0], "last": [203, 0, 113, 0]}
	address.parse_ip_or_cidr("203.0.113.0/24").last == [203, 0, 113, 255]
	address.parse_ip_or_cidr("2001:db8::1").last == [8193, 3512, 0, 0, 0, 0, 0, 1]
	not address.parse_ip_or_cidr("nope")
}

test_in_range_and_within if {
	r := address.parse_cidr("10.0.0.0/8")
	address.in_range(address.parse_ip("10.200.3.4"), r)
	not address.in_range(address.parse_ip("11.0.0.0"), r)
	not address.in_range(address.parse_ip("::a00:1"), r)
	address.range_within(address.parse_cidr("10.2.0.0/16"), r)
	not address.range_within(address.parse_cidr("10.0.0.0/7"), r)
}

test_non_public if {
	every c in ["10.0.0.0/8", "10.1.0.0/16", "172.16.0.0/12", "192.168.10.0/24", "100.64.0.0/10", "127.0.0.1/32", "169.254.169.254/32", "fd00::/8", "fe80::/64", "::1/128"] {
		address.non_public(address.parse_cidr(c))
	}
	every c in ["0.0.0.0/0", "10.0.0.0/7", "172.16.0.0/11", "8.8.8.8/32", "100.0.0.0/8", "::/0", "2000::/3", "fc00::/6"] {
		not address.non_public(address.parse_cidr(c))
	}
}

test_inet_aton_spellings if {
	every s in ["127.0.0.1", "127.1", "127.0.1", "2130706433", "0x7f000001", "0X7F000001", "0177.0.0.1", "0x7f.1", "0177.0.0.01"] {
		address.inet_aton_ip(s) == {"family": 4, "words": [127, 0, 0, 1]}
	}
	every s in ["169.254.169.254", "2852039166", "0xa9fea9fe", "0xa9.0xfe.0xa9.0xfe", "169.254.43518", "0251.0376.0251.0376"] {
		address.inet_aton_ip(s).words == [169, 254, 169, 254]
	}
	address.inet_aton_ip("0").words == [0, 0, 0, 0]
	every bad in ["example.com", "256.1", "1.2.3.4.5", "0x", "08.1.1.1", "127..1", "0x1ffffffff", "4294967296", "1.16777216", "1.2.65536", ""] {
		not address.inet_aton_ip(bad)
	}
}

test_format if {
	address.format(address.parse_ip("10.0.0.1")) == "10.0.0.1"
	address.format(address.parse_ip("2001:db8::1")) == "2001:db8:0:0:0:0:0:1"
}
