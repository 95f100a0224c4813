package contour.safe_cors_test

import data.contour.safe_cors

request(operation, cors) := {"request": {
	"uid": "1",
	"kind": {"group": "projectcontour.io", "version": "v1", "kind": "HTTPProxy"},
	"name": "cors-example",
	"namespace": "shop",
	"operation": operation,
	"object": {
		"apiVersion": "projectcontour.io/v1",
		"kind": "HTTPProxy",
		"metadata": {"name": "cors-example", "namespace": "shop"},
		"spec": {
			"virtualhost": {"fqdn": "www.example.com", "corsPolicy": cors},
			"routes": [{"conditions": [{"prefix": "/"}], "services": [{"name": "cors-example", "port": 80}]}],
		},
	},
}}

cors(origins, credentials) := {"allowCredentials": credentials, "allowOrigin": origins, "allowMethods": ["GET", "POST", "OPTIONS"]}

deny_msg := "HTTPProxy shop/cors-example: spec.virtualhost.corsPolicy allows credentials from any origin (\"*\" in allowOrigin with allowCredentials: true), so any web site can call the API as a logged-in user; list the exact origins in allowOrigin, for example https://app.example.com"

warn_msg := "HTTPProxy shop/cors-example: spec.virtualhost.corsPolicy.allowOrigin contains \"*\", which admits any origin, so any web site can call the API from a browser; list the exact origins instead, for example https://app.example.com"

# Contour's own first CORS example ("*" with allowCredentials: true, cors docs).
test_star_with_credentials_denied if {
	safe_cors.deny == {deny_msg} with input as request("CREATE", cors(["*"], true))
	safe_cors.deny == {deny_msg} with input as request("AUDIT", cors(["https://app.example.com", "*"], true))
	count(safe_cors.warn) == 0 with input as request("CREATE", cors(["*"], true))
}

test_star_without_credentials_warned if {
	safe_cors.warn == {warn_msg} with input as request("CREATE", cors(["*"], false))
	safe_cors.warn == {warn_msg} with input as request("CREATE", object.remove(cors(["*"], false), ["allowCredentials"]))
	count(safe_cors.deny) == 0 with input as request("CREATE", cors(["*"], false))
}

# Regexes Envoy matches against "*" (its allow-all shortcut), "null" or any origin.
test_regex_any_origin_denied if {
	every o in [".*", ".", "\\*", "[*]", ".+", "(.*)", "null", "https?://.*", "[a-z]+://.*", "https?://[^/]+", "(https://app\\.example\\.com|.*)"] {
		denies := safe_cors.deny with input as request("CREATE", cors(["https://app.example.com", o], true))
		count(denies) == 1
		some msg in denies
		contains(msg, sprintf("(%q in allowOrigin", [o]))
		count(safe_cors.warn) == 1 with input as request("CREATE", cors([o], false))
	}
}

# Exact origins, and Contour's second CORS example (an exact origin and a regex bounded
# to example.com subdomains): not any origin. "https://*.example.com" and "https://.*"
# parse as exact URLs, so Contour compares them literally.
test_bounded_origins_allowed if {
	every o in ["https://client.example.com", "https://client.example.com:8443", `http[s]?:\/\/some-site-[a-z0-9]+\.example\.com`, "https://*.example.com", "https://.*", "NULL"] {
		count(safe_cors.deny) == 0 with input as request("CREATE", cors([o], true))
		count(safe_cors.warn) == 0 with input as request("CREATE", cors([o], true))
	}
}

# An invalid regex makes Contour reject the CORS policy: it admits nothing, and the
# policy must not fail on it.
test_invalid_regex_ignored if {
	count(safe_cors.deny) == 0 with input as request("CREATE", cors(["(", "[a-"], true))
}

test_no_cors_and_included_proxy if {
	req := json.patch(request("CREATE", cors(["*"], true)), [{"op": "remove", "path": "/request/object/spec/virtualhost/corsPolicy"}])
	count(safe_cors.deny) == 0 with input as req
}

test_delete_and_other_group_not_judged if {
	c := cors(["*"], true)
	del := json.patch(request("DELETE", c), [{"op": "add", "path": "/request/oldObject", "value": request("DELETE", c).request.object}])
	count(safe_cors.deny) == 0 with input as del
	other := json.patch(request("CREATE", c), [{"op": "replace", "path": "/request/kind/group", "value": "example.com"}])
	count(safe_cors.deny) == 0 with input as other
}
