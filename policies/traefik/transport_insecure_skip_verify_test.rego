package traefik.transport_insecure_skip_verify_test

import data.traefik.transport_insecure_skip_verify as policy

req(kind, op, spec) := {"request": {
	"uid": "1",
	"kind": {"group": "traefik.io", "version": "v1alpha1", "kind": kind},
	"name": "backend",
	"namespace": "shop",
	"operation": op,
	"object": {"apiVersion": "traefik.io/v1alpha1", "kind": kind, "metadata": {"name": "backend", "namespace": "shop"}, "spec": spec},
}}

test_http_denied if {
	policy.deny == {"ServersTransport shop/backend: spec.insecureSkipVerify is true, so Traefik accepts any certificate from the backends using this transport and anyone who can answer for them reads the traffic; remove it and set spec.rootCAs to the backend's CA"} with input as req("ServersTransport", "CREATE", {"insecureSkipVerify": true})
	count(policy.deny) == 1 with input as req("ServersTransport", "AUDIT", {"insecureSkipVerify": true})
}

test_tcp_denied if {
	count(policy.deny) == 1 with input as req("ServersTransportTCP", "UPDATE", {"tls": {"insecureSkipVerify": true}})
}

# Only the boolean true disables verification; the field at the wrong level is not read.
test_verified_allowed if {
	count(policy.deny) == 0 with input as req("ServersTransport", "CREATE", {"insecureSkipVerify": false, "rootCAs": [{"secret": "ca"}]})
	count(policy.deny) == 0 with input as req("ServersTransport", "CREATE", {})
	count(policy.deny) == 0 with input as req("ServersTransportTCP", "CREATE", {"tls": {"insecureSkipVerify": false}})
	count(policy.deny) == 0 with input as req("ServersTransportTCP", "CREATE", {"insecureSkipVerify": true})
}

test_not_judged if {
	count(policy.deny) == 0 with input as req("ServersTransport", "DELETE", {"insecureSkipVerify": true})
	count(policy.deny) == 0 with input as json.patch(req("ServersTransport", "CREATE", {"insecureSkipVerify": true}), [{"op": "replace", "path": "/request/kind/group", "value": "traefik.containo.us"}])
	count(policy.deny) == 0 with input as req("ServersTransport", "CREATE", {"insecureSkipVerify": true})
		with data.apiguard.config as {"traefik": {"insecureTransportNamespaces": ["shop"]}}
}
