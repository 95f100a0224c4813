package tyk.require_domain_test

import data.tyk.require_domain

request(operation, spec) := {"request": {
	"uid": "1",
	"kind": {"group": "tyk.tyk.io", "version": "v1alpha1", "kind": "ApiDefinition"},
	"name": "orders",
	"namespace": "demo",
	"operation": operation,
	"object": {
		"apiVersion": "tyk.tyk.io/v1alpha1",
		"kind": "ApiDefinition",
		"metadata": {"name": "orders", "namespace": "demo"},
		"spec": object.union({"name": "orders", "protocol": "http", "proxy": {"target_url": "http://orders.demo.svc", "listen_path": "/orders"}}, spec),
	},
}}

msg := "ApiDefinition demo/orders: spec.domain is empty, so Tyk serves the API's listen path on every host name that reaches the gateway; set spec.domain to the host it is published on, for example api.example.com"

test_missing_or_blank_domain_warned if {
	every spec in [{}, {"domain": ""}, {"domain": "  "}, {"domain": 7}] {
		warns := require_domain.warn with input as request("CREATE", spec)
		warns == {msg}
	}
}

test_domain_quiet if {
	count(require_domain.warn) == 0 with input as request("CREATE", {"domain": "api.example.com"})
	count(require_domain.warn) == 0 with input as request("UPDATE", {"domain": "{subdomain:[a-z]+}.example.com"})
}

test_inactive_or_internal_quiet if {
	count(require_domain.warn) == 1 with input as request("CREATE", {"active": false})
	count(require_domain.warn) == 0 with input as request("CREATE", {"active": false}) with data.apiguard.config as {"tyk": {"dashboard": true}}
	count(require_domain.warn) == 0 with input as request("CREATE", {"internal": true})
}

test_never_denies if {
	not require_domain.deny with input as request("CREATE", {})
}

test_security_policy_ignored if {
	req := json.patch(request("CREATE", {}), [{"op": "replace", "path": "/request/kind/kind", "value": "SecurityPolicy"}])
	count(require_domain.warn) == 0 with input as req
}
