# METADATA
# title: Tyk ApiDefinition must not be keyless
# description: >-
#   A Tyk ApiDefinition (tyk.tyk.io) with spec.use_keyless: true can be called by
#   anyone who can reach the gateway. It is allowed only when the object carries
#   the label apiguard.io/public-api: "approved" AND its namespace matches one of
#   the globs in data.apiguard.config.tyk.keylessNamespaces (default [], so no
#   keyless API is allowed until a platform team opts a namespace in). An API
#   that no caller reaches directly is not judged (lib.tyk served): internal:
#   true (gateway/api_loader.go processSpec skips its routes; it answers only
#   tyk:// loops from other APIs, which are judged on their own), and
#   active: false when data.apiguard.config.tyk.dashboard is true (a Tyk
#   Dashboard withholds inactive APIs from its gateways; the open-source gateway
#   ignores the flag, TykTechnologies/tyk#1151). Nor is an Ingress template, labelled
#   template: "true" exactly (lib.tyk ingress_template): Tyk Operator's ApiDefinition
#   controller only re-queues the Ingresses naming it and never publishes it
#   (controllers/apidefinition_controller.go Reconcile); the Ingress that uses it is
#   judged instead (tyk.ingress_template). Turning either flag back on, or removing
#   the label, is an UPDATE, judged again.
# custom:
#   kinds: [tyk.tyk.io/ApiDefinition]
#   severity: high
#   field: spec.use_keyless
#   remediation: >-
#     Set use_keyless: false and enable an auth method (for example use_standard_auth
#     with auth_configs.authToken). For an intentionally public API, label it
#     apiguard.io/public-api: "approved" in a namespace listed in tyk.keylessNamespaces.
package tyk.no_keyless

import data.lib.kubernetes as k8s
import data.lib.tyk

approval_label := "apiguard.io/public-api"

deny contains msg if {
	applies
	k8s.spec.use_keyless == true
	not approved
	msg := sprintf(
		"%s: sets use_keyless: true, so anyone who reaches the gateway can call it; set use_keyless: false and enable an auth method such as use_standard_auth with auth_configs.authToken%s%s",
		[k8s.display, hint, template_note],
	)
}

# A template label on an API Tyk Operator already created on Tyk withdraws nothing
# (lib.tyk published); say so, since the label is why the owner expects a pass.
template_note := sprintf("; the label template: \"true\" does not withdraw an API Tyk Operator already created on Tyk (status.api_id %q): delete it without the label, so that Tyk Operator removes it from Tyk, then create the template", [k8s.resource.status.api_id]) if {
	k8s.labels[tyk.template_labels.ApiDefinition] == "true"
	tyk.published
} else := ""

applies if {
	k8s.is_check
	k8s.group == "tyk.tyk.io"
	k8s.kind == "ApiDefinition"
	tyk.served
}

# Both conditions are needed: the label records the API owner's intent, the
# namespace list is the platform team's approval.
approved if {
	labelled
	k8s.namespace_in(keyless_namespaces)
}

labelled if k8s.labels[approval_label] == "approved"

# The hint tells the user which half of the public-API exception is missing.
hint := sprintf("; the label %s: \"approved\" only exempts namespaces listed in apiguard config tyk.keylessNamespaces, and %q is not one of them", [approval_label, k8s.namespace]) if {
	labelled
} else := sprintf("; for an intentionally public API, label it %s: \"approved\" in a namespace listed in apiguard config tyk.keylessNamespaces", [approval_label])

# A malformed setting (not an array) allows no namespace; non-string entries are ignored.
keyless_namespaces := [p | some p in k8s.array_at(k8s.config.tyk, "keylessNamespaces"); is_string(p)]
