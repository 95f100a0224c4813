package lib.address_test

import data.lib.address

test_ip_range if {
	address.ip_range("10.0.0.1") == {"lo": [0, 65535, 167772161], "last": [0, 65535, 167772161], "len": 128, "v6": false}
	address.ip_range("10.0.0.0").lo == address.range_of("10.0.0.0/8").lo
	address.ip_range("10.255.255.255").last == address.range_of("10.0.0.0/8").last
	address.ip_range("::ffff:10.0.0.1").lo == address.ip_range("10.0.0.1").lo
	address.ip_range("2001:db8::1") == {"lo": [(8193 * 4294967296) + (3512 * 65536), 0, 1], "last": [(8193 * 4294967296) + (3512 * 65536), 0, 1], "len": 128, "v6": true}
	every bad in ["256.0.0.1", "1.2.3", "10.0.0.1/8", "010.0.0.1", "", "example.com", 7, "1::2::3"] {
		not address.ip_range(bad)
	}
}

test_range_of_and_within if {
	r := address.range_of("203.0.113.0/24")
	address.within(address.range_of("203.0.113.77"), r)
	not address.within(address.range_of("203.0.114.0"), r)
	address.within(address.range_of("203.0.113.0"), address.range_of("203.0.113.0"))
	address.within(address.range_of("203.0.113.255"), r)
	not address.within(address.range_of("203.0.112.255"), r)
	address.within(address.range_of("2001:db8:ffff:ffff:ffff:ffff:ffff:ffff"), address.range_of("2001:db8::/32"))
	not address.within(address.range_of("2001:db9::"), address.range_of("2001:db8::/32"))
	not address.within(address.range_of("2001:db8::1"), r)
	not address.range_of("203.0.113.0/33")
}

test_non_public if {
	every c in ["10.0.0.0/8", "10.1.0.0/16", "172.16.0.0/12", "192.168.10.0/24", "100.64.0.0/10", "127.0.0.1/32", "169.254.169.254/32", "fd00::/8", "fe80::/64", "::1/128"] {
		address.non_public(address.range_of(c))
	}
	every c in ["0.0.0.0/0", "10.0.0.0/7", "172.16.0.0/11", "8.8.8.8/32", "100.0.0.0/8", "::/0", "2000::/3", "fc00::/6"] {
		not address.non_public(address.range_of(c))
	}
}

test_inet_aton_spellings if {
	loopback := address.ip_range("127.0.0.1")
	every s in ["127.0.0.1", "127.1", "127.0.1", "2130706433", "0x7f000001", "0X7F000001", "0177.0.0.1", "0x7f.1", "0177.0.0.01"] {
		address.inet_aton_range(s).lo == loopback.lo
	}
	metadata := address.ip_range("169.254.169.254")
	every s in ["169.254.169.254", "2852039166", "0xa9fea9fe", "0xa9.0xfe.0xa9.0xfe", "169.254.43518", "0251.0376.0251.0376"] {
		address.inet_aton_range(s).lo == metadata.lo
	}
	address.inet_aton_range("0").lo == address.ip_range("0.0.0.0").lo
	every bad in ["example.com", "256.1", "1.2.3.4.5", "0x", "08.1.1.1", "127..1", "0x1ffffffff", "4294967296", "1.16777216", "1.2.65536", ""] {
		not address.inet_aton_range(bad)
	}
}

test_ipv4_text if {
	address.ipv4_text(address.inet_aton_range("0xa9fea9fe")) == "169.254.169.254"
	address.ipv4_text(address.inet_aton_range("127.1")) == "127.0.0.1"
	address.ipv4_text(address.inet_aton_range("4294967295")) == "255.255.255.255"
	address.inet_aton_range("4294967295") == address.ip_range("255.255.255.255")
	not address.ipv4_text(address.ip_range("2001:db8::1"))
}

# The first-character guard and the one expression read exactly what the
# per-part reading did: names that start with a digit but are not numbers, and
# numbers that start a name, stay undefined.
test_inet_aton_guard if {
	every bad in ["1password.com", "0x7f.example", "127.0.0.1.nip.io", "10.0.0.1a", "1.2.3.", ".1.2.3", "0x.1", "9.0xg", "Localhost", "a127.0.0.1", "-1"] {
		not address.inet_aton_range(bad)
	}
	address.ipv4_text(address.inet_aton_range("0.0.0.0")) == "0.0.0.0"
	address.ipv4_text(address.inet_aton_range("00.0x0.000.0")) == "0.0.0.0"
	address.ipv4_text(address.inet_aton_range("10.0X0A.012")) == "10.10.0.10"
	address.ipv4_text(address.inet_aton_range("1.2.3.4")) == "1.2.3.4"
	not address.inet_aton_range(7)
}
