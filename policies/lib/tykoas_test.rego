package lib.tykoas_test

import data.lib.tykoas

api(spec_ref) := {"request": {
	"uid": "1", "operation": "CREATE", "name": "httpbin", "namespace": "demo",
	"kind": {"group": "tyk.tyk.io", "version": "v1alpha1", "kind": "TykOasApiDefinition"},
	"object": {
		"apiVersion": "tyk.tyk.io/v1alpha1", "kind": "TykOasApiDefinition",
		"metadata": {"name": "httpbin", "namespace": "demo"},
		"spec": {"tykOAS": {"configmapRef": spec_ref}},
	},
}}

ref := {"name": "httpbin-oas", "keyName": "oas.json"}

refs(entry) := {"configmaps": {"demo/httpbin-oas": object.union({"namespace": "demo", "name": "httpbin-oas"}, entry)}}

doc := `{"openapi":"3.0.3","x-tyk-api-gateway":{"info":{"name":"h","state":{"active":true}},"upstream":{"url":"http://httpbin"},"server":{"listenPath":{"value":"/h"}}}}`

yaml_doc := "openapi: 3.0.3\nx-tyk-api-gateway:\n  info: {name: h, state: {active: true}}\n  upstream: {url: 'http://httpbin'}\n  server: {listenPath: {value: /h}}\n"

test_unresolved if {
	tykoas.state == "unresolved" with input as api(ref)
}

test_absent_offline if {
	tykoas.state == "absent" with input as object.union(api(ref), {"references": refs({"found": false, "source": "input"})})
}

test_missing_in_cluster if {
	tykoas.state == "missing" with input as object.union(api(ref), {"references": refs({"found": false, "source": "cluster"})})
}

test_no_key if {
	tykoas.state == "no_key" with input as object.union(api(ref), {"references": refs({"found": true, "source": "cluster", "data": {"other": doc}})})
}

test_unparsable if {
	tykoas.state == "unparsable" with input as object.union(api(ref), {"references": refs({"found": true, "source": "cluster", "data": {"oas.json": "{not: [json"}})})
}

test_scalar_is_unparsable if {
	tykoas.state == "unparsable" with input as object.union(api(ref), {"references": refs({"found": true, "source": "cluster", "data": {"oas.json": "just text"}})})
}

test_no_extension if {
	tykoas.state == "no_extension" with input as object.union(api(ref), {"references": refs({"found": true, "source": "cluster", "data": {"oas.json": `{"openapi":"3.0.3"}`}})})
}

test_json_document if {
	inp := object.union(api(ref), {"references": refs({"found": true, "source": "cluster", "data": {"oas.json": doc}})})
	tykoas.state == "ok" with input as inp
	docs := tykoas.documents with input as inp
	count(docs) == 1
	some d in docs
	d.gw.upstream.url == "http://httpbin"
	d.where == `ConfigMap demo/httpbin-oas key "oas.json"`
}

test_yaml_document if {
	inp := object.union(api(ref), {"references": refs({"found": true, "source": "cluster", "data": {"oas.json": yaml_doc}})})
	some d in tykoas.documents with input as inp
	d.gw.server.listenPath.value == "/h"
}

test_ref_namespace_defaults_to_own if {
	tykoas.ref_namespace == "demo" with input as api(ref)
	not tykoas.cross_namespace with input as api(ref)
	tykoas.ref_namespace == "shared" with input as api(object.union(ref, {"namespace": "shared"}))
	tykoas.cross_namespace with input as api(object.union(ref, {"namespace": "shared"}))
}

test_configmap_under_review if {
	inp := {"request": {
		"operation": "UPDATE", "name": "cm", "namespace": "demo",
		"kind": {"group": "", "version": "v1", "kind": "ConfigMap"},
		"object": {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "cm", "namespace": "demo"}, "data": {"a": doc, "b": "plain", "c": "x-tyk-api-gateway: [unparsable"}},
	}}
	docs := tykoas.documents with input as inp
	count(docs) == 1
}

test_served if {
	tykoas.served({"info": {"state": {"active": false}}})
	not tykoas.served({"info": {"state": {"active": false}}}) with data.apiguard.config as {"tyk": {"dashboard": true}}
	not tykoas.served({"info": {"state": {"active": true, "internal": true}}})
}

test_authenticated if {
	tykoas.authenticated({"server": {"authentication": {"enabled": true}}})
	not tykoas.authenticated({"server": {"authentication": {"enabled": false}}})
	not tykoas.authenticated({"server": {}})
}

test_operations_ignoring_auth if {
	tykoas.operations_ignoring_auth({"middleware": {"operations": {
		"a": {"ignoreAuthentication": {"enabled": true}},
		"b": {"ignoreAuthentication": {"enabled": false}},
	}}}) == {"a"}
}

test_rate_limited if {
	tykoas.rate_limited({"upstream": {"rateLimit": {"enabled": true, "rate": 10, "per": "1s"}}})
	tykoas.rate_limited({"middleware": {"operations": {"a": {"rateLimit": {"enabled": true}}}}})
	not tykoas.rate_limited({"upstream": {"rateLimit": {"enabled": false, "rate": 10, "per": "1s"}}})
}

test_plugin_hooks if {
	tykoas.plugin_hooks({
		"middleware": {"global": {
			"pluginConfig": {"driver": "python"},
			"prePlugins": [{"enabled": true, "functionName": "f"}],
			"postPlugin": {"plugins": [{"enabled": true, "functionName": "g"}]},
			"responsePlugins": [{"enabled": false, "functionName": "h"}],
		}},
		"server": {"authentication": {"enabled": true, "custom": {"enabled": true}}},
	}) == {"middleware.global.prePlugins", "middleware.global.postPlugin", "server.authentication.custom"}
}

# Inputs the tyk.oas_* tests share: a TykOasApiDefinition whose resolved ConfigMap
# holds a document with the given x-tyk-api-gateway, and a ConfigMap carrying it.
secure_gw := {
	"info": {"name": "httpbin", "state": {"active": true}},
	"upstream": {"url": "http://httpbin.demo.svc:8000", "rateLimit": {"enabled": true, "rate": 100, "per": "1s"}},
	"server": {"listenPath": {"value": "/httpbin/"}, "authentication": {"enabled": true, "securitySchemes": {"key": {"enabled": true}}}},
}

gw_with(patch) := object.union(secure_gw, patch)

api_input(gw, labels) := object.union(
	{"request": {"object": {"metadata": {"labels": labels}}}},
	object.union(api(ref), {"references": refs({"found": true, "source": "cluster", "data": {"oas.json": json.marshal({"openapi": "3.0.3", "x-tyk-api-gateway": gw})}})}),
)

configmap_input(gw) := {"request": {
	"uid": "2", "operation": "UPDATE", "name": "httpbin-oas", "namespace": "demo",
	"kind": {"group": "", "version": "v1", "kind": "ConfigMap"},
	"object": {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "httpbin-oas", "namespace": "demo"}, "data": {"oas.json": json.marshal({"openapi": "3.0.3", "x-tyk-api-gateway": gw})}},
}}

where := `TykOasApiDefinition demo/httpbin: ConfigMap demo/httpbin-oas key "oas.json": x-tyk-api-gateway`

test_secure_document_is_read if {
	some d in tykoas.documents with input as api_input(secure_gw, {})
	d.gw == secure_gw
}

# A JSON escape in the key: Go's encoding/json (Tyk) and json.unmarshal both read it as
# x-tyk-api-gateway, so the ConfigMap must not slip past the literal match.
test_configmap_with_escaped_extension_key if {
	escaped := `{"openapi":"3.0.3","x\u002dtyk-api-gateway":{"info":{"name":"h","state":{"active":true}},"upstream":{"url":"http://h"},"server":{"listenPath":{"value":"/h"}}}}`
	not contains(escaped, "x-tyk-api-gateway")
	inp := {"request": {
		"operation": "UPDATE", "name": "cm", "namespace": "demo",
		"kind": {"group": "", "version": "v1", "kind": "ConfigMap"},
		"object": {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "cm", "namespace": "demo"}, "data": {"a": escaped}},
	}}
	some d in tykoas.documents with input as inp
	d.gw.server.listenPath.value == "/h"
}

test_mcp_primitives if {
	ps := tykoas.mcp_primitives({"middleware": {
		"mcpTools": {"get-weather": {"rateLimit": {"enabled": true}}},
		"mcpResources": {"file:///repo/*": {"block": {"enabled": true}}},
		"mcpPrompts": {"review": {}},
	}})
	count(ps) == 3
	{p.type | some p in ps} == {"tool", "resource", "prompt"}
}

test_mcp_primitive_rate_limit_counts if {
	tykoas.rate_limited({"middleware": {"mcpTools": {"get-weather": {"rateLimit": {"enabled": true, "rate": 3, "per": "60s"}}}}})
	not tykoas.rate_limited({"middleware": {"mcpTools": {"get-weather": {"rateLimit": {"enabled": false}}}}})
}

test_mcp_primitive_plugins if {
	tykoas.plugin_hooks({"middleware": {"mcpTools": {"get-weather": {"postPlugins": [{"enabled": true, "functionName": "inspect", "path": "p.so"}]}}}}) == {"middleware.mcpTools.get-weather.postPlugins"}
}

test_stream_documents if {
	d := json.marshal({"openapi": "3.0.3", "x-tyk-api-gateway": secure_gw, "x-tyk-streaming": {"streams": {"s": {"input": {"http_server": {}}}}}})
	inp := object.union(api(ref), {"references": refs({"found": true, "source": "cluster", "data": {"oas.json": d}})})
	some sd in tykoas.stream_documents with input as inp
	sd.streams.s.input.http_server == {}
	sd.gw == secure_gw

	# A document without x-tyk-streaming has no streams to judge.
	count(tykoas.stream_documents) == 0 with input as api_input(secure_gw, {})
}

test_plain_outside_cluster if {
	tykoas.plain_outside_cluster("http://api.example.com/v1", ["http://"])
	tykoas.plain_outside_cluster("WS://user@feed.example.com:80/x", ["ws://"])
	not tykoas.plain_outside_cluster("https://api.example.com", ["http://"])
	not tykoas.plain_outside_cluster("http://httpbin:8000", ["http://"])
	not tykoas.plain_outside_cluster("http://httpbin.demo.svc/x", ["http://"])
	not tykoas.plain_outside_cluster("http://httpbin.demo.svc.cluster.local", ["http://"])
	tykoas.plain_outside_cluster("http://httpbin.demo", ["http://"])
}

# A TykOasApiDefinition labelled tyk.io/template: "true" is an Ingress template Tyk
# Operator never publishes (controllers/tykoasapidefinition_controller.go Reconcile):
# no document is served through it, though its reference is still read (state).
test_ingress_template_serves_no_document if {
	inp := object.union(api(ref), {"references": refs({"found": true, "source": "cluster", "data": {"oas.json": doc}})})
	tpl := json.patch(inp, [{"op": "add", "path": "/request/object/metadata/labels", "value": {"tyk.io/template": "true"}}])
	tykoas.state == "ok" with input as tpl
	count(tykoas.documents) == 0 with input as tpl
	every labels in [{"template": "true"}, {"tyk.io/template": "True"}, {"tyk.io/template": "yes"}] {
		count(tykoas.documents) == 1 with input as json.patch(inp, [{"op": "add", "path": "/request/object/metadata/labels", "value": labels}])
	}
}
