# METADATA
# title: Tyk MCP proxies must not open tools or leak upstream credentials
# description: >-
#   A Tyk MCP proxy (TykMcpProxyDefinition, or any Tyk OAS document with MCP primitives)
#   is a Tyk OAS API: its authentication, upstream TLS, CORS, rate limits and plugins are
#   judged by the tyk.oas_* checks. This check judges what only MCP documents carry.
#   Warned: an MCP primitive (x-tyk-api-gateway.middleware.mcpTools, mcpResources or
#   mcpPrompts, keyed by name) with ignoreAuthentication.enabled true on an API that
#   authenticates. A primitive embeds an operation (TykTechnologies/tyk
#   apidef/oas/mcp_primitive.go), and Tyk adds it to the ignored paths, which skip
#   authentication, of the primitive's internal JSON-RPC path /mcp-tool:<name> (gateway
#   generateJSONRPCVEMs); the JSON-RPC call reaches that path in a loop after the
#   listen-path request, so the effect depends on the chain, but the document asks for
#   the tool to be served without authentication. The exception is tyk.publicOperations
#   listing "<namespace>/<type>:<name>" (tool, resource, prompt). Warned as well: an
#   upstream MCP source (server.mcpProxy.sources[].upstreamUrl, apidef/oas/mcp_proxy.go
#   MCPSource) in plain http:// to a host outside the cluster, and an inline
#   upstreamCred.secretValue, a static credential written into the ConfigMap, which
#   anyone who can read ConfigMaps in the namespace reads.
# custom:
#   kinds: [tyk.tyk.io/TykMcpProxyDefinition, tyk.tyk.io/TykOasApiDefinition, ConfigMap]
#   severity: medium
#   field: x-tyk-api-gateway.middleware.mcpTools, x-tyk-api-gateway.server.mcpProxy.sources
#   remediation: >-
#     Remove ignoreAuthentication from the primitive (or have the platform team list it in
#     tyk.publicOperations), use an https:// upstreamUrl, and keep upstream credentials out
#     of the ConfigMap.
package tyk.mcp_proxy

import data.lib.kubernetes as k8s
import data.lib.tykoas

warn contains msg if {
	k8s.is_check
	some d in tykoas.documents
	tykoas.served(d.gw)
	tykoas.authenticated(d.gw)
	some p in tykoas.mcp_primitives(d.gw)
	p.config.ignoreAuthentication.enabled == true
	public_name := sprintf("%s/%s:%s", [k8s.namespace, p.type, p.name])
	not public(public_name)
	path := sprintf("middleware.%s.%s.ignoreAuthentication.enabled", [p.field, p.name])
	msg := sprintf("%s: %s is true, asking Tyk to serve the MCP %s %q without authentication; remove it, or list %q in apiguard config tyk.publicOperations", [k8s.display, tykoas.field(d.where, path), p.type, p.name, public_name])
}

public(name) if {
	some p in k8s.array_at(k8s.config.tyk, "publicOperations")
	is_string(p)
	glob.match(p, ["/"], name)
}

sources(gw) := [s | some s in object.get(gw, ["server", "mcpProxy", "sources"], []); is_object(s)]

warn contains msg if {
	k8s.is_check
	some d in tykoas.documents
	tykoas.served(d.gw)
	some i, s in sources(d.gw)
	url := s.upstreamUrl
	tykoas.plain_outside_cluster(url, ["http://"])
	msg := sprintf("%s: %s is %q, plain HTTP to an MCP server outside the cluster; use https://", [k8s.display, tykoas.field(d.where, sprintf("server.mcpProxy.sources[%d].upstreamUrl", [i])), url])
}

warn contains msg if {
	k8s.is_check
	some d in tykoas.documents
	some i, s in sources(d.gw)
	secret := s.upstreamCred.secretValue
	is_string(secret)
	trim_space(secret) != ""
	msg := sprintf("%s: %s holds a static upstream credential in the document, readable by anyone who can read the ConfigMap; keep credentials out of the ConfigMap", [k8s.display, tykoas.field(d.where, sprintf("server.mcpProxy.sources[%d].upstreamCred.secretValue", [i]))])
}
