# METADATA
# title: Tyk API must not take over a listen path served from another namespace
# description: >-
#   Tyk Gateway routes by custom domain, then by listen path as a plain string
#   prefix, longest listen path first (TykTechnologies/tyk gateway/api_loader.go
#   loadHTTPService and loadApps; lib.listenpath). An API whose listen path equals or
#   extends one another namespace's API already serves (/api, /api/v2, /api-admin over
#   /api), on the same custom domain or where either API has none (it answers on every
#   host), takes that API's requests. Ownership is first claim, as for Ingress hosts:
#   data.apiguard.inventory.listenPaths holds ApiDefinition spec.proxy.listen_path and
#   spec.domain and TykOasApiDefinition status.listenPath and status.domain; an
#   incoming Tyk OAS API (or a ConfigMap carrying x-tyk-api-gateway) is judged by its
#   document's server.listenPath.value and server.customDomain, read from the resolved
#   ConfigMap at admission, before Tyk Operator writes any status; so are a
#   TykStreamsApiDefinition and a TykMcpProxyDefinition, whose documents carry the same
#   fields (their status.domain is a string, the Tyk OAS kind's an object). Existing
#   APIs of the three Tyk OAS kinds claim what Tyk Operator wrote into their status
#   (pkg/inventory); one not reconciled yet claims nothing until it is. On UPDATE a
#   listen path the API already served (its old spec or status, a ConfigMap's old
#   document, or, for a Tyk OAS kind without status naming the same ConfigMap key,
#   its document) is kept unless the other claim is older; a listen path that moves
#   (another ConfigMap or key, or a document that differs from the applied status) is
#   judged as new. On AUDIT the younger claim is reported. A shorter listen path (/api under an existing
#   /api/v2) is allowed: the longer one is still matched first. A listen path with
#   gorilla/mux variables (/{rest:.*}) takes every claimed listen path no longer than it
#   that starts with its literal part. Internal APIs are not
#   judged. Without an inventory the check passes. A listen path the gateway reads
#   from a KV store at load time (secrets://, env://, consul://, vault://) is warned:
#   its value, and so its owner, is unknown here.
# custom:
#   kinds: [tyk.tyk.io/ApiDefinition, tyk.tyk.io/TykOasApiDefinition, tyk.tyk.io/TykStreamsApiDefinition, tyk.tyk.io/TykMcpProxyDefinition, ConfigMap]
#   severity: high
#   field: spec.proxy.listen_path, x-tyk-api-gateway.server.listenPath.value
#   remediation: >-
#     Use a listen path that does not start with another namespace's (or a custom
#     domain of your own on both APIs), have that owner remove it, or list the listen
#     path for both namespaces in apiguard.config.tyk.sharedListenPaths.
package tyk.unique_listen_path

import data.lib.kubernetes as k8s
import data.lib.listenpath

deny contains msg if {
	k8s.is_check
	some path, owners in listenpath.conflicts
	msg := sprintf(
		"%s: listen path %s (spec.proxy.listen_path, or x-tyk-api-gateway.server.listenPath.value with server.customDomain) takes requests Tyk already routes to another namespace's API: %s; Tyk matches listen paths as prefixes, longest first, and an API without a custom domain answers on every host, so use a listen path that does not start with theirs, give both APIs distinct custom domains, have that owner remove it, or list it for both namespaces in apiguard.config.tyk.sharedListenPaths",
		[k8s.display, path, concat(", ", owners)],
	)
}

warn contains msg if {
	k8s.is_check
	some mine in listenpath.own
	listenpath.kv_reference(mine.path)
	msg := sprintf(
		"%s: listen path %q is read from a KV store when the gateway loads the API (secrets://, env://, consul:// or vault://), so apiguard cannot tell whether it takes another namespace's listen path; write the listen path itself in spec.proxy.listen_path (or x-tyk-api-gateway.server.listenPath.value)",
		[k8s.display, mine.path],
	)
}
