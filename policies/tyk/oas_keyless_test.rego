package tyk.oas_keyless_test

import data.lib.tykoas_test as t
import data.tyk.oas_keyless

keyless := t.gw_with({"server": {"listenPath": {"value": "/h/"}, "authentication": {"enabled": false}}})

no_auth := json.remove(t.secure_gw, ["server/authentication"])

msg := concat("", [t.where, `.server.authentication.enabled is not true, so anyone who reaches the gateway can call every operation; set it to true with a security scheme; for an intentionally public API, label it apiguard.io/public-api: "approved" in a namespace listed in apiguard config tyk.keylessNamespaces`])

test_authenticated_passes if {
	count(oas_keyless.deny) == 0 with input as t.api_input(t.secure_gw, {})
}

test_disabled_is_denied if {
	oas_keyless.deny == {msg} with input as t.api_input(keyless, {})
}

test_absent_is_denied if {
	oas_keyless.deny == {msg} with input as t.api_input(no_auth, {})
}

test_public_exception if {
	approved := {"apiguard.io/public-api": "approved"}
	count(oas_keyless.deny) == 1 with input as t.api_input(keyless, approved)
	count(oas_keyless.deny) == 0 with input as t.api_input(keyless, approved) with data.apiguard.config as {"tyk": {"keylessNamespaces": ["demo"]}}
	count(oas_keyless.deny) == 1 with input as t.api_input(keyless, {}) with data.apiguard.config as {"tyk": {"keylessNamespaces": ["demo"]}}
}

test_internal_and_inactive if {
	internal := object.union(keyless, {"info": {"name": "h", "state": {"active": true, "internal": true}}})
	count(oas_keyless.deny) == 0 with input as t.api_input(internal, {})
	inactive := object.union(keyless, {"info": {"name": "h", "state": {"active": false}}})
	count(oas_keyless.deny) == 1 with input as t.api_input(inactive, {})
	count(oas_keyless.deny) == 0 with input as t.api_input(inactive, {}) with data.apiguard.config as {"tyk": {"dashboard": true}}
}

test_configmap_write_is_judged if {
	some m in oas_keyless.deny with input as t.configmap_input(keyless)
	startswith(m, `ConfigMap demo/httpbin-oas: ConfigMap demo/httpbin-oas key "oas.json": x-tyk-api-gateway.server.authentication.enabled is not true`)
	count(oas_keyless.deny) == 0 with input as t.configmap_input(t.secure_gw)
}

test_crd_static_mtls_is_not_keyless if {
	mtls := {"request": {"object": {"spec": {"clientCertificate": {"enabled": true, "allowlist": ["client-ca"]}}}}}
	count(oas_keyless.deny) == 0 with input as object.union(t.api_input(keyless, {}), mtls)
	no_list := {"request": {"object": {"spec": {"clientCertificate": {"enabled": true, "allowlist": []}}}}}
	count(oas_keyless.deny) == 1 with input as object.union(t.api_input(keyless, {}), no_list)
	doc_only := object.union(keyless, {"server": {"clientCertificates": {"enabled": true, "allowlist": ["id"]}}})
	count(oas_keyless.deny) == 1 with input as t.configmap_input(doc_only)
}

# A TykOasApiDefinition labelled tyk.io/template: "true" is an Ingress template that Tyk
# Operator never publishes (controllers/tykoasapidefinition_controller.go Reconcile); the
# Ingress naming it is judged instead (tyk.ingress_template). The classic key, another
# value, or an annotation is not honoured: the API is published and judged.
test_ingress_template_not_exposure if {
	count(oas_keyless.deny) == 0 with input as t.api_input(keyless, {"tyk.io/template": "true"})
	every labels in [{"template": "true"}, {"tyk.io/template": "True"}, {"tyk.io/template": "yes"}] {
		oas_keyless.deny == {msg} with input as t.api_input(keyless, labels)
	}
	annotated := {"request": {"object": {"metadata": {"annotations": {"tyk.io/template": "true"}}}}}
	oas_keyless.deny == {msg} with input as object.union(t.api_input(keyless, {}), annotated)
}
