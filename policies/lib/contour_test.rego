package lib.contour_test

import data.lib.contour

request(namespace, name, spec) := {"request": {
	"uid": "1",
	"kind": {"group": "projectcontour.io", "version": "v1", "kind": "HTTPProxy"},
	"name": name,
	"namespace": namespace,
	"operation": "CREATE",
	"object": {
		"apiVersion": "projectcontour.io/v1",
		"kind": "HTTPProxy",
		"metadata": {"name": name, "namespace": namespace},
		"spec": spec,
	},
}}

# annotation.TLSVersion keeps exactly "1.2" and "1.3"; anything else is the default.
test_effective_tls_version if {
	contour.effective_tls_version("1.2") == "1.2"
	contour.effective_tls_version("1.3") == "1.3"
	every v in ["", "1.1", "1.0", " 1.3", "1.3 ", "TLSv1_3", "1.3.0", "v1.3", "auto", 1.3] {
		contour.effective_tls_version(v) == "1.2"
	}
}

test_tls_version_intent if {
	every v in ["1.1", "TLSv1_1", "tlsv1.1", "TLS1.1", " 1.1 ", "1.1.0", "VersionTLS11", "v1.1", "11"] {
		contour.tls_version_intent(v) == "1.1"
	}
	every v in ["1.0", "1", "TLSv1_0", "TLSv1", "tls1.0", "10"] {
		contour.tls_version_intent(v) == "1.0"
	}
	every v in ["SSLv3", "ssl3.0", " sslv2"] {
		contour.tls_version_intent(v) == "ssl"
	}
	every v in ["1.3", "TLSv1_3", " 1.3", "1.3.0", "v1.3"] {
		contour.tls_version_intent(v) == "1.3"
	}
	every v in ["auto", "latest", "2.0", "", 1.1, null] {
		contour.tls_version_intent(v) == ""
	}
}

test_root_and_tls if {
	contour.root with input as request("shop", "root", {"virtualhost": {"fqdn": "shop.example.com"}})
	not contour.root with input as request("shop", "child", {"routes": []})
	not contour.root with input as request("shop", "child", {"virtualhost": null})
	contour.terminates_tls with input as request("shop", "root", {"virtualhost": {"fqdn": "a.example.com", "tls": {"secretName": "s"}}})
	contour.terminates_tls with input as request("shop", "root", {"virtualhost": {"fqdn": "a.example.com", "tls": {"secretName": "s", "passthrough": false}}})
	not contour.terminates_tls with input as request("shop", "root", {"virtualhost": {"fqdn": "a.example.com", "tls": {"passthrough": true}}})
	not contour.terminates_tls with input as request("shop", "root", {"virtualhost": {"fqdn": "a.example.com"}})
}

# Empty values are skipped and runs of "/" collapse, as mergePathMatchConditions does.
test_path_conditions if {
	contour.path_conditions({}) == []
	contour.path_conditions({"conditions": [{"header": {"name": "x", "present": true}}]}) == []
	contour.path_conditions({"conditions": [{"prefix": ""}, {"prefix": "//api//v1"}]}) == [["prefix", "/api/v1"]]
	contour.path_conditions({"conditions": [{"exact": "/healthz"}]}) == [["exact", "/healthz"]]
	contour.path_conditions({"conditions": [{"regex": "/a//b.*"}]}) == [["regex", "/a//b.*"]]
	contour.route_path_text({}) == "every path"
	contour.route_path_text({"conditions": [{"prefix": "/api"}]}) == "prefix /api"
}

test_paths_allowed if {
	contour.paths_allowed([["prefix", "/healthz"]], ["/healthz"])
	contour.paths_allowed([["prefix", "/healthz/live"]], ["/healthz"])

	# A string prefix, as Contour's HTTPProxy prefix match: "/healthzadmin" is under "/healthz".
	contour.paths_allowed([["prefix", "/healthzadmin"]], ["/healthz"])
	contour.paths_allowed([["exact", "/healthz"]], ["/healthz"])
	not contour.paths_allowed([["prefix", "/"]], ["/healthz"])
	not contour.paths_allowed([["prefix", "/health"]], ["/healthz"])
	not contour.paths_allowed([], ["/healthz"])
	contour.paths_allowed([], ["/"])

	# "/healthz|/admin" matches /admin: a regex needs "/".
	not contour.paths_allowed([["regex", "/healthz|/admin"]], ["/healthz"])
	contour.paths_allowed([["regex", "/healthz.*"]], ["/"])

	# Two path conditions (rejected by Contour): every one must be allowed.
	not contour.paths_allowed([["prefix", "/healthz"], ["exact", "/admin"]], ["/healthz"])
}

test_allowances if {
	cfg := {"contour": {"authDisabledPaths": [
		{"namespace": "shop", "prefix": "/public"},
		{"namespace": "team-*", "name": "web-*", "prefix": "/static"},
		{"namespace": "shop", "prefix": "no-slash"},
		{"namespace": ["shop"], "prefix": "/list"},
		"shop:/x",
	]}}
	contour.allowances("authDisabledPaths") == ["/public"] with input as request("shop", "api", {}) with data.apiguard.config as cfg
	contour.allowances("authDisabledPaths") == ["/static"] with input as request("team-a", "web-1", {}) with data.apiguard.config as cfg
	contour.allowances("authDisabledPaths") == [] with input as request("team-a", "api", {}) with data.apiguard.config as cfg
	contour.allowances("authDisabledPaths") == [] with input as request("shop", "api", {}) with data.apiguard.config as {"contour": {"authDisabledPaths": "shop"}}
	contour.allowances("authDisabledPaths") == [] with input as request("shop", "api", {})
}

test_include_namespace if {
	contour.include_namespace({"name": "a"}) == "shop" with input as request("shop", "root", {})
	contour.include_namespace({"name": "a", "namespace": ""}) == "shop" with input as request("shop", "root", {})
	contour.include_namespace({"name": "a", "namespace": "blog"}) == "blog" with input as request("shop", "root", {})
}

# toCORSPolicy: "*" and exact scheme://host[:port] are exact; the rest is a regex.
test_exact_origin if {
	every o in ["*", "https://app.example.com", "https://app.example.com:8443", "http://*", "https://*.example.com", "https://.*", "h+s://x"] {
		contour.exact_origin(o)
	}
	every o in ["null", ".*", "HTTPS://app.example.com", "https://app.example.com/", `https://.*\.example\.com`, "https://user@x", "https://x?y", "https://[::1]", 1] {
		not contour.exact_origin(o)
	}
}

test_any_origin if {
	every o in ["*", ".*", ".", "\\*", "[*]", ".+", "(.*)", "^.*$", "null", "https?://.*", "https?://.+", "[a-z]+://.*", "(https://app\\.example\\.com|.*)", "https://[^/]+", "\\S+"] {
		contour.any_origin(o)
	}
	every o in [
		"https://app.example.com", "https://*.example.com", "https://.*", "https://.+", "http://*",
		`https://.*\.example\.com`, `http[s]?:\/\/some-site-[a-z0-9]+\.example\.com`,
		"https://app.example.com/", "NULL", " *", "(", "[", 42,
	] {
		not contour.any_origin(o)
	}
}
