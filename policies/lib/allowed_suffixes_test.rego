package lib.allowed_suffixes_test

import data.lib.allowed_suffixes as suffixes

in_namespace(ns) := {"request": {"namespace": ns, "object": {"metadata": {"namespace": ns}}}}

test_unrestricted_without_config if {
	suffixes.allowed("anything.test") with input as in_namespace("shop")
	suffixes.allowed("anything.test") with input as in_namespace("shop")
		with data.apiguard.config as {"ingress": {"allowedHostSuffixes": {"other": ["example.com"]}}}
}

test_label_boundary if {
	cfg := {"ingress": {"allowedHostSuffixes": {"*": ["example.com"], "shop": ["*.shop.example.com"]}}}
	suffixes.allowed("example.com") with input as in_namespace("web") with data.apiguard.config as cfg
	suffixes.allowed("a.example.com") with input as in_namespace("web") with data.apiguard.config as cfg
	suffixes.allowed("A.Example.COM.") with input as in_namespace("web") with data.apiguard.config as cfg
	not suffixes.allowed("badexample.com") with input as in_namespace("web") with data.apiguard.config as cfg
	suffixes.allowed("x.shop.example.com") with input as in_namespace("shop") with data.apiguard.config as cfg
	not suffixes.allowed("shop.example.com") with input as in_namespace("shop") with data.apiguard.config as cfg
	not suffixes.allowed("a.example.com") with input as in_namespace("shop") with data.apiguard.config as cfg
	suffixes.text == ".shop.example.com" with input as in_namespace("shop") with data.apiguard.config as cfg
}

test_empty_list_allows_nothing if {
	cfg := {"ingress": {"allowedHostSuffixes": {"*": []}}}
	not suffixes.allowed("a.example.com") with input as in_namespace("web") with data.apiguard.config as cfg
	suffixes.text == "none" with input as in_namespace("web") with data.apiguard.config as cfg
}
