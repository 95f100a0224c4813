# METADATA
# title: Tyk OAS API must authenticate callers
# description: >-
#   In a Tyk OAS document, x-tyk-api-gateway.server.authentication.enabled false or
#   absent makes the API keyless: Tyk converts it to UseKeylessAccess = true
#   (TykTechnologies/tyk apidef/oas/authentication.go ExtractTo, apidef/oas/security.go
#   extractSecurityTo). Judged on the TykOasApiDefinition (and the Streams and MCP
#   kinds) through its resolved ConfigMap, and on a ConfigMap whose data carries the
#   extension. The public-API exception is tyk.no_keyless's: the label
#   apiguard.io/public-api: "approved" on the object under review in a namespace
#   listed in data.apiguard.config.tyk.keylessNamespaces. An API with
#   info.state.internal true, or info.state.active false behind a Tyk Dashboard
#   (tyk.dashboard), is not judged (lib.tykoas served). A TykOasApiDefinition with
#   spec.clientCertificate enabled and an allowlist is not keyless: static client mTLS
#   admits only listed certificates (Tyk Operator writes the flag into the document; the
#   document's own flag is overwritten, so a ConfigMap alone does not count).
# custom:
#   kinds: [tyk.tyk.io/TykOasApiDefinition, tyk.tyk.io/TykStreamsApiDefinition, tyk.tyk.io/TykMcpProxyDefinition, ConfigMap]
#   severity: high
#   field: x-tyk-api-gateway.server.authentication.enabled
#   remediation: >-
#     Set x-tyk-api-gateway.server.authentication.enabled: true with a security scheme
#     (for example an API key or JWT in components.securitySchemes and security). For
#     an intentionally public API, label it apiguard.io/public-api: "approved" in a
#     namespace listed in tyk.keylessNamespaces.
package tyk.oas_keyless

import data.lib.kubernetes as k8s
import data.lib.tykoas

deny contains msg if {
	k8s.is_check
	some d in tykoas.documents
	tykoas.served(d.gw)
	not tykoas.authenticated(d.gw)
	not tykoas.crd_static_mtls
	not approved
	msg := sprintf("%s: %s is not true, so anyone who reaches the gateway can call every operation; set it to true with a security scheme%s", [k8s.display, tykoas.field(d.where, "server.authentication.enabled"), hint])
}

approval_label := "apiguard.io/public-api"

approved if {
	k8s.labels[approval_label] == "approved"
	k8s.namespace_in(keyless_namespaces)
}

hint := sprintf("; for an intentionally public API, label it %s: \"approved\" in a namespace listed in apiguard config tyk.keylessNamespaces", [approval_label])

keyless_namespaces := [p | some p in k8s.array_at(k8s.config.tyk, "keylessNamespaces"); is_string(p)]
