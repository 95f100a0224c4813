package traefik.tls_client_auth_test

import data.traefik.tls_client_auth as policy

req(op, name, spec) := {"request": {
	"uid": "1",
	"kind": {"group": "traefik.io", "version": "v1alpha1", "kind": "TLSOption"},
	"name": name,
	"namespace": "shop",
	"operation": op,
	"object": {"apiVersion": "traefik.io/v1alpha1", "kind": "TLSOption", "metadata": {"name": name, "namespace": "shop"}, "spec": spec},
}}

cfg := {"traefik": {"requireClientAuth": ["shop/mtls"]}}

test_weak_types_denied if {
	every t in ["NoClientCert", "RequestClientCert", "RequireAnyClientCert", "VerifyClientCertIfGiven"] {
		count(policy.deny) == 1 with input as req("CREATE", "mtls", {"clientAuth": {"clientAuthType": t, "secretNames": ["ca"]}}) with data.apiguard.config as cfg
	}
	policy.deny == {"TLSOption shop/mtls: mTLS is required for this TLSOption (traefik.requireClientAuth), but spec.clientAuth is not set (Traefik asks for no client certificate), so clients without a verified certificate get through; set spec.clientAuth.clientAuthType to RequireAndVerifyClientCert and spec.clientAuth.secretNames to the client CA Secrets"} with input as req("AUDIT", "mtls", {}) with data.apiguard.config as cfg
}

# buildTLSConfig refuses RequireAndVerifyClientCert without CAs: the option does not exist.
test_verify_without_cas_denied if {
	count(policy.deny) == 1 with input as req("CREATE", "mtls", {"clientAuth": {"clientAuthType": "RequireAndVerifyClientCert"}}) with data.apiguard.config as cfg
	count(policy.deny) == 1 with input as req("CREATE", "mtls", {"clientAuth": {"clientAuthType": "RequireAndVerifyClientCert", "secretNames": [""]}}) with data.apiguard.config as cfg
}

# CAs without a type mean RequireAndVerifyClientCert (buildTLSConfig).
test_verified_allowed if {
	count(policy.deny) == 0 with input as req("CREATE", "mtls", {"clientAuth": {"clientAuthType": "RequireAndVerifyClientCert", "secretNames": ["ca"]}}) with data.apiguard.config as cfg
	count(policy.deny) == 0 with input as req("CREATE", "mtls", {"clientAuth": {"secretNames": ["ca"]}}) with data.apiguard.config as cfg
}

test_scope if {
	count(policy.deny) == 0 with input as req("CREATE", "other", {}) with data.apiguard.config as cfg
	count(policy.deny) == 0 with input as req("CREATE", "mtls", {})
	count(policy.deny) == 1 with input as req("CREATE", "other", {}) with data.apiguard.config as {"traefik": {"requireClientAuth": ["shop"]}}
	count(policy.deny) == 1 with input as req("CREATE", "other", {}) with data.apiguard.config as {"traefik": {"requireClientAuth": ["sh*/*"]}}
}

test_not_judged if {
	count(policy.deny) == 0 with input as req("DELETE", "mtls", {}) with data.apiguard.config as cfg
	count(policy.deny) == 0 with input as json.patch(req("CREATE", "mtls", {}), [{"op": "replace", "path": "/request/kind/group", "value": "traefik.containo.us"}]) with data.apiguard.config as cfg
}
