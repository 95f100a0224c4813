package lib.istio_test

import data.lib.istio

test_host_namespace if {
	istio.host_namespace("a.pay.svc.cluster.local", "own") == "pay"
	istio.host_namespace("a.pay.svc", "own") == "pay"
	istio.host_namespace("a.pay", "own") == "pay"
	istio.host_namespace("a", "own") == "own"
	istio.host_namespace("*", "own") == "*"
	istio.host_namespace("*.svc.cluster.local", "own") == "*"
	istio.host_namespace("*.pay.svc.cluster.local", "own") == "pay"
	not istio.host_namespace("a.example.com", "own")
	not istio.host_namespace("*.example.com", "own")
	not istio.host_namespace("a.*.svc.cluster.local", "own")
}

# Every public IPv4 or IPv6 address, however the CIDRs are split (lib.net).
test_world_blocks if {
	istio.world_blocks(["0.0.0.0/0"])
	istio.world_blocks(["0.0.0.0/1", "128.0.0.0/1"])
	istio.world_blocks(["::/0"])
	istio.world_blocks(["::/1", "8000::/1"])
	istio.world_blocks(["10.0.0.0/8", "0.0.0.0/0"])
	not istio.world_blocks(["0.0.0.0/1"])
	not istio.world_blocks(["10.0.0.0/8", "192.168.0.0/16"])
	not istio.world_blocks(["1.2.3.4"])
	not istio.world_blocks([])
}

test_hosts_overlap if {
	istio.hosts_overlap("a.example.com", "a.example.com")
	istio.hosts_overlap("*", "a.example.com")
	istio.hosts_overlap("*.example.com", "x.y.example.com")
	istio.hosts_overlap("x.example.com", "*.example.com")
	not istio.hosts_overlap("example.com", "*.example.com")
	not istio.hosts_overlap("a.example.com", "b.example.com")
}

# Dot tails: the suffixes beginning at a dot, so endswith(h, ".x") is a lookup.
test_dot_tails if {
	istio.dot_tails("a.b.example.com") == {".b.example.com", ".example.com", ".com"}
	istio.dot_tails("*.example.com") == {".example.com", ".com"}
	istio.dot_tails("example.") == {"."}
	istio.dot_tails("a..b") == {"..b", ".b"}
	istio.dot_tails(".example.com") == {".example.com", ".com"}
	istio.dot_tails("localhost") == set()
	istio.dot_tails("*") == set()
	istio.dot_tails("bücher.example.com") == {".example.com", ".com"}
	istio.dot_tails("a.bücher.example.com") == {".bücher.example.com", ".example.com", ".com"}

	# Only tails of at most 255 characters: a longer one ends no wildcard Istio accepts.
	long := concat("", [concat("", ["x" | some _ in numbers.range(1, 300)]), ".example.com"])
	istio.dot_tails(long) == {".example.com", ".com"}
	many := concat(".", ["a" | some _ in numbers.range(1, 400)])
	count(istio.dot_tails(many)) == 127
	every t in istio.dot_tails(many) {
		count(t) <= 255
		endswith(many, t)
	}
}

test_server_dns if {
	istio.server_dns("shop/Shop.example.com") == "shop.example.com"
	istio.server_dns("*/*") == "*"
	istio.server_dns("./*") == "*"
	istio.server_dns("api.example.com") == "api.example.com"
}

test_labels if {
	istio.labels_subset({}, {"a": "1"})
	istio.labels_subset({"a": "1"}, {"a": "1", "b": "2"})
	not istio.labels_subset({"a": "1", "c": "3"}, {"a": "1"})
	istio.labels_compatible({"a": "1", "c": "3"}, {"a": "1"})
	not istio.labels_compatible({"a": "2"}, {"a": "1"})
}
