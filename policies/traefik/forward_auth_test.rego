package traefik.forward_auth_test

import data.traefik.forward_auth as policy

req(op, auth) := {"request": {
	"uid": "1",
	"kind": {"group": "traefik.io", "version": "v1alpha1", "kind": "Middleware"},
	"name": "auth",
	"namespace": "shop",
	"operation": op,
	"object": {"apiVersion": "traefik.io/v1alpha1", "kind": "Middleware", "metadata": {"name": "auth", "namespace": "shop"}, "spec": {"forwardAuth": auth}},
}}

test_insecure_denied if {
	policy.deny == {"Middleware shop/auth: spec.forwardAuth.tls.insecureSkipVerify is true, so Traefik accepts any certificate from the authentication server at \"https://auth.example.com/verify\" and whoever can answer for it decides who is authenticated; remove it and set spec.forwardAuth.tls.caSecret"} with input as req("CREATE", {"address": "https://auth.example.com/verify", "tls": {"insecureSkipVerify": true}})
	count(policy.deny) == 1 with input as req("AUDIT", {"address": "https://auth.example.com/verify", "tls": {"insecureSkipVerify": true}})
}

test_trust_forward_header_warned if {
	count(policy.warn) == 1 with input as req("CREATE", {"address": "http://auth.auth.svc/verify", "trustForwardHeader": true})
	count(policy.deny) == 0 with input as req("CREATE", {"address": "http://auth.auth.svc/verify", "trustForwardHeader": true})
}

test_safe_allowed if {
	count(policy.deny) == 0 with input as req("CREATE", {"address": "https://auth.example.com/verify", "tls": {"caSecret": "auth-ca"}})
	count(policy.warn) == 0 with input as req("CREATE", {"address": "https://auth.example.com/verify", "tls": {"insecureSkipVerify": false}, "trustForwardHeader": false})
}

test_not_judged if {
	count(policy.deny) == 0 with input as req("DELETE", {"address": "https://a", "tls": {"insecureSkipVerify": true}})
	count(policy.deny) == 0 with input as json.patch(req("CREATE", {"address": "https://a", "tls": {"insecureSkipVerify": true}}), [{"op": "replace", "path": "/request/kind/group", "value": "traefik.containo.us"}])
	count(policy.deny) == 0 with input as req("CREATE", {"address": "https://a", "tls": {"insecureSkipVerify": true}})
		with data.apiguard.config as {"traefik": {"forwardAuthNamespaces": ["shop"]}}
}
