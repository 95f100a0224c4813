# METADATA
# title: Tyk OAS operations must not skip authentication
# description: >-
#   x-tyk-api-gateway.middleware.operations.<operationId>.ignoreAuthentication.enabled
#   true (X-Tyk-Allowance) turns on Tyk's Ignore Authentication middleware for that
#   operation, which "instructs Tyk Gateway to skip the authentication step for calls to
#   an endpoint, even if authentication is enabled for the API" (Tyk docs,
#   TykTechnologies/tyk-docs product-stack/tyk-gateway/middleware/ignore-middleware; the
#   classic form is extended_paths.ignored, judged by tyk.ignored_paths). Denied unless
#   data.apiguard.config.tyk.publicOperations lists "<namespace>/<operationId>" (globs)
#   for the namespace of the object under review.
# custom:
#   kinds: [tyk.tyk.io/TykOasApiDefinition, tyk.tyk.io/TykStreamsApiDefinition, tyk.tyk.io/TykMcpProxyDefinition, ConfigMap]
#   severity: high
#   field: x-tyk-api-gateway.middleware.operations.*.ignoreAuthentication.enabled
#   remediation: >-
#     Remove ignoreAuthentication from the operation, or have the platform team list
#     "<namespace>/<operationId>" in tyk.publicOperations.
package tyk.oas_ignore_auth

import data.lib.kubernetes as k8s
import data.lib.tykoas

deny contains msg if {
	k8s.is_check
	some d in tykoas.documents
	tykoas.served(d.gw)
	tykoas.authenticated(d.gw)
	some id in tykoas.operations_ignoring_auth(d.gw)
	not public(id)
	path := sprintf("middleware.operations.%s.ignoreAuthentication.enabled", [id])
	msg := sprintf("%s is true, so operation %q is served without authentication; remove it, or list %q in apiguard config tyk.publicOperations", [concat(": ", [k8s.display, tykoas.field(d.where, path)]), id, sprintf("%s/%s", [k8s.namespace, id])])
}

public(id) if {
	some p in k8s.array_at(k8s.config.tyk, "publicOperations")
	is_string(p)
	glob.match(p, ["/"], sprintf("%s/%s", [k8s.namespace, id]))
}
