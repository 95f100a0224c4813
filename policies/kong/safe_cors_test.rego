package kong.safe_cors_test

import data.kong.safe_cors

request(operation, kind, config) := {"request": {
	"kind": {"group": "configuration.konghq.com", "version": "v1", "kind": kind},
	"name": "cors",
	"namespace": "shop",
	"operation": operation,
	"object": {"apiVersion": "configuration.konghq.com/v1", "kind": kind, "metadata": {"name": "cors", "namespace": "shop"}, "plugin": "cors", "config": config},
}}

cors(config) := request("CREATE", "KongPlugin", config)

with_credentials(origins) := {"origins": origins, "credentials": true}

test_star_with_credentials_denied if {
	safe_cors.deny == {"KongPlugin shop/cors: cors allows credentials from any origin (\"*\" in config.origins, with config.credentials: true), so Kong echoes any web site's Origin with Access-Control-Allow-Credentials and that site can call the API as the logged-in user; list the exact origins in config.origins, for example https://app.example.com"} with input as cors(with_credentials(["*"]))
	count(safe_cors.deny) == 1 with input as request("AUDIT", "KongClusterPlugin", with_credentials(["*"]))
}

# configure_origin: no origins (or []) means "*"; "*" anywhere in a longer list
# returns allow_all; configure_credentials then echoes the request's Origin.
test_any_origin_spellings_denied if {
	count(safe_cors.deny) == 1 with input as cors({"credentials": true})
	count(safe_cors.deny) == 1 with input as cors(with_credentials([]))
	count(safe_cors.deny) == 1 with input as cors(with_credentials(["https://app.example.com", "*"]))
	count(safe_cors.deny) == 1 with input as cors(with_credentials(["null"]))

	# the string "true" is read as credentials too (fail closed)
	count(safe_cors.deny) == 1 with input as cors({"origins": ["*"], "credentials": "true"})
}

# Regex entries (any character outside A-Za-z0-9.:/-) are anchored at the start with
# "$" appended, matched against the host (no ":" in the entry) or the full origin.
test_regex_any_origin_denied if {
	every e in [".*", ".+", "^.*$", "(.*)", "[a-z.]+", "https?://.*", "https://.*", "a.com|.*", "[^/]+"] {
		count(safe_cors.deny) == 1 with input as cors(with_credentials([e]))
	}
}

test_regex_bounded_allowed if {
	count(safe_cors.deny) == 0 with input as cors(with_credentials([`(app|www)\.example\.com`]))
	count(safe_cors.warn) == 0 with input as cors(with_credentials([`(app|www)\.example\.com`]))
	count(safe_cors.deny) == 0 with input as cors(with_credentials([`https://[a-z]+\.example\.com`]))
}

# Look-alikes: an unescaped "." or a wildcard before the domain admits evilexample.com.
test_regex_loose_warned if {
	count(safe_cors.deny) == 0 with input as cors(with_credentials([`https://.*example\.com`]))
	count(safe_cors.warn) == 1 with input as cors(with_credentials([`https://.*example\.com`]))
	count(safe_cors.warn) == 1 with input as cors(with_credentials(["(app|www).example.com"]))

	# a PCRE-only regex RE2 cannot compile is not probed, but its wildcard is warned
	count(safe_cors.deny) == 0 with input as cors(with_credentials([`(?!evil).*\.example\.com`]))
	count(safe_cors.warn) == 1 with input as cors(with_credentials([`(?!evil).*\.example\.com`]))
}

test_exact_origins_allowed if {
	r := cors(with_credentials(["https://app.example.com", "https://admin.example.com:8443"]))
	count(safe_cors.deny) == 0 with input as r
	count(safe_cors.warn) == 0 with input as r
}

test_any_origin_without_credentials_warned if {
	safe_cors.warn == {"KongPlugin shop/cors: cors allows any origin (\"*\" in config.origins), so any web site can call the API from a browser; list the exact origins in config.origins instead"} with input as cors({"origins": ["*"]})
	count(safe_cors.deny) == 0 with input as cors({"origins": ["*"], "credentials": false})
	count(safe_cors.warn) == 1 with input as cors({})
}

test_config_from_secret_warned if {
	r := {"request": {
		"kind": {"group": "configuration.konghq.com", "version": "v1", "kind": "KongPlugin"},
		"namespace": "shop",
		"operation": "CREATE",
		"object": {"metadata": {"name": "cors", "namespace": "shop"}, "plugin": "cors", "configFrom": {"secretKeyRef": {"name": "c", "key": "c"}}},
	}}
	count(safe_cors.deny) == 0 with input as r
	count(safe_cors.warn) == 2 with input as r
	p := json.patch(r, [
		{"op": "remove", "path": "/request/object/configFrom"},
		{"op": "add", "path": "/request/object/config", "value": {"credentials": true}},
		{"op": "add", "path": "/request/object/configPatches", "value": [{"path": "/origins", "valueFrom": {"secretKeyRef": {"name": "c", "key": "o"}}}]},
	])
	count(safe_cors.deny) == 0 with input as p
	count(safe_cors.warn) == 1 with input as p
}

test_disabled_delete_other_group_not_judged if {
	d := json.patch(cors(with_credentials(["*"])), [{"op": "add", "path": "/request/object/disabled", "value": true}])
	count(safe_cors.deny) == 0 with input as d
	r := request("DELETE", "KongPlugin", with_credentials(["*"]))
	count(safe_cors.deny) == 0 with input as json.patch(r, [{"op": "add", "path": "/request/oldObject", "value": r.request.object}, {"op": "remove", "path": "/request/object"}])
	count(safe_cors.deny) == 0 with input as json.patch(cors(with_credentials(["*"])), [{"op": "replace", "path": "/request/kind/group", "value": "example.com"}])
	count(safe_cors.deny) == 0 with input as json.patch(cors(with_credentials(["*"])), [{"op": "replace", "path": "/request/object/plugin", "value": "CORS"}])
}
