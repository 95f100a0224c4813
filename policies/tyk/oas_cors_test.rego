package tyk.oas_cors_test

import data.lib.tykoas_test as t
import data.tyk.oas_cors

cors(c) := t.gw_with({"middleware": {"global": {"cors": c}}})

test_wildcards_with_credentials_denied if {
	every o in ["*", "null", "https://*", "https://*.com", " NULL "] {
		count(oas_cors.deny) == 1 with input as t.api_input(cors({"enabled": true, "allowCredentials": true, "allowedOrigins": ["https://app.example.com", o]}), {})
	}
}

test_message if {
	oas_cors.deny == {concat("", [t.where, `.middleware.global.cors.allowedOrigins contains "*" with allowCredentials: true, so any web site can read authenticated responses; list exact origins or set allowCredentials: false`])} with input as t.api_input(cors({"enabled": true, "allowCredentials": true, "allowedOrigins": ["*"]}), {})
}

test_safe_variants_pass if {
	count(oas_cors.deny) == 0 with input as t.api_input(cors({"enabled": true, "allowCredentials": false, "allowedOrigins": ["*"]}), {})
	count(oas_cors.deny) == 0 with input as t.api_input(cors({"enabled": false, "allowCredentials": true, "allowedOrigins": ["*"]}), {})
	count(oas_cors.deny) == 0 with input as t.api_input(cors({"enabled": true, "allowCredentials": true, "allowedOrigins": ["https://app.example.com", "https://*.example.com"]}), {})
}
