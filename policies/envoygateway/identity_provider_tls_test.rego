package envoygateway.identity_provider_tls_test

import data.envoygateway.identity_provider_tls as policy

request(operation, group, spec) := {"request": {
	"uid": "1",
	"kind": {"group": group, "version": "v1alpha1", "kind": "SecurityPolicy"},
	"name": "api",
	"namespace": "shop",
	"operation": operation,
	"object": {
		"apiVersion": concat("/", [group, "v1alpha1"]),
		"kind": "SecurityPolicy",
		"metadata": {"name": "api", "namespace": "shop"},
		"spec": object.union({"targetRefs": [{"group": "gateway.networking.k8s.io", "kind": "HTTPRoute", "name": "api"}]}, spec),
	},
}}

create(spec) := request("CREATE", "gateway.envoyproxy.io", spec)

jwks(uris) := {"jwt": {"providers": [{"name": sprintf("p%d", [i]), "remoteJWKS": {"uri": u}} | some i, u in uris]}}

test_https_allowed if {
	count(policy.deny) == 0 with input as create(jwks(["https://idp.example.com/.well-known/jwks.json", "HTTPS://idp.example.com/jwks", " https://idp.example.com/jwks"]))
	count(policy.deny) == 0 with input as create({"jwt": {"providers": [{"name": "local", "localJWKS": {"type": "Inline", "inline": "{}"}}]}})
	count(policy.deny) == 0 with input as create({"oidc": {"provider": {"issuer": "https://idp.example.com", "tokenEndpoint": "https://idp.example.com/token"}, "clientID": "c", "clientSecret": {"name": "s"}}})
}

# securitypolicy.go buildRemoteJWKS: only scheme "https" gets TLS; Go lower-cases the scheme.
test_plain_schemes_denied if {
	policy.deny == {"SecurityPolicy shop/api: spec.jwt.providers[0].remoteJWKS.uri \"http://idp.example.com/jwks\" is not https, so the key set is fetched in the clear and whoever is on the path can replace it and forge any JWT; use an https:// URL"} with input as create(jwks(["http://idp.example.com/jwks"]))
	every uri in ["HTTP://idp.example.com/jwks", " http://idp.example.com/jwks", "\thttp://idp", "ftp://idp.example.com/jwks", "idp.example.com/jwks", "https:/idp.example.com"] {
		count(policy.deny) == 1 with input as create(jwks([uri]))
	}
	count(policy.deny) == 1 with input as create(jwks(["https://ok.example.com/jwks", "http://bad.example.com/jwks"]))
}

test_oidc_authorization_endpoint if {
	count(policy.deny) == 1 with input as create({"oidc": {"provider": {"issuer": "https://idp.example.com", "authorizationEndpoint": "http://idp.example.com/auth"}, "clientID": "c", "clientSecret": {"name": "s"}}})
	count(policy.deny) == 0 with input as create({"oidc": {"provider": {"issuer": "https://idp.example.com", "authorizationEndpoint": "https://idp.example.com/auth"}, "clientID": "c", "clientSecret": {"name": "s"}}})
}

test_oidc_token_endpoint if {
	count(policy.deny) == 1 with input as create({"oidc": {"provider": {"issuer": "https://idp.example.com", "tokenEndpoint": "http://idp.example.com/token"}, "clientID": "c", "clientSecret": {"name": "s"}}})
}

test_delete_and_other_group_not_judged if {
	count(policy.deny) == 0 with input as request("DELETE", "gateway.envoyproxy.io", jwks(["http://idp/jwks"]))
	count(policy.deny) == 0 with input as request("CREATE", "tyk.tyk.io", jwks(["http://idp/jwks"]))
}
