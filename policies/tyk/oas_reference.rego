# METADATA
# title: Tyk OAS API must reference a readable document in its own namespace
# description: >-
#   A TykOasApiDefinition, TykStreamsApiDefinition or TykMcpProxyDefinition holds no
#   security settings: they live in the OpenAPI document in the ConfigMap key its
#   configmapRef names (Tyk Operator v1.4.2 CRDs). apiguard judges that document, so a
#   reference it cannot read is never a pass: a ConfigMap or key that does not exist,
#   content that is neither JSON nor YAML, or a document without x-tyk-api-gateway is
#   denied, and so is a reference the engine did not resolve. A reference to a
#   ConfigMap in another namespace is denied unless data.apiguard.config.tyk.
#   crossNamespaceConfigMaps lists the pair ({from, to} namespace globs), because one
#   team must not publish another team's document. apiguard check, which sees only its
#   input files, warns about a ConfigMap they do not hold ("judged at admission").
# custom:
#   kinds: [tyk.tyk.io/TykOasApiDefinition, tyk.tyk.io/TykStreamsApiDefinition, tyk.tyk.io/TykMcpProxyDefinition]
#   severity: high
#   field: spec.tykOAS.configmapRef
#   remediation: >-
#     Point configmapRef at a ConfigMap in the API's own namespace whose keyName entry
#     is the Tyk OAS document (JSON or YAML with x-tyk-api-gateway); for a shared
#     document in another namespace, ask the platform team to list the pair in
#     tyk.crossNamespaceConfigMaps.
package tyk.oas_reference

import data.lib.kubernetes as k8s
import data.lib.tykoas

applies if {
	k8s.is_check
	tykoas.api_object
}

field := sprintf("spec.%s.configmapRef", [tykoas.ref_fields[k8s.kind]])

deny contains msg if {
	applies
	not tykoas.ref
	msg := sprintf("%s: %s is missing, so apiguard cannot read the document that holds its security settings; set %s {name, keyName}", [k8s.display, field, field])
}

reasons := {
	"unresolved": "was not resolved by the engine, so its document cannot be judged",
	"missing": "does not exist",
	"no_key": "has no such key",
	"unparsable": "is neither JSON nor YAML holding a mapping",
	"no_extension": "holds no x-tyk-api-gateway extension, so Tyk has no gateway settings for it",
}

deny contains msg if {
	applies
	reason := reasons[tykoas.state]
	msg := sprintf("%s: %s names %s, which %s; point it at the ConfigMap key holding the Tyk OAS document", [k8s.display, field, tykoas.ref_display, reason])
}

warn contains msg if {
	applies
	tykoas.state == "absent"
	msg := sprintf("%s: %s names %s, which is not among the checked files: judged at admission", [k8s.display, field, tykoas.ref_display])
}

deny contains msg if {
	applies
	tykoas.cross_namespace
	not pair_allowed
	msg := sprintf("%s: %s names %s in namespace %q, another team's namespace; use a ConfigMap in %q, or have the platform team allow the pair in apiguard config tyk.crossNamespaceConfigMaps", [k8s.display, field, tykoas.ref_display, tykoas.ref_namespace, k8s.namespace])
}

pair_allowed if {
	some pair in k8s.array_at(k8s.config.tyk, "crossNamespaceConfigMaps")
	is_string(pair.from)
	is_string(pair.to)
	glob.match(pair.from, [], k8s.namespace)
	glob.match(pair.to, [], tykoas.ref_namespace)
}
