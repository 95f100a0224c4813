package lib.emissary_test

import data.lib.emissary

mapping(spec) := {"request": {
	"uid": "1",
	"kind": {"group": "getambassador.io", "version": "v3alpha1", "kind": "Mapping"},
	"name": "m",
	"namespace": "shop",
	"operation": "CREATE",
	"object": {
		"apiVersion": "getambassador.io/v3alpha1",
		"kind": "Mapping",
		"metadata": {"name": "m", "namespace": "shop"},
		"spec": spec,
	},
}}

host(spec) := json.patch(mapping(spec), [
	{"op": "replace", "path": "/request/kind/kind", "value": "Host"},
	{"op": "replace", "path": "/request/object/kind", "value": "Host"},
])

# Only v3alpha1 is read.
test_versions if {
	emissary.mapping with input as mapping({})
	not emissary.mapping with input as json.patch(mapping({}), [{"op": "replace", "path": "/request/kind/version", "value": "v2"}])
	not emissary.mapping with input as json.patch(mapping({}), [{"op": "replace", "path": "/request/kind/group", "value": "example.com"}])
}

# irhost.py setup: no hostname (or "") is "*".
test_host_hostname_default if {
	emissary.host_hostname == "*" with input as host({})
	emissary.host_hostname == "*" with input as host({"hostname": ""})
	emissary.host_hostname == "shop.example.com" with input as host({"hostname": "shop.example.com"})
}

test_mapping_host_rule if {
	emissary.mapping_host_rule == {"type": "glob", "value": "*"} with input as mapping({"hostname": "*", "host": "a.example.com"})
	emissary.mapping_host_rule == {"type": "regex", "value": ".*"} with input as mapping({"host": ".*", "host_regex": true})
	emissary.mapping_host_rule == {"type": "exact", "value": "*"} with input as mapping({"host": "*"})
	emissary.mapping_host_rule == {"type": "none"} with input as mapping({"hostname": ""})
}

test_mapping_any_host if {
	emissary.mapping_any_host with input as mapping({"hostname": "*"})
	every r in [".*", ".+", "[^/]*", "(.*)", "(?i).*", ".*|shop\\.example\\.com"] {
		emissary.mapping_any_host with input as mapping({"host": r, "host_regex": true})
	}
	every r in ["shop\\.example\\.com", ".*\\.example\\.com", "(", "[a-"] {
		not emissary.mapping_any_host with input as mapping({"host": r, "host_regex": true})
	}
	every h in ["*.example.com", "shop.example.com", "**", " *"] {
		not emissary.mapping_any_host with input as mapping({"hostname": h})
	}
	not emissary.mapping_any_host with input as mapping({"host": "*"})
	not emissary.mapping_any_host with input as mapping({})
}

test_mapping_all_paths if {
	emissary.mapping_all_paths with input as mapping({"prefix": "/"})
	emissary.mapping_all_paths with input as mapping({"prefix": ""})
	emissary.mapping_all_paths with input as mapping({"prefix": "/.*", "prefix_regex": true})
	emissary.mapping_all_paths with input as mapping({"prefix": ".*", "prefix_regex": true})
	not emissary.mapping_all_paths with input as mapping({"prefix": "/", "prefix_exact": true})
	not emissary.mapping_all_paths with input as mapping({"prefix": "/api/"})
	not emissary.mapping_all_paths with input as mapping({"prefix": "/api/.*", "prefix_regex": true})
	not emissary.mapping_all_paths with input as mapping({"prefix": "/", "prefix_regex": true})
}

test_service_tls if {
	emissary.service_tls with input as mapping({"service": "https://api.example.com"})
	emissary.service_tls with input as mapping({"service": "HTTPS://api.example.com"})
	emissary.service_tls with input as mapping({"service": "http://api.example.com", "tls": "upstream"})
	emissary.service_tls with input as mapping({"service": "api.example.com:443", "tls": "upstream"})
	not emissary.service_tls with input as mapping({"service": "api.example.com:443"})
	not emissary.service_tls with input as mapping({"service": " https://api.example.com"})
	not emissary.service_tls with input as mapping({"service": "http://api.example.com", "tls": ""})
}

test_service_host if {
	emissary.service_host == "api.example.com" with input as mapping({"service": "http://user:pw@API.example.com.:8080/path?q#f"})
	emissary.service_host == "quote" with input as mapping({"service": "quote:8080"})
	emissary.service_host == "2606:4700::1" with input as mapping({"service": "http://[2606:4700::1]:80"})
	emissary.service_host == "evil.example" with input as mapping({"service": "ftp://evil.example"})
}

test_in_cluster if {
	every h in ["quote", "localhost", "quote.shop", "quote.team-a", "quote.team-a.svc", "quote.team-a.svc.cluster.local", "10.0.0.1", "127.1", "2130706433", "fd00::1"] {
		emissary.in_cluster(h, ["team-*"], ["cluster.local"]) with input as mapping({})
	}
	every h in ["api.example.com", "example.com", "quote.default", "8.8.8.8", "134744072", "2606:4700::1", "quote.team-a.svc.cluster.local.evil.com", "svc.cluster.local.example.com", "quote.team-a.svc.corp.local"] {
		not emissary.in_cluster(h, ["team-*"], ["cluster.local"]) with input as mapping({})
	}
}

test_cors_any_origin if {
	every o in ["*", "null", "https://a.example.com,*", "https://a.example.com, *", " null"] {
		emissary.cors_any_origin(o)
	}
	every o in ["https://a.example.com", "https://*.example.com", "*.example.com", "NULL", "https://null.example.com", 1] {
		not emissary.cors_any_origin(o)
	}
}
