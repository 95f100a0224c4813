package tyk.mcp_proxy_test

import data.lib.tykoas_test as t
import data.tyk.mcp_proxy

mcp(gw) := {
	"request": {
		"uid": "1", "operation": "CREATE", "name": "weather-mcp", "namespace": "demo",
		"kind": {"group": "tyk.tyk.io", "version": "v1alpha1", "kind": "TykMcpProxyDefinition"},
		"object": {
			"apiVersion": "tyk.tyk.io/v1alpha1", "kind": "TykMcpProxyDefinition",
			"metadata": {"name": "weather-mcp", "namespace": "demo"},
			"spec": {"tykMCP": {"configmapRef": t.ref}},
		},
	},
	"references": t.refs({"found": true, "source": "cluster", "data": {"oas.json": json.marshal({"openapi": "3.0.3", "x-tyk-api-gateway": gw})}}),
}

where := `TykMcpProxyDefinition demo/weather-mcp: ConfigMap demo/httpbin-oas key "oas.json": x-tyk-api-gateway`

tools(m) := t.gw_with({"middleware": {"mcpTools": m}})

test_secure_mcp_proxy_passes if {
	gw := object.union(tools({"get-weather": {"rateLimit": {"enabled": true, "rate": 3, "per": "60s"}}, "delete-user": {"block": {"enabled": true}}}), {"server": object.union(t.secure_gw.server, {"mcpProxy": {"sources": [
		{"sourceSlug": "weather", "backendMode": "upstream", "upstreamUrl": "https://weather.example.com/mcp"},
		{"sourceSlug": "orders", "backendMode": "loopback", "sourceApiId": "orders"},
	]}})})
	count(mcp_proxy.warn) == 0 with input as mcp(gw)
}

test_primitive_ignoring_auth_warned if {
	mcp_proxy.warn == {concat("", [where, `.middleware.mcpTools.get-weather.ignoreAuthentication.enabled is true, asking Tyk to serve the MCP tool "get-weather" without authentication; remove it, or list "demo/tool:get-weather" in apiguard config tyk.publicOperations`])} with input as mcp(tools({"get-weather": {"ignoreAuthentication": {"enabled": true}}}))
	count(mcp_proxy.warn) == 1 with input as mcp(t.gw_with({"middleware": {"mcpResources": {"file:///repo/*": {"ignoreAuthentication": {"enabled": true}}}}}))
	count(mcp_proxy.warn) == 1 with input as mcp(t.gw_with({"middleware": {"mcpPrompts": {"review": {"ignoreAuthentication": {"enabled": true}}}}}))
	count(mcp_proxy.warn) == 0 with input as mcp(tools({"get-weather": {"ignoreAuthentication": {"enabled": false}}}))
}

test_public_primitive_listed if {
	count(mcp_proxy.warn) == 0 with input as mcp(tools({"get-weather": {"ignoreAuthentication": {"enabled": true}}}))
		with data.apiguard.config as {"tyk": {"publicOperations": ["demo/tool:*"]}}
	count(mcp_proxy.warn) == 1 with input as mcp(tools({"get-weather": {"ignoreAuthentication": {"enabled": true}}}))
		with data.apiguard.config as {"tyk": {"publicOperations": ["other/tool:*", "demo/prompt:*"]}}
}

sources(ss) := object.union(t.secure_gw, {"server": object.union(t.secure_gw.server, {"mcpProxy": {"sources": ss}})})

test_plain_upstream_source_warned if {
	mcp_proxy.warn == {concat("", [where, `.server.mcpProxy.sources[0].upstreamUrl is "http://weather.example.com/mcp", plain HTTP to an MCP server outside the cluster; use https://`])} with input as mcp(sources([{"backendMode": "upstream", "upstreamUrl": "http://weather.example.com/mcp"}]))
	count(mcp_proxy.warn) == 0 with input as mcp(sources([{"backendMode": "upstream", "upstreamUrl": "http://weather.tools.svc:8080/mcp"}]))
}

test_inline_credential_warned if {
	some w in mcp_proxy.warn with input as mcp(sources([{"backendMode": "upstream", "upstreamUrl": "https://weather.example.com/mcp", "upstreamCred": {"authType": "bearer", "secretValue": "s3cr3t"}}]))
	contains(w, "sources[0].upstreamCred.secretValue holds a static upstream credential")
	not contains(w, "s3cr3t")
	count(mcp_proxy.warn) == 0 with input as mcp(sources([{"backendMode": "upstream", "upstreamUrl": "https://weather.example.com/mcp", "upstreamCred": {"authType": "none"}}]))
}
