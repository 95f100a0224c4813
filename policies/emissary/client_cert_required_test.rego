package emissary.client_cert_required_test

import data.emissary.client_cert_required

tlscontext(namespace, spec) := {"request": {
	"uid": "1",
	"kind": {"group": "getambassador.io", "version": "v3alpha1", "kind": "TLSContext"},
	"name": "edge",
	"namespace": namespace,
	"operation": "CREATE",
	"object": {
		"apiVersion": "getambassador.io/v3alpha1",
		"kind": "TLSContext",
		"metadata": {"name": "edge", "namespace": namespace},
		"spec": object.union({"hosts": ["api.bank.example.com"], "secret": "edge-tls"}, spec),
	},
}}

host(tls) := {"request": {
	"uid": "1",
	"kind": {"group": "getambassador.io", "version": "v3alpha1", "kind": "Host"},
	"name": "edge",
	"namespace": "shop",
	"operation": "CREATE",
	"object": {
		"apiVersion": "getambassador.io/v3alpha1",
		"kind": "Host",
		"metadata": {"name": "edge", "namespace": "shop"},
		"spec": {"hostname": "api.bank.example.com", "tlsSecret": {"name": "edge-tls"}, "tls": tls},
	},
}}

config := {"emissary": {"requireClientCert": {"hosts": ["*.BANK.example.com"], "namespaces": ["payments-*"]}}}

false_msg := "TLSContext shop/edge: spec.cert_required is false, so Envoy lets clients connect to api.bank.example.com without a certificate although mutual TLS is required there (emissary.requireClientCert); set cert_required: true and ca_secret to your client CA's Secret"

no_ca_msg := "TLSContext shop/edge: spec sets cert_required: true but neither ca_secret nor cacert_chain_file, so Envoy accepts any client certificate for api.bank.example.com without verifying it; set ca_secret to the Secret holding your client CA"

test_required_host_warned if {
	client_cert_required.warn == {false_msg} with input as tlscontext("shop", {"cert_required": false, "ca_secret": "client-ca"})
		with data.apiguard.config as config
	msgs := client_cert_required.warn with input as tlscontext("shop", {"ca_secret": "client-ca"})
		with data.apiguard.config as config
	some msg in msgs
	contains(msg, "spec.cert_required is not set (Envoy's default, false)")
	client_cert_required.warn == {no_ca_msg} with input as tlscontext("shop", {"cert_required": true})
		with data.apiguard.config as config
	count(client_cert_required.warn) == 1 with input as tlscontext("shop", {"cert_required": true, "ca_secret": ""})
		with data.apiguard.config as config
}

test_required_namespace_warned if {
	count(client_cert_required.warn) == 1 with input as tlscontext("payments-eu", {"hosts": ["shop.example.com"]})
		with data.apiguard.config as config
}

test_host_inline_tls_warned if {
	count(client_cert_required.warn) == 1 with input as host({"cert_required": false, "ca_secret": "client-ca"})
		with data.apiguard.config as config
	count(client_cert_required.warn) == 0 with input as host({"cert_required": true, "ca_secret": "client-ca"})
		with data.apiguard.config as config
}

test_mtls_or_out_of_scope_not_warned if {
	count(client_cert_required.warn) == 0 with input as tlscontext("shop", {"cert_required": true, "ca_secret": "client-ca"})
		with data.apiguard.config as config
	count(client_cert_required.warn) == 0 with input as tlscontext("shop", {"cert_required": true, "cacert_chain_file": "/etc/ca.pem"})
		with data.apiguard.config as config

	# Other hosts, origination contexts (no hosts), and no configuration.
	count(client_cert_required.warn) == 0 with input as tlscontext("shop", {"hosts": ["shop.example.com"], "cert_required": false})
		with data.apiguard.config as config
	count(client_cert_required.warn) == 0 with input as tlscontext("shop", {"hosts": [], "cert_required": false})
		with data.apiguard.config as config
	count(client_cert_required.warn) == 0 with input as tlscontext("shop", {"cert_required": false})
	count(client_cert_required.warn) == 0 with input as tlscontext("shop", {"cert_required": false})
		with data.apiguard.config as {"emissary": {"requireClientCert": "yes"}}
}

test_delete_and_other_group_not_judged if {
	req := json.patch(tlscontext("shop", {"cert_required": false}), [{"op": "replace", "path": "/request/operation", "value": "DELETE"}])
	del := json.patch(req, [{"op": "add", "path": "/request/oldObject", "value": req.request.object}])
	count(client_cert_required.warn) == 0 with input as del with data.apiguard.config as config
	other := json.patch(tlscontext("shop", {"cert_required": false}), [{"op": "replace", "path": "/request/kind/group", "value": "example.com"}])
	count(client_cert_required.warn) == 0 with input as other with data.apiguard.config as config
}
