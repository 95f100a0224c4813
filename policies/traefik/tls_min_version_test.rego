package traefik.tls_min_version_test

import data.traefik.tls_min_version as policy

req(op, name, spec) := {"request": {
	"uid": "1",
	"kind": {"group": "traefik.io", "version": "v1alpha1", "kind": "TLSOption"},
	"name": name,
	"namespace": "shop",
	"operation": op,
	"object": {"apiVersion": "traefik.io/v1alpha1", "kind": "TLSOption", "metadata": {"name": name, "namespace": "shop"}, "spec": spec},
}}

test_tls10_denied if {
	policy.deny == {"TLSOption shop/legacy: spec.minVersion is \"VersionTLS10\", so Traefik accepts TLS 1.0 handshakes, a protocol with known weaknesses; set spec.minVersion to VersionTLS12 or VersionTLS13"} with input as req("CREATE", "legacy", {"minVersion": "VersionTLS10"})
	count(policy.deny) == 1 with input as req("AUDIT", "legacy", {"minVersion": "VersionTLS11"})
}

# A TLSOption named default replaces the default options of every router.
test_default_option_message if {
	msgs := policy.deny with input as req("CREATE", "default", {"minVersion": "VersionTLS11"})
	some msg in msgs
	contains(msg, "on every router without TLS options of its own")
}

# Absent (Go's server default, TLS 1.2) and 1.2/1.3 pass.
test_modern_allowed if {
	every spec in [{}, {"minVersion": "VersionTLS12"}, {"minVersion": "VersionTLS13"}, {"minVersion": ""}] {
		count(policy.deny) == 0 with input as req("CREATE", "modern", spec)
		count(policy.warn) == 0 with input as req("CREATE", "modern", spec)
	}
}

# pkg/tls/certificate.go MinVersion is an exact map: other spellings get Go's default, 1.2.
test_unread_spellings_warned if {
	every v in ["versiontls10", "TLS1.0", "VersionTLS1.0", " VersionTLS10", "VersionTLS13 "] {
		count(policy.deny) == 0 with input as req("CREATE", "odd", {"minVersion": v})
		count(policy.warn) == 1 with input as req("CREATE", "odd", {"minVersion": v})
	}
}

test_not_judged if {
	count(policy.deny) == 0 with input as req("DELETE", "legacy", {"minVersion": "VersionTLS10"})
	count(policy.deny) == 0 with input as json.patch(req("CREATE", "legacy", {"minVersion": "VersionTLS10"}), [{"op": "replace", "path": "/request/kind/group", "value": "traefik.containo.us"}])
	count(policy.deny) == 0 with input as req("CREATE", "legacy", {"minVersion": "VersionTLS10"})
		with data.apiguard.config as {"traefik": {"legacyTLSNamespaces": ["shop"]}}
}
