package istio.request_authn_jwks_https_test

import data.istio.request_authn_jwks_https

request(op, group, spec) := {"request": {
	"uid": "1",
	"kind": {"group": group, "version": "v1", "kind": "RequestAuthentication"},
	"name": "jwt",
	"namespace": "shop",
	"operation": op,
	"object": {
		"apiVersion": sprintf("%s/v1", [group]),
		"kind": "RequestAuthentication",
		"metadata": {"name": "jwt", "namespace": "shop"},
		"spec": spec,
	},
}}

req(rules) := request("CREATE", "security.istio.io", {"jwtRules": rules})

test_http_jwks_denied if {
	denies := request_authn_jwks_https.deny with input as req([{"issuer": "https://idp.example.com", "jwksUri": "http://idp.example.com/jwks.json"}])
	denies == {"RequestAuthentication shop/jwt: spec.jwtRules[0].jwksUri \"http://idp.example.com/jwks.json\" is fetched over plain HTTP, so anyone on the network path can replace the signing keys and forge tokens the workloads accept; use the provider's https:// JWKS URL"}
}

# The scheme is case-insensitive; the alias jwks_uri is read too.
test_spellings if {
	every uri in ["HTTP://idp.example.com/k", "Http://idp.example.com/k", " http://idp.example.com/k", "http://10.0.0.1/k"] {
		count(request_authn_jwks_https.deny) == 1 with input as req([{"issuer": "i", "jwksUri": uri}])
		count(request_authn_jwks_https.deny) == 1 with input as req([{"issuer": "i", "jwks_uri": uri}])
	}
	count(request_authn_jwks_https.deny) == 0 with input as req([{"issuer": "i", "jwksUri": "https://idp.example.com/k"}])
	count(request_authn_jwks_https.deny) == 0 with input as req([{"issuer": "i", "jwksUri": "HTTPS://idp.example.com/k"}])
}

# Without jwksUri or jwks, keys come from OpenID Discovery of the issuer.
test_http_issuer_discovery if {
	count(request_authn_jwks_https.deny) == 1 with input as req([{"issuer": "http://idp.example.com"}])
	count(request_authn_jwks_https.deny) == 0 with input as req([{"issuer": "https://idp.example.com"}])
	count(request_authn_jwks_https.deny) == 0 with input as req([{"issuer": "http://idp.example.com", "jwksUri": "https://idp.example.com/k"}])
	count(request_authn_jwks_https.deny) == 0 with input as req([{"issuer": "http://idp.example.com", "jwks": "{\"keys\":[]}"}])
	count(request_authn_jwks_https.deny) == 0 with input as req([{"issuer": "1234567-compute@developer.gserviceaccount.com"}])
}

test_second_rule_and_not_judged if {
	rules := [{"issuer": "a", "jwksUri": "https://a.example.com/k"}, {"issuer": "b", "jwksUri": "http://b.example.com/k"}]
	denies := request_authn_jwks_https.deny with input as req(rules)
	some msg in denies
	contains(msg, "spec.jwtRules[1].jwksUri")
	count(request_authn_jwks_https.deny) == 0 with input as request("DELETE", "security.istio.io", {"jwtRules": rules})
	count(request_authn_jwks_https.deny) == 0 with input as request("CREATE", "security.example.io", {"jwtRules": rules})
}
