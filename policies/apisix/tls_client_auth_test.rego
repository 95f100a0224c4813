package apisix.tls_client_auth_test

import data.apisix.tls_client_auth

req(operation, namespace, spec) := {"request": {
	"uid": "1",
	"kind": {"group": "apisix.apache.org", "version": "v2", "kind": "ApisixTls"},
	"name": "partner",
	"namespace": namespace,
	"operation": operation,
	"object": {
		"apiVersion": "apisix.apache.org/v2",
		"kind": "ApisixTls",
		"metadata": {"name": "partner", "namespace": namespace},
		"spec": spec,
	},
}}

tls(hosts, client) := object.union({"hosts": hosts, "secret": {"name": "partner-tls", "namespace": "shop"}}, client)

mtls := {"client": {"caSecret": {"name": "partner-ca", "namespace": "shop"}, "depth": 2}}

hosts_cfg := {"apisix": {"requireClientTLS": {"hosts": ["partner.example.com", "*.b2b.example.com"]}}}

ns_cfg := {"apisix": {"requireClientTLS": {"namespaces": ["pay*"]}}}

test_required_host_without_client_denied if {
	tls_client_auth.deny == {"ApisixTls shop/partner: host \"partner.example.com\" requires mTLS (apisix.requireClientTLS.hosts \"partner.example.com\"), but spec.client is not set, so APISIX accepts clients without a certificate; set spec.client.caSecret to the Secret holding the client CA"} with input as req("CREATE", "shop", tls(["partner.example.com"], {})) with data.apiguard.config as hosts_cfg
	count(tls_client_auth.deny) == 1 with input as req("CREATE", "shop", tls(["PARTNER.example.com"], {})) with data.apiguard.config as hosts_cfg
	count(tls_client_auth.deny) == 1 with input as req("CREATE", "shop", tls(["acme.b2b.example.com"], {})) with data.apiguard.config as hosts_cfg
	count(tls_client_auth.deny) == 1 with input as req("AUDIT", "shop", tls(["partner.example.com"], {})) with data.apiguard.config as hosts_cfg
}

# A wildcard SNI serves the required name when no exact one exists.
test_wildcard_serving_required_host_denied if {
	count(tls_client_auth.deny) == 1 with input as req("CREATE", "shop", tls(["*.example.com"], {})) with data.apiguard.config as hosts_cfg
	count(tls_client_auth.deny) == 0 with input as req("CREATE", "shop", tls(["*.other.example.org"], {})) with data.apiguard.config as hosts_cfg
}

# client without caSecret: the translator fails the object, so no mTLS.
test_client_without_ca_denied if {
	some msg in tls_client_auth.deny with input as req("CREATE", "shop", tls(["partner.example.com"], {"client": {"depth": 1}})) with data.apiguard.config as hosts_cfg
	contains(msg, "spec.client has no caSecret")
	count(tls_client_auth.deny) == 1 with input as req("CREATE", "shop", tls(["partner.example.com"], {"client": {}})) with data.apiguard.config as hosts_cfg
}

test_required_namespace if {
	count(tls_client_auth.deny) == 1 with input as req("CREATE", "payments", tls(["api.example.com"], {})) with data.apiguard.config as ns_cfg
	count(tls_client_auth.deny) == 0 with input as req("CREATE", "payments", tls(["api.example.com"], mtls)) with data.apiguard.config as ns_cfg
	count(tls_client_auth.deny) == 0 with input as req("CREATE", "shop", tls(["api.example.com"], {})) with data.apiguard.config as ns_cfg
}

test_not_required_allowed if {
	count(tls_client_auth.deny) == 0 with input as req("CREATE", "shop", tls(["partner.example.com"], {}))
	count(tls_client_auth.deny) == 0 with input as req("CREATE", "shop", tls(["www.example.com"], {})) with data.apiguard.config as hosts_cfg
	count(tls_client_auth.deny) == 0 with input as req("CREATE", "shop", tls(["partner.example.com"], mtls)) with data.apiguard.config as hosts_cfg
	count(tls_client_auth.warn) == 0 with input as req("CREATE", "shop", tls(["partner.example.com"], mtls))
}

test_skip_mtls_uri_regex_warned if {
	spec := tls(["partner.example.com"], {"client": {"caSecret": {"name": "partner-ca", "namespace": "shop"}, "skip_mtls_uri_regex": ["/public.*", "^/healthz$"]}})
	count(tls_client_auth.warn) == 2 with input as req("CREATE", "shop", spec)
	count(tls_client_auth.deny) == 0 with input as req("CREATE", "shop", spec) with data.apiguard.config as hosts_cfg
}

test_delete_and_other_groups_not_judged if {
	count(tls_client_auth.deny) == 0 with input as req("DELETE", "shop", tls(["partner.example.com"], {})) with data.apiguard.config as hosts_cfg
	other := json.patch(req("CREATE", "shop", tls(["partner.example.com"], {})), [{"op": "replace", "path": "/request/kind/group", "value": "example.com"}])
	count(tls_client_auth.deny) == 0 with input as other with data.apiguard.config as hosts_cfg
}
