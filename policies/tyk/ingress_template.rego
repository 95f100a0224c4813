# METADATA
# title: An Ingress served by Tyk Operator is judged by its template
# description: >-
#   Tyk Operator's ingress controller turns every path of an Ingress of its class into a
#   Tyk API built from the template the tyk.io/template annotation names (an ApiDefinition,
#   or with tyk.io/template-kind: TykOasApiDefinition a TykOasApiDefinition and its
#   ConfigMap's document), in the Ingress's own namespace, overwriting only listen path,
#   upstream, domain, port and certificate (TykTechnologies/tyk-operator
#   controllers/ingress_controller.go; lib.tykingress). The Ingress is judged as that
#   template: a keyless template (use_keyless: true, or a document whose
#   server.authentication.enabled is not true) makes the Ingress keyless, and an Ingress
#   with no template gets the controller's built-in keyless one; the public-API exception
#   is tyk.no_keyless's, on the Ingress (label apiguard.io/public-api: "approved" in a
#   namespace listed in tyk.keylessNamespaces). A classic template with a catch-all
#   ignored path (tyk.ignored_paths), or a Tyk OAS template with an operation whose
#   ignoreAuthentication is enabled (tyk.oas_ignore_auth; tyk.publicOperations lists
#   "<namespace>/<operationId>" globs), skips authentication and is denied too. A template
#   that cannot be read is never a pass: one the cluster does not hold, a name holding a
#   namespace, a reference the engine did not resolve, a Tyk OAS template without a
#   configmapRef or whose ConfigMap, key or document is missing or unreadable are denied;
#   apiguard check warns about a template or ConfigMap its files do not hold ("judged at
#   admission"). A template with internal: true (or active: false behind a Tyk Dashboard,
#   tyk.dashboard) is not exposure. Ingresses of other classes are not judged; Tyk's
#   classes are data.apiguard.config.tyk.ingressClasses (default ["tyk"], the
#   controller's WATCH_INGRESS_CLASS), compared exactly as the controller compares them.
#   cert-manager's HTTP-01 solver Ingress (every path under /.well-known/acme-challenge/
#   to a cm-acme-http-solver- Service; lib.tykingress acme_solver) is not denied as
#   keyless: the ACME server must fetch the token without credentials. The template
#   itself, labelled as Tyk Operator reads it (ApiDefinition template: "true",
#   TykOasApiDefinition tyk.io/template: "true"; lib.tyk ingress_template), is never
#   published and not judged as an API; this check judges what it serves, and warns
#   the classic template's other ignored paths as tyk.ignored_paths would.
# custom:
#   kinds: [networking.k8s.io/Ingress]
#   severity: high
#   field: metadata.annotations["tyk.io/template"]
#   remediation: >-
#     Point tyk.io/template at a template in the Ingress's namespace that authenticates
#     callers (an ApiDefinition with use_keyless: false and an auth method, or with
#     tyk.io/template-kind: TykOasApiDefinition a TykOasApiDefinition whose document sets
#     x-tyk-api-gateway.server.authentication.enabled: true). For an intentionally public
#     API, label the Ingress apiguard.io/public-api: "approved" in a namespace listed in
#     tyk.keylessNamespaces.
package tyk.ingress_template

import data.lib.kubernetes as k8s
import data.lib.tyk
import data.lib.tykingress as ti
import data.lib.tykoas

applies if {
	k8s.is_check
	ti.served_by_tyk
}

field := sprintf("metadata.annotations[%q]", [ti.template_annotation])

names := sprintf("%s names %s", [field, ti.template_display])

hint := sprintf("; for an intentionally public API, label the Ingress %s: \"approved\" in a namespace listed in apiguard config tyk.keylessNamespaces", [tyk.public_api_label])

# Keyless, by the built-in default or by the template.
deny contains msg if {
	applies
	ti.template_state == "default"
	not tyk.public_api_approved
	not ti.acme_solver
	msg := sprintf("%s: sets no %s, so Tyk Operator builds its APIs from %s; set %s to a template in %q that authenticates callers%s", [k8s.display, field, default_template, field, k8s.namespace, hint])
}

# The classic default is keyless (ingress_controller.go keyless()); the Tyk OAS default
# (defaultOasIngressTemplate) is not one apiguard can read, and is never a pass.
default_template := "its built-in keyless template and anyone who reaches the gateway can call them" if {
	ti.template_kind == "ApiDefinition"
} else := "its built-in default Tyk OAS template, whose security apiguard cannot judge (the classic default is keyless)"

deny contains msg if {
	applies
	tyk.served_spec(ti.template_spec)
	tyk.keyless_spec(ti.template_spec)
	not tyk.public_api_approved
	not ti.acme_solver
	msg := sprintf("%s: %s, which sets spec.use_keyless: true; Tyk Operator copies it into every API it builds for this Ingress, so anyone who reaches the gateway can call them; name a template with use_keyless: false and an auth method%s", [k8s.display, names, hint])
}

deny contains msg if {
	applies
	tykoas.served(ti.gw)
	not tykoas.authenticated(ti.gw)
	not tyk.public_api_approved
	not ti.acme_solver
	msg := sprintf("%s: %s, whose %s is not true; Tyk Operator copies the document into every API it builds for this Ingress, so anyone who reaches the gateway can call them; set it to true with a security scheme%s", [k8s.display, names, tykoas.field(ti.oas_ref_display, "server.authentication.enabled"), hint])
}

# Authentication skipped for every path, or for an operation.
deny contains msg if {
	applies
	tyk.served_spec(ti.template_spec)
	some e in tyk.catch_all_ignored(ti.template_spec)
	msg := sprintf("%s: %s, whose %s is %q, which matches every request path, so every API built for this Ingress is served without authentication; remove it from the template and list only exact public paths such as ^/health$", [k8s.display, names, e.field, e.path])
}

# Any other ignored path of a classic template: warned here as tyk.ignored_paths warns it
# on a published ApiDefinition, since the template itself is not judged (lib.tyk
# ingress_template) and every API built for the Ingress serves it without authentication.
warn contains msg if {
	applies
	tyk.served_spec(ti.template_spec)
	some e in tyk.ignored_entries(ti.template_spec)
	not tyk.catch_all_path(e.path)
	msg := sprintf("%s: %s, whose %s is %q, so every API built for this Ingress serves %s on it without authentication (the pattern is not anchored: it matches every path containing it); make sure it is public and anchor it in the template, for example ^/health$", [k8s.display, names, e.field, e.path, e.methods])
}

deny contains msg if {
	applies
	tykoas.served(ti.gw)
	tykoas.authenticated(ti.gw)
	some id in tykoas.operations_ignoring_auth(ti.gw)
	not public_operation(id)
	path := sprintf("middleware.operations.%s.ignoreAuthentication.enabled", [id])
	msg := sprintf("%s: %s, whose %s is true, so operation %q of every API built for this Ingress is served without authentication; remove it, or list %q in apiguard config tyk.publicOperations", [k8s.display, names, tykoas.field(ti.oas_ref_display, path), id, sprintf("%s/%s", [k8s.namespace, id])])
}

public_operation(id) if {
	some p in k8s.array_at(k8s.config.tyk, "publicOperations")
	is_string(p)
	glob.match(p, ["/"], sprintf("%s/%s", [k8s.namespace, id]))
}

# A template that cannot be read.
template_reasons := {
	"other_namespace": "but Tyk Operator reads the template from the Ingress's own namespace only and no object has a name holding a \"/\", so it finds none",
	"unresolved": "which the engine did not resolve, so the security it copies cannot be judged",
	"missing": "which does not exist; Tyk Operator builds nothing until it does and then serves the Ingress as it says",
}

deny contains msg if {
	applies
	reason := template_reasons[ti.template_state]
	msg := sprintf("%s: %s, %s; create the template in %q first, or point %s at one there", [k8s.display, names, reason, k8s.namespace, field])
}

document_reasons := {
	"no_ref": "which has no spec.tykOAS.configmapRef.name, so Tyk Operator refuses it",
	"unresolved": "whose ConfigMap the engine did not resolve, so the document it copies cannot be judged",
	"missing": "whose ConfigMap does not exist",
	"no_key": "whose ConfigMap has no such key",
	"unparsable": "whose ConfigMap key is neither JSON nor YAML holding a mapping",
	"no_extension": "whose document holds no x-tyk-api-gateway extension",
}

deny contains msg if {
	applies
	reason := document_reasons[ti.document_state]
	msg := sprintf("%s: %s (%s), %s; point the template at the ConfigMap key holding its Tyk OAS document", [k8s.display, names, cm_display, reason])
}

cm_display := d if {
	d := ti.oas_ref_display
} else := "no ConfigMap"

warn contains msg if {
	applies
	ti.template_state == "absent"
	msg := sprintf("%s: %s, which is not among the checked files: judged at admission", [k8s.display, names])
}

warn contains msg if {
	applies
	ti.document_state == "absent"
	msg := sprintf("%s: %s, whose %s is not among the checked files: judged at admission", [k8s.display, names, ti.oas_ref_display])
}
