package tyk.streams_exposure_test

import data.lib.tykoas_test as t
import data.tyk.streams_exposure

streams_api(kind, field, streams) := {
	"request": {
		"uid": "1", "operation": "CREATE", "name": "orders", "namespace": "demo",
		"kind": {"group": "tyk.tyk.io", "version": "v1alpha1", "kind": kind},
		"object": {
			"apiVersion": "tyk.tyk.io/v1alpha1", "kind": kind,
			"metadata": {"name": "orders", "namespace": "demo"},
			"spec": {field: {"configmapRef": t.ref}},
		},
	},
	"references": t.refs({"found": true, "source": "cluster", "data": {"oas.json": json.marshal({
		"openapi": "3.0.3",
		"x-tyk-api-gateway": t.secure_gw,
		"x-tyk-streaming": {"streams": streams},
	})}}),
}

api(streams) := streams_api("TykStreamsApiDefinition", "tykStreams", streams)

configmap(streams) := {"request": {
	"uid": "2", "operation": "UPDATE", "name": "orders-stream", "namespace": "demo",
	"kind": {"group": "", "version": "v1", "kind": "ConfigMap"},
	"object": {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "orders-stream", "namespace": "demo"}, "data": {"stream.yaml": yaml.marshal({
		"openapi": "3.0.3",
		"x-tyk-api-gateway": t.secure_gw,
		"x-tyk-streaming": {"streams": streams},
	})}},
}}

where := `TykStreamsApiDefinition demo/orders: ConfigMap demo/httpbin-oas key "oas.json": x-tyk-streaming`

# A stream served through the gateway: http_server without address, a Kafka output
# over verified TLS, an in-cluster http_client.
secure := {"orders": {
	"input": {"http_server": {"path": "/post", "ws_path": "/ws"}},
	"pipeline": {"processors": [{"mapping": "root = this"}]},
	"output": {"broker": {"outputs": [
		{"kafka": {"addresses": ["kafka.example.com:9093"], "topic": "orders", "tls": {"enabled": true, "root_cas": "ca"}}},
		{"http_client": {"url": "http://audit.demo.svc:8080/events", "verb": "POST"}},
	]}},
}}

test_secure_stream_passes if {
	count(streams_exposure.deny) == 0 with input as api(secure)
	count(streams_exposure.warn) == 0 with input as api(secure)
	count(streams_exposure.deny) == 0 with input as configmap(secure)
}

test_http_server_address_denied if {
	streams_exposure.deny == {concat("", [where, `.streams.orders.input.http_server.address is "0.0.0.0:4195": Bento serves this http_server on a listener of its own instead of the gateway's router, so the API's authentication, rate limits and IP access control never see its requests; remove address so the stream is served under the API's listen path`])} with input as api({"orders": {"input": {"http_server": {"path": "/post", "address": "0.0.0.0:4195"}}, "output": {"drop": {}}}})
}

test_http_server_address_in_output_and_wrappers if {
	# An output http_server (consumers GET /get, /get/stream, /get/ws) and one nested in
	# a broker or a switch case listen the same way.
	count(streams_exposure.deny) == 1 with input as api({"s": {"input": {"generate": {"mapping": "root = {}"}}, "output": {"http_server": {"address": ":8081", "path": "/get"}}}})
	some m in streams_exposure.deny with input as api({"s": {"input": {"broker": {"inputs": [{"kafka": {"addresses": ["k:9092"], "topics": ["t"]}}, {"http_server": {"address": ":9000"}}]}}}})
	contains(m, "streams.s.input.broker.inputs.1.http_server.address")
	count(streams_exposure.deny) == 1 with input as api({"s": {"output": {"switch": {"cases": [{"check": "true", "output": {"http_server": {"address": "10.0.0.1:80"}}}]}}}})
	count(streams_exposure.deny) == 1 with input as configmap({"s": {"input": {"http_server": {"address": "0.0.0.0:4195"}}}})
}

test_empty_address_is_the_gateway_router if {
	count(streams_exposure.deny) == 0 with input as api({"s": {"input": {"http_server": {"address": "", "path": "/post"}}}})
	count(streams_exposure.deny) == 0 with input as api({"s": {"input": {"http_server": {"address": "  "}}}})
}

test_skip_cert_verify_denied if {
	some m in streams_exposure.deny with input as api({"s": {"input": {"kafka": {"addresses": ["k:9093"], "topics": ["t"], "tls": {"enabled": true, "skip_cert_verify": true}}}}})
	m == concat("", [where, `.streams.s.input.kafka.tls.skip_cert_verify is true, so the stream accepts any certificate from the other end; remove it and trust that end's CA (tls.root_cas)`])
	count(streams_exposure.deny) == 1 with input as api({"s": {"output": {"http_client": {"url": "https://hooks.example.com", "tls": {"skip_cert_verify": true}}}}})
	count(streams_exposure.deny) == 0 with input as api({"s": {"output": {"http_client": {"url": "https://hooks.example.com", "tls": {"skip_cert_verify": false}}}}})
}

test_plain_client_url_outside_cluster_warned if {
	streams_exposure.warn == {concat("", [where, `.streams.s.output.http_client.url is "http://hooks.example.com/x", plain text to a host outside the cluster; use https:// or wss://`])} with input as api({"s": {"output": {"http_client": {"url": "http://hooks.example.com/x"}}}})
	count(streams_exposure.warn) == 1 with input as api({"s": {"input": {"websocket": {"url": "ws://feed.example.com/stream"}}}})
	count(streams_exposure.warn) == 1 with input as api({"s": {"pipeline": {"processors": [{"http": {"url": "HTTP://enrich.example.com"}}]}}})
	count(streams_exposure.warn) == 0 with input as api({"s": {"input": {"websocket": {"url": "wss://feed.example.com/stream"}}}})
	count(streams_exposure.warn) == 0 with input as api({"s": {"output": {"http_client": {"url": "http://audit.demo.svc.cluster.local/x"}}}})
}

test_unsafe_component_stripped_is_warned if {
	ws := streams_exposure.warn with input as api({"s": {"input": {"socket_server": {"network": "tcp", "address": "0.0.0.0:6000"}}}})
	count(ws) == 1
	some w in ws
	contains(w, "strips it unless its streaming.allow_unsafe lists it")
	count(streams_exposure.deny) == 0 with input as api({"s": {"input": {"socket_server": {"network": "tcp", "address": "0.0.0.0:6000"}}}})
}

test_socket_server_denied_when_gateways_allow_it if {
	some m in streams_exposure.deny with input as api({"s": {"input": {"socket_server": {"network": "tcp", "address": "0.0.0.0:6000"}}}})
		with data.apiguard.config as {"tyk": {"streamsAllowUnsafe": ["socket_server"]}}
	contains(m, "opens a TCP/UDP listener of its own")
	contains(m, "tyk.streamsAllowUnsafe")
}

# yaml.v2 writes the first (sorted) key of a list item after "- ", which removeUnsafe's
# (?m)^\s*socket_server: never matches: the component runs though nothing allows it.
test_socket_server_first_in_list_item_survives_the_filter if {
	inp := api({"s": {"input": {"broker": {"inputs": [{"socket_server": {"network": "tcp", "address": ":6000"}}]}}}})
	some m in streams_exposure.deny with input as inp
	contains(m, "streams.s.input.broker.inputs.0.socket_server")
	contains(m, "filter misses it")

	# Not the first key of its item ("label" sorts before it): the filter removes it.
	count(streams_exposure.deny) == 0 with input as api({"s": {"input": {"broker": {"inputs": [{"label": "raw", "socket_server": {"address": ":6000"}}]}}}})
}

test_other_unsafe_component_allowed_is_warned if {
	some w in streams_exposure.warn with input as api({"s": {"pipeline": {"processors": [{"mapping": "x"}, {"subprocess": {"name": "sh"}}]}}})
	contains(w, "filter misses it")
	some w2 in streams_exposure.warn with input as api({"s": {"pipeline": {"processors": [{"command": {"name": "sh"}}]}}}) with data.apiguard.config as {"tyk": {"streamsAllowUnsafe": ["command"]}}
	contains(w2, "the gateways allow it")
}

test_streams_in_a_tyk_oas_api_are_judged if {
	# The streaming middleware runs for any Tyk OAS API that carries x-tyk-streaming.
	count(streams_exposure.deny) == 1 with input as streams_api("TykOasApiDefinition", "tykOAS", {"s": {"input": {"http_server": {"address": ":4195"}}}})
}

test_internal_api_streams_still_judged if {
	inp := streams_api("TykStreamsApiDefinition", "tykStreams", {"s": {"input": {"http_server": {"address": ":4195"}}}})
	internal := json.patch(inp, [{"op": "replace", "path": "/references/configmaps/demo~1httpbin-oas/data/oas.json", "value": json.marshal({
		"openapi": "3.0.3",
		"x-tyk-api-gateway": object.union(t.secure_gw, {"info": {"name": "o", "state": {"active": true, "internal": true}}}),
		"x-tyk-streaming": {"streams": {"s": {"input": {"http_server": {"address": ":4195"}}}}},
	})}])
	count(streams_exposure.deny) == 1 with input as internal
	inactive := json.patch(inp, [{"op": "replace", "path": "/references/configmaps/demo~1httpbin-oas/data/oas.json", "value": json.marshal({
		"openapi": "3.0.3",
		"x-tyk-api-gateway": object.union(t.secure_gw, {"info": {"name": "o", "state": {"active": false}}}),
		"x-tyk-streaming": {"streams": {"s": {"input": {"http_server": {"address": ":4195"}}}}},
	})}])
	count(streams_exposure.deny) == 1 with input as inactive
	count(streams_exposure.deny) == 0 with input as inactive with data.apiguard.config as {"tyk": {"dashboard": true}}
}
