package lib.envoygateway_test

import data.lib.envoygateway as eg

# Every origin form the CRD's Origin pattern admits, read as wildcard2regex reads it.
test_any_origin if {
	every o in ["*", "https://*", "http://*:8080", "HTTPS://*", "moz-extension://*", "https://*.com", "https://*.io:443", "https://*.com."] {
		eg.any_origin(o)
		not eg.subdomain_wildcard(o)
	}
	every o in ["https://app.example.com", "https://*.example.com", "http://localhost:3000", "null", 42] {
		not eg.any_origin(o)
	}
}

test_subdomain_wildcard if {
	every o in ["https://*.example.com", "http://*.a.b.example.co.uk:8443"] {
		eg.subdomain_wildcard(o)
	}
	not eg.subdomain_wildcard("https://app.example.com")
}

test_default_action if {
	eg.default_action({}) == "Deny"
	eg.default_action({"defaultAction": null}) == "Deny"
	eg.default_action({"defaultAction": "Allow"}) == "Allow"
}

test_legacy_tls if {
	eg.legacy_tls("1.0")
	eg.legacy_tls("1.1")
	not eg.legacy_tls("1.2")
	not eg.legacy_tls("Auto")
}

test_globs if {
	eg.globs("k") == ["a*"] with data.apiguard.config as {"envoyGateway": {"k": ["a*"]}}
	eg.globs("k") == [] with data.apiguard.config as {"envoyGateway": {"k": ["a", 1]}}
	eg.globs("k") == [] with data.apiguard.config as {}
}
