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
