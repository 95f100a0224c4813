package traefik.safe_cors_test

import data.traefik.safe_cors as policy

req(op, headers) := {"request": {
	"uid": "1",
	"kind": {"group": "traefik.io", "version": "v1alpha1", "kind": "Middleware"},
	"name": "cors",
	"namespace": "shop",
	"operation": op,
	"object": {"apiVersion": "traefik.io/v1alpha1", "kind": "Middleware", "metadata": {"name": "cors", "namespace": "shop"}, "spec": {"headers": headers}},
}}

test_star_with_credentials_denied if {
	policy.deny == {"Middleware shop/cors: spec.headers.accessControlAllowOriginList holds \"*\" and accessControlAllowCredentials is true, so Traefik echoes the caller's origin with credentials and any web site can call the API as a logged-in user; list the exact origins instead"} with input as req("CREATE", {"accessControlAllowOriginList": ["*"], "accessControlAllowCredentials": true})
	count(policy.deny) == 1 with input as req("AUDIT", {"accessControlAllowOriginList": ["https://app.example.com", "*"], "accessControlAllowCredentials": true})
}

# "null" is the Origin of sandboxed iframes; regexps are matched unanchored (matchOrigin).
test_variants_denied if {
	count(policy.deny) == 1 with input as req("CREATE", {"accessControlAllowOriginList": ["null"], "accessControlAllowCredentials": true})
	every r in [".*", ".", "https://", "^https?://.*$", "http", "null", "invalid$"] {
		count(policy.deny) == 1 with input as req("CREATE", {"accessControlAllowOriginListRegex": [r], "accessControlAllowCredentials": true})
	}
}

# matchOrigin matches unanchored: a regexp without a final $ matches longer origins.
test_unanchored_end_denied if {
	every r in [`^https://app\.example\.com`, `https://[a-z]+\.example\.com`, `^https://app\.example\.com\$`] {
		msgs := policy.deny with input as req("CREATE", {"accessControlAllowOriginListRegex": [r], "accessControlAllowCredentials": true})
		count(msgs) == 1
		some msg in msgs
		contains(msg, "does not end with $")
	}
	count(policy.deny) == 0 with input as req("CREATE", {"accessControlAllowOriginListRegex": [`^https://app\.example\.com\z`], "accessControlAllowCredentials": true})
	count(policy.deny) == 0 with input as req("CREATE", {"accessControlAllowOriginListRegex": [`^https://app\.example\.com`]})
}

test_safe_allowed if {
	every h in [
		{"accessControlAllowOriginList": ["*"]},
		{"accessControlAllowOriginList": ["*"], "accessControlAllowCredentials": false},
		{"accessControlAllowOriginList": ["https://app.example.com", " *", "https://*.example.com"], "accessControlAllowCredentials": true},
		{"accessControlAllowOriginListRegex": [`^https://[a-z]+\.example\.com$`], "accessControlAllowCredentials": true},
		{"accessControlAllowOriginListRegex": ["("], "accessControlAllowCredentials": true},
	] {
		count(policy.deny) == 0 with input as req("CREATE", h)
	}
}

test_not_judged if {
	count(policy.deny) == 0 with input as req("DELETE", {"accessControlAllowOriginList": ["*"], "accessControlAllowCredentials": true})
	count(policy.deny) == 0 with input as json.patch(req("CREATE", {"accessControlAllowOriginList": ["*"], "accessControlAllowCredentials": true}), [{"op": "replace", "path": "/request/kind/group", "value": "traefik.containo.us"}])
	count(policy.deny) == 0 with input as req("CREATE", {"accessControlAllowOriginList": ["*"], "accessControlAllowCredentials": true})
		with data.apiguard.config as {"traefik": {"corsNamespaces": ["shop"]}}
}
