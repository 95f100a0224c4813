# METADATA
# title: How Tyk reads a Tyk OAS API
# description: >-
#   The OpenAPI document of a Tyk OAS API and its x-tyk-api-gateway extension, as the
#   tyk.oas_* policies judge it. A TykOasApiDefinition (and TykStreamsApiDefinition,
#   TykMcpProxyDefinition) holds no security settings itself: it names a ConfigMap key
#   (spec.tykOAS|tykStreams|tykMCP.configmapRef {name, keyName, namespace}; Tyk
#   Operator v1.4.2 CRD: "If Namespace is not provided, we assume that the ConfigMap is
#   in the same namespace") whose content is the document. The engine resolves the
#   ConfigMap into input.references.configmaps["<ns>/<name>"] (pkg/references); a
#   ConfigMap under review whose data carries x-tyk-api-gateway is judged as the API it
#   defines. Field names follow Tyk's schema (apidef/oas/schema/x-tyk-api-gateway.json).
#   Not a policy: it defines no deny, warn or patch rule.
package lib.tykoas

import data.lib.kubernetes as k8s
import data.lib.tyk

extension := "x-tyk-api-gateway"

# The spec field that holds the configmapRef of each kind.
ref_fields := {
	"TykOasApiDefinition": "tykOAS",
	"TykStreamsApiDefinition": "tykStreams",
	"TykMcpProxyDefinition": "tykMCP",
}

# api_object holds for a Tyk Operator kind that keeps its document in a ConfigMap.
api_object if {
	k8s.group == "tyk.tyk.io"
	ref_fields[k8s.kind]
}

# config_map holds for a core ConfigMap under review.
config_map if {
	k8s.group == ""
	k8s.kind == "ConfigMap"
}

ref := r if {
	api_object
	r := k8s.spec[ref_fields[k8s.kind]].configmapRef
	is_object(r)
}

# ref_namespace: configmapRef.namespace, else the API's own namespace.
ref_namespace := ns if {
	ns := ref.namespace
	is_string(ns)
	ns != ""
} else := k8s.namespace

ref_name := ref.name

ref_key := ref.keyName

ref_display := sprintf("ConfigMap %s/%s key %q", [ref_namespace, ref_name, ref_key])

cross_namespace if ref_namespace != k8s.namespace

# entry is the resolved reference, when the engine resolved it.
entry := e if {
	e := input.references.configmaps[sprintf("%s/%s", [ref_namespace, ref_name])]
	is_object(e)
}

# state of the reference: ok, unresolved (no entry: the engine did not look), absent
# (only the input files were searched), missing (the cluster has no such ConfigMap),
# no_key, unparsable (neither JSON nor YAML, or not a mapping) or no_extension.
state := "unresolved" if {
	ref
	not entry
} else := entry_state(entry, ref_key)

# entry_state(e, key): the state of a resolved ConfigMap entry e (an object of
# input.references.configmaps) read at key, as above from absent to ok. An Ingress's Tyk
# OAS template reads its ConfigMap through it too (lib.tykingress).
entry_state(e, key) := "absent" if {
	e.found == false
	e.source == "input"
} else := "missing" if {
	e.found != true
} else := "no_key" if {
	not entry_text(e, key)
} else := "unparsable" if {
	not entry_object(e, key)
} else := "no_extension" if {
	not entry_extension(e, key)
} else := "ok"

# Helpers, because `not f(x)` is true, not undefined, only when x is defined: OPA
# evaluates a call's arguments before the negation.
entry_text(e, key) if is_string(e.data[key])

entry_object(e, key) if is_object(parse(e.data[key]))

entry_extension(e, key) if is_object(parse(e.data[key])[extension])

text := entry.data[ref_key]

text_document := parse(text)

# parse(s) is the document in s: JSON, else YAML. Tyk Operator takes the key as a Tyk
# OAS document "in JSON format" (Tyk docs, tyk-operator getting-started): its controller
# (TykTechnologies/tyk-operator controllers/tykoasapidefinition_controller.go) reads
# cm.Data[keyName] only (never binaryData), checks x-tyk-api-gateway with jsonparser and
# sends the text on to Tyk; a ConfigMap update re-reconciles every API naming it. A YAML
# document would fail there; it is judged all the same, never let through unread. JSON comes first, so a text valid as
# both is read as Tyk reads it, and a repeated key keeps its last value as in Go's
# encoding/json. Undefined when neither parses.
parse(s) := json.unmarshal(s) if {
	is_string(s)
	json.is_valid(s)
} else := yaml.unmarshal(s) if {
	is_string(s)
	yaml.is_valid(s)
}

# documents: the x-tyk-api-gateway documents under review, each
# {"where": <text naming the ConfigMap and key>, "gw": <the extension object>}:
# the one a Tyk API object refers to, or each key of a ConfigMap under review whose
# content carries the extension. A TykOasApiDefinition labelled tyk.io/template: "true"
# (lib.tyk ingress_template) serves no document: Tyk Operator keeps it as an Ingress
# template and never publishes it; the Ingress naming it is judged by its document
# (tyk.ingress_template), and its ConfigMap is judged when written, as any other.
documents contains {"where": ref_display, "gw": gw} if {
	state == "ok"
	not tyk.ingress_template
	gw := text_document[extension]
}

documents contains {"where": where, "gw": gw} if {
	config_map
	some key, text in object.get(k8s.resource, "data", {})
	is_string(text)
	may_carry(text)
	gw := parse(text)[extension]
	is_object(gw)
	where := sprintf("ConfigMap %s/%s key %q", [k8s.namespace, k8s.name, key])
}

# may_carry(text) is the webhook's matchCondition (pkg/references.ConfigMapMatchCondition):
# the text holds x-tyk-api-gateway, or a JSON \u escape, which Go's encoding/json (Tyk's
# decoder) and json.unmarshal turn into the same key ("x\u002dtyk-api-gateway").
may_carry(text) if contains(text, extension)

may_carry(text) if contains(text, `\u`)

# field(where, path) names a field inside the document for messages.
field(where, path) := sprintf("%s: %s.%s", [where, extension, path])

# served(gw) holds unless no caller reaches the API directly: info.state.internal
# true (X-Tyk-State.internal, the OAS form of the classic internal flag: routed to
# only from other APIs), or info.state.active false behind a Tyk Dashboard (the
# open-source gateway serves inactive APIs; see lib.tyk served, TykTechnologies/tyk#1151).
served(gw) if not unserved(gw)

unserved(gw) if gw.info.state.internal == true

unserved(gw) if {
	gw.info.state.active == false
	k8s.setting(["tyk", "dashboard"], false) == true
}

# authenticated(gw): server.authentication.enabled is true. Absent or false leaves
# every operation open (X-Tyk-Authentication.enabled, required by the schema;
# TykTechnologies/tyk apidef/oas/authentication.go ExtractTo sets UseKeylessAccess =
# !a.Enabled, and apidef/oas/security.go extractSecurityTo sets UseKeylessAccess = true
# when the document has no authentication at all).
authenticated(gw) if gw.server.authentication.enabled == true

# crd_static_mtls holds for a TykOasApiDefinition whose spec.clientCertificate is
# enabled with an allowlist: Tyk Operator writes that flag into the document's
# server.clientCertificates (controllers/tykoasapidefinition_controller.go
# processClientCertificate, jsonparser.Set), and a static client-certificate allowlist
# admits only clients holding a listed certificate (Tyk docs, "Client mTLS", static), the
# OAS form of the classic use_mutual_tls_auth. The document's own flag is overwritten by
# the CRD's, so a ConfigMap alone never proves it.
crd_static_mtls if {
	k8s.kind == "TykOasApiDefinition"
	k8s.spec.clientCertificate.enabled == true
	count(k8s.spec.clientCertificate.allowlist) > 0
}

# operations_ignoring_auth(gw): operation IDs under middleware.operations whose
# ignoreAuthentication.enabled is true (X-Tyk-Allowance): Tyk adds them to the
# classic ignored paths, which skip authentication.
operations_ignoring_auth(gw) := {id |
	some id, op in object.get(gw, ["middleware", "operations"], {})
	op.ignoreAuthentication.enabled == true
}

# weak_tls_versions: X-Tyk-TLSTransport minVersion enum values below TLS 1.2.
weak_tls_versions := {"1.0", "1.1"}

# rate_limited(gw): upstream.rateLimit, or any operation's rateLimit, is enabled.
rate_limited(gw) if gw.upstream.rateLimit.enabled == true

rate_limited(gw) if {
	some op in object.get(gw, ["middleware", "operations"], {})
	op.rateLimit.enabled == true
}

rate_limited(gw) if {
	some p in mcp_primitives(gw)
	p.config.rateLimit.enabled == true
}

# mcp_primitive_fields: the MCP primitive maps of X-Tyk-Middleware (TykTechnologies/tyk
# apidef/oas/middleware.go Middleware.McpTools, McpResources, McpPrompts), keyed by tool
# name, resource URI or prompt name. Each value is an MCPPrimitive, which embeds Operation
# (apidef/oas/mcp_primitive.go), so it carries an operation's middleware: rateLimit,
# ignoreAuthentication, postPlugins and the rest; the gateway compiles them for the
# primitive's internal JSON-RPC path (/mcp-tool:<name>, gateway generateMCPVEMs).
mcp_primitive_fields := {"mcpTools": "tool", "mcpResources": "resource", "mcpPrompts": "prompt"}

# mcp_primitives(gw): {"field", "type", "name", "config"} for each MCP primitive of gw.
mcp_primitives(gw) := {{"field": field, "type": type, "name": name, "config": config} |
	some field, type in mcp_primitive_fields
	some name, config in object.get(gw, ["middleware", field], {})
	is_object(config)
}

# plugin_hooks(gw): the custom plugin hooks set in middleware.global (X-Tyk-Global:
# prePlugin(s), postAuthenticationPlugin(s), postPlugin(s), responsePlugin(s), each
# X-Tyk-CustomPluginDefinition with enabled), per operation postPlugins, and
# server.authentication.custom (X-Tyk-CustomPluginAuthentication).
plugin_hook_names := [
	"prePlugin", "prePlugins", "postAuthenticationPlugin", "postAuthenticationPlugins",
	"postPlugin", "postPlugins", "responsePlugin", "responsePlugins",
]

plugin_hooks(gw) := hooks if {
	global := object.get(gw, ["middleware", "global"], {})
	g := {sprintf("middleware.global.%s", [h]) | some h in plugin_hook_names; enabled_plugin(global[h])}
	o := {sprintf("middleware.operations.%s.postPlugins", [id]) |
		some id, op in object.get(gw, ["middleware", "operations"], {})
		enabled_plugin(op.postPlugins)
	}
	a := {"server.authentication.custom" | gw.server.authentication.custom.enabled == true}
	m := {sprintf("middleware.%s.%s.postPlugins", [p.field, p.name]) |
		some p in mcp_primitives(gw)
		enabled_plugin(p.config.postPlugins)
	}
	hooks := ((g | o) | a) | m
}

# A hook is one definition ({enabled, functionName, ...}, or the older {plugins: [...]})
# or a list of them; any enabled one runs code.
enabled_plugin(h) if h.enabled == true

enabled_plugin(h) if {
	is_array(h)
	some p in h
	p.enabled == true
}

enabled_plugin(h) if {
	some p in h.plugins
	p.enabled == true
}

# streaming_extension is Tyk Streams' OAS extension (TykTechnologies/tyk apidef/oas/oas.go
# ExtensionTykStreaming; schema apidef/streams/schema/x-tyk-streaming.json: {"streams":
# {<stream name>: <Bento stream config>}}). A TykStreamsApiDefinition's document carries
# it beside x-tyk-api-gateway; the gateway's streaming middleware hands each stream to
# Bento (ee/middleware/streams).
streaming_extension := "x-tyk-streaming"

# stream_documents: the x-tyk-streaming streams under review, each {"where", "gw",
# "streams"}, found as documents finds the gateway extension (the referenced document, or
# each key of a ConfigMap under review).
stream_documents contains {"where": ref_display, "gw": text_document[extension], "streams": streams} if {
	state == "ok"
	streams := text_document[streaming_extension].streams
	is_object(streams)
}

stream_documents contains {"where": where, "gw": doc[extension], "streams": streams} if {
	config_map
	some key, text in object.get(k8s.resource, "data", {})
	is_string(text)
	may_carry(text)
	doc := parse(text)
	is_object(doc[extension])
	streams := doc[streaming_extension].streams
	is_object(streams)
	where := sprintf("ConfigMap %s/%s key %q", [k8s.namespace, k8s.name, key])
}

# streaming_field(where, path) names a field inside x-tyk-streaming for messages.
streaming_field(where, path) := sprintf("%s: %s.%s", [where, streaming_extension, path])

# loaded(gw) holds unless the gateways never load the API: info.state.active false
# behind a Tyk Dashboard (see served). An internal API is still loaded, and its streams
# still run (the streaming middleware starts them when the API loads,
# ee/middleware/streams/middleware.go Init), so internal does not exempt a stream.
loaded(gw) if not dashboard_inactive(gw)

dashboard_inactive(gw) if {
	gw.info.state.active == false
	k8s.setting(["tyk", "dashboard"], false) == true
}

# plain_outside_cluster(url, schemes) holds for a URL whose scheme is one of schemes
# (lower case, with "://") and whose host is not a Kubernetes Service name: traffic to it
# leaves the cluster unencrypted. A Service is reached by its bare name or a *.svc /
# *.svc.cluster.local name (Kubernetes DNS for Services and Pods); the two-label form
# name.namespace is not trusted, since "example.com" reads the same.
plain_outside_cluster(url, schemes) if {
	is_string(url)
	some scheme in schemes
	startswith(lower(trim_space(url)), scheme)
	not in_cluster_host(url_host(trim_space(url)))
}

# url_host(url): the host of an absolute URL, lower case, without user info or port.
url_host(url) := h if {
	rest := substring(url, indexof(url, "://") + 3, -1)
	authority := split(split(split(rest, "/")[0], "?")[0], "#")[0]
	hostport := split(authority, "@")[count(split(authority, "@")) - 1]
	h := lower(regex.replace(hostport, `:[0-9]*$`, ""))
}

in_cluster_host(h) if not contains(h, ".")

in_cluster_host(h) if endswith(h, ".svc")

in_cluster_host(h) if endswith(h, ".svc.cluster.local")
