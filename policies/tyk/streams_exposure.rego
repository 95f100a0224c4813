# METADATA
# title: Tyk Streams must stay behind the gateway and verify TLS
# description: >-
#   A Tyk Streams API (TykStreamsApiDefinition, or a ConfigMap whose document carries
#   x-tyk-streaming) runs each stream of x-tyk-streaming.streams in Bento inside the
#   gateway (TykTechnologies/tyk ee/middleware/streams). Tyk hands Bento its own HTTP
#   router (stream.go: builder.SetHTTPMux), so an http_server input or output is served
#   under the API's listen path, behind the API's authentication (judged by
#   tyk.oas_keyless), rate limits and IP access control. Denied: an http_server (input,
#   output, or inside a broker, switch or any other wrapper) with a non-empty address,
#   because Bento then builds an http.Server of its own on that address and never uses
#   Tyk's router (warpstreamlabs/bento internal/impl/io/input_http_server.go and
#   output_http_server.go, newHTTPServer*: "An alternative address to host from"), so
#   the stream is reachable without the gateway's authentication; and any
#   tls.skip_cert_verify: true, which makes the stream accept any certificate from its
#   broker or endpoint (Bento's TLS config; Tyk's stream schema
#   apidef/streams/bento/schema/bento-config-schema.json tls.skip_cert_verify). Warned:
#   an http_client, http processor or websocket url in plain http:// or ws:// to a host
#   outside the cluster, and Bento components Tyk counts as unsafe (stream.go
#   unsafeComponents: socket_server, subprocess, command, file, ...), which the gateway
#   strips unless its streaming.allow_unsafe lists them; when
#   data.apiguard.config.tyk.streamsAllowUnsafe (the gateways' allow_unsafe) lists
#   socket_server, a socket_server input is denied: it listens outside the gateway.
#   Streams of an API the gateways do not load (info.state.active false behind a Tyk
#   Dashboard) are not judged; an internal API's streams still run and are judged.
# custom:
#   kinds: [tyk.tyk.io/TykStreamsApiDefinition, tyk.tyk.io/TykOasApiDefinition, tyk.tyk.io/TykMcpProxyDefinition, ConfigMap]
#   severity: high
#   field: x-tyk-streaming.streams
#   remediation: >-
#     Remove address from http_server so the stream is served under the API's listen
#     path behind its authentication; remove tls.skip_cert_verify and trust the broker's
#     CA (tls.root_cas); use https:// or wss:// for endpoints outside the cluster; drop
#     components the gateway treats as unsafe.
package tyk.streams_exposure

import data.lib.kubernetes as k8s
import data.lib.tykoas

# nodes are the fields of every object inside each stream, with their dotted path
# below x-tyk-streaming: {"where", "path", "key", "value", "list_head"}. key is the field
# (component) name; list_head holds when it is the first key, in sorted order, of an
# array element, the one yaml.v2 writes after "- " (see runs).
nodes contains {"where": d.where, "path": path_text(name, array.concat(p, [k])), "key": k, "value": v, "list_head": list_head(p, parent, k)} if {
	k8s.is_check
	some d in tykoas.stream_documents
	tykoas.loaded(d.gw)
	some name, stream in d.streams
	walk(stream, [p, parent])
	is_object(parent)
	some k, v in parent
}

path_text(name, p) := concat(".", array.concat([sprintf("streams.%s", [name])], [sprintf("%v", [e]) | some e in p]))

list_head(p, parent, k) if {
	count(p) > 0
	is_number(p[count(p) - 1])
	k == min(object.keys(parent))
} else := false

deny contains msg if {
	some n in nodes
	n.key == "http_server"
	addr := n.value.address
	is_string(addr)
	trim_space(addr) != ""
	msg := sprintf("%s: %s.address is %q: Bento serves this http_server on a listener of its own instead of the gateway's router, so the API's authentication, rate limits and IP access control never see its requests; remove address so the stream is served under the API's listen path", [k8s.display, tykoas.streaming_field(n.where, n.path), addr])
}

deny contains msg if {
	some n in nodes
	n.key == "tls"
	n.value.skip_cert_verify == true
	msg := sprintf("%s: %s.skip_cert_verify is true, so the stream accepts any certificate from the other end; remove it and trust that end's CA (tls.root_cas)", [k8s.display, tykoas.streaming_field(n.where, n.path)])
}

# Bento components that dial a URL (http_client input/output, http processor,
# websocket input/output).
url_clients := {"http_client", "http", "websocket"}

warn contains msg if {
	some n in nodes
	n.key in url_clients
	url := n.value.url
	tykoas.plain_outside_cluster(url, ["http://", "ws://"])
	msg := sprintf("%s: %s.url is %q, plain text to a host outside the cluster; use https:// or wss://", [k8s.display, tykoas.streaming_field(n.where, n.path), url])
}

# Tyk's unsafe Bento components (ee/middleware/streams/stream.go unsafeComponents). The
# gateway marshals the stream with yaml.v2 and deletes each block matching
# (?m)^\s*<name>: unless its streaming.allow_unsafe lists the name (removeUnsafe): a key so
# named anywhere, component or not. yaml.v2 sorts map keys and writes the first key of an
# array element after "- ", where ^\s* cannot reach it, so such a component survives the
# filter (broker: {inputs: [{socket_server: ...}]}) and runs.
unsafe_components := {"csv", "dynamic", "file", "inproc", "socket", "socket_server", "stdin", "subprocess", "command", "wasm"}

allowed_unsafe := {c | some c in k8s.array_at(k8s.config.tyk, "streamsAllowUnsafe"); is_string(c)}

runs(n) if n.key in allowed_unsafe

runs(n) if n.list_head

why_runs(n) := "the gateways allow it (apiguard config tyk.streamsAllowUnsafe)" if {
	n.key in allowed_unsafe
} else := "the gateway's unsafe-component filter misses it: as the first key of a list item it is written after \"- \", which removeUnsafe's pattern does not match"

deny contains msg if {
	some n in nodes
	n.key == "socket_server"
	runs(n)
	msg := sprintf("%s: %s opens a TCP/UDP listener of its own, outside the gateway's router and its authentication, and %s; remove it and receive through http_server under the API's listen path", [k8s.display, tykoas.streaming_field(n.where, n.path), why_runs(n)])
}

warn contains msg if {
	some n in nodes
	n.key in unsafe_components
	n.key != "socket_server"
	runs(n)
	msg := sprintf("%s: %s is a component Tyk treats as unsafe (files, processes or sockets of the gateway's host), and %s; have it reviewed or remove it", [k8s.display, tykoas.streaming_field(n.where, n.path), why_runs(n)])
}

warn contains msg if {
	some n in nodes
	n.key in unsafe_components
	not runs(n)
	msg := sprintf("%s: %s is a key Tyk treats as an unsafe component: the gateway strips it unless its streaming.allow_unsafe lists it, so the stream does not run as written; remove it", [k8s.display, tykoas.streaming_field(n.where, n.path)])
}
