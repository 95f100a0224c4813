package apisix.safe_cors_test

import data.apisix.safe_cors

req(operation, kind, spec) := {"request": {
	"uid": "1",
	"kind": {"group": "apisix.apache.org", "version": "v2", "kind": kind},
	"name": "web",
	"namespace": "shop",
	"operation": operation,
	"object": {
		"apiVersion": "apisix.apache.org/v2",
		"kind": kind,
		"metadata": {"name": "web", "namespace": "shop"},
		"spec": spec,
	},
}}

route(plugins) := {"http": [{
	"name": "web",
	"match": {"hosts": ["api.example.com"], "paths": ["/*"]},
	"backends": [{"serviceName": "web", "servicePort": 80}],
	"plugins": plugins,
}]}

cors(config) := route([{"name": "cors", "enable": true, "config": config}])

strict := {"allow_methods": "GET,POST", "allow_headers": "Authorization", "expose_headers": "X-Request-Id"}

creds(extra) := object.union(object.union(strict, {"allow_credential": true}), extra)

deny_count(spec) := n if {
	n := count(safe_cors.deny) with input as req("CREATE", "ApisixRoute", spec)
}

warn_count(spec) := n if {
	n := count(safe_cors.warn) with input as req("CREATE", "ApisixRoute", spec)
}

# "**" answers every Origin with itself (cors.lua process_with_allow_origins).
test_double_star_with_credentials_denied if {
	safe_cors.deny == {"ApisixRoute shop/web: spec.http[0].plugins[0] (cors) allows credentials from any origin (allow_origins \"**\" with allow_credential: true), so any web site can call the API as a logged-in user; list the exact origins in allow_origins, for example https://app.example.com"} with input as req("CREATE", "ApisixRoute", cors(creds({"allow_origins": "**"})))
	count(safe_cors.deny) == 1 with input as req("AUDIT", "ApisixRoute", cors(creds({"allow_origins": "**"})))
	warn_count(cors(creds({"allow_origins": "**"}))) == 0
}

# "null" is what sandboxed iframes send, from any site.
test_null_origin_with_credentials_denied if {
	deny_count(cors(creds({"allow_origins": "null"}))) == 1
}

# Regexes APISIX's unanchored ngx.re.find matches against an attacker's origin.
test_open_regex_with_credentials_denied if {
	every r in [".*", ".", "https://", "^https?://", "x|", "null", "[a-z]+://.*", "(https://app\\.example\\.com|.*)", "^https://[^/]+$"] {
		deny_count(cors(creds({"allow_origins": "https://app.example.com", "allow_origins_by_regex": [r]}))) == 1
		warn_count(cors({"allow_origins": "https://app.example.com", "allow_origins_by_regex": [r]})) == 1
	}
}

# Bounded regexes anchored at both ends, and exact origin lists: allowed.
test_bounded_origins_allowed if {
	every o in ["https://app.example.com", "https://app.example.com,https://admin.example.com", "https://*.example.com"] {
		deny_count(cors(creds({"allow_origins": o}))) == 0
		warn_count(cors(creds({"allow_origins": o}))) == 0
	}
	deny_count(cors(creds({"allow_origins": "https://app.example.com", "allow_origins_by_regex": ["^https://[a-z0-9-]+\\.example\\.com$"]}))) == 0
	warn_count(cors(creds({"allow_origins": "https://app.example.com", "allow_origins_by_regex": ["^https://[a-z0-9-]+\\.example\\.com$", "\\Ahttps://b\\.example\\.com\\z"]}))) == 0
}

# APISIX's own docs example ".*\.test.com" is unanchored: it matches
# https://a.test.com.attacker.example too.
test_unanchored_regex_with_credentials_warned if {
	spec := cors(creds({"allow_origins": "https://app.example.com", "allow_origins_by_regex": [".*\\.test\\.com"]}))
	deny_count(spec) == 0
	some msg in safe_cors.warn with input as req("CREATE", "ApisixRoute", spec)
	contains(msg, "searches unanchored")
	warn_count(cors(creds({"allow_origins": "https://app.example.com", "allow_origins_by_regex": ["^https://app\\.example\\.com"]}))) == 1
	warn_count(cors(creds({"allow_origins": "https://app.example.com", "allow_origins_by_regex": ["https://app\\.example\\.com$"]}))) == 1

	# An escaped dollar is no anchor.
	warn_count(cors(creds({"allow_origins": "https://app.example.com", "allow_origins_by_regex": ["^https://app\\.example\\.com\\$"]}))) == 1

	# Without credentials an unanchored regex is not judged.
	warn_count(cors({"allow_origins": "https://app.example.com", "allow_origins_by_regex": [".*\\.test\\.com"]})) == 0
}

test_unreadable_regex_with_credentials_warned if {
	spec := cors(creds({"allow_origins": "https://app.example.com", "allow_origins_by_regex": ["^https://(?!evil)[a-z]+\\.example\\.com$"]}))
	deny_count(spec) == 0
	some msg in safe_cors.warn with input as req("CREATE", "ApisixRoute", spec)
	contains(msg, "which apiguard cannot read")
}

test_metadata_origins_with_credentials_warned if {
	warn_count(cors(creds({"allow_origins": "https://app.example.com", "allow_origins_by_metadata": ["partners"]}))) == 1
	warn_count(cors({"allow_origins": "https://app.example.com", "allow_origins_by_metadata": ["partners"]})) == 0
}

# Without credentials any origin is warned, including the default allow_origins "*".
test_any_origin_without_credentials_warned if {
	safe_cors.warn == {"ApisixRoute shop/web: spec.http[0].plugins[0] (cors) allow_origins \"*\" admits any origin, so any web site can call the API from a browser; list the exact origins instead, for example https://app.example.com"} with input as req("CREATE", "ApisixRoute", cors({}))
	warn_count(cors({"allow_origins": "**"})) == 1
	warn_count(cors({"allow_origins": "*", "allow_credential": false})) == 1
	deny_count(cors({"allow_origins": "**"})) == 0
}

# "*" with credentials is refused by the plugin's check_schema; a string "true" is not
# the boolean APISIX's schema requires.
test_star_with_credentials_not_denied if {
	deny_count(cors(creds({"allow_origins": "*"}))) == 0
	deny_count(cors({"allow_origins": "**", "allow_credential": "true"})) == 0
}

# The last enabled cors entry is the one that runs.
test_effective_entry if {
	spec := route([
		{"name": "cors", "enable": true, "config": creds({"allow_origins": "**"})},
		{"name": "cors", "enable": true, "config": creds({"allow_origins": "https://app.example.com"})},
	])
	deny_count(spec) == 0
	disabled := route([{"name": "cors", "enable": false, "config": creds({"allow_origins": "**"})}])
	deny_count(disabled) == 0
	warn_count(disabled) == 0
}

test_plugin_config_and_global_rule_judged if {
	every kind in ["ApisixPluginConfig", "ApisixGlobalRule"] {
		some msg in safe_cors.deny with input as req("CREATE", kind, {"plugins": [{"name": "cors", "enable": true, "config": creds({"allow_origins": "**"})}]})
		contains(msg, "spec.plugins[0] (cors)")
	}
	count(safe_cors.deny) == 0 with input as req("CREATE", "ApisixConsumer", {"plugins": [{"name": "cors", "enable": true, "config": creds({"allow_origins": "**"})}]})
}

test_delete_and_other_groups_not_judged if {
	count(safe_cors.deny) == 0 with input as req("DELETE", "ApisixRoute", cors(creds({"allow_origins": "**"})))
	other := json.patch(req("CREATE", "ApisixRoute", cors(creds({"allow_origins": "**"}))), [{"op": "replace", "path": "/request/kind/group", "value": "example.com"}])
	count(safe_cors.deny) == 0 with input as other
}
