# METADATA
# title: How Tyk Operator's ingress controller reads an Ingress
# description: >-
#   Tyk Operator serves an Ingress of its class by generating one API per rule path from
#   a template (TykTechnologies/tyk-operator controllers/ingress_controller.go Reconcile,
#   reconcileClassicApiDefinition, reconcileOasApiTemplate; Tyk docs, "Tyk Operator as
#   Ingress Controller"). The generated API copies the template's spec (classic) or its
#   ConfigMap's document (Tyk OAS) and overwrites only the name, the listen path (the
#   rule path), the upstream (http://<service>.<namespace>.svc:<port>), the custom domain
#   (the rule host, when set), listen port and TLS certificate, and for an ACME path
#   strip_listen_path/preserve_host_header. Authentication, ignored paths, internal and
#   active all come from the template, so an Ingress is judged by its template.
#   - Class: the controller watches Ingresses whose kubernetes.io/ingress.class annotation
#     equals its class exactly ("tyk", or WATCH_INGRESS_CLASS; ingressClassEventFilter:
#     `e.GetAnnotations()[keys.IngressClassAnnotation] == watch`): no trimming, no case
#     folding, so "Tyk" or " tyk" is not Tyk's. The open-source controller does not read
#     spec.ingressClassName; the closed-source releases since October 2024 cannot be read,
#     so an Ingress naming a Tyk class in either place is judged (lib.ingressclass
#     named_classes). Classes: data.apiguard.config.tyk.ingressClasses (default ["tyk"]).
#   - Template: the tyk.io/template annotation, verbatim, looked up in the Ingress's own
#     namespace only (types.NamespacedName{Name: tplName, Namespace: req.Namespace}); no
#     label is required on it (the tyk.io/template: "true" label only stops the template
#     itself being published). Its kind is TykOasApiDefinition only when
#     tyk.io/template-kind is exactly that string; absent, blank or any other spelling
#     means ApiDefinition.
#   - No template (annotation absent or empty): the controller uses its built-in default,
#     which for ApiDefinition is keyless (keyless(): UseKeylessAccess: true); the Tyk OAS
#     default (defaultOasIngressTemplate) is not one apiguard can read, and is judged the
#     same, never as a pass.
#   - A template that does not exist: the reconcile fails and is retried; nothing is
#     served until it appears, and then it is served as that template says, so admission
#     denies it (pkg/references: found false from the cluster); offline it is warned.
#   - A Tyk OAS template: the controller reads its spec.tykOAS.configmapRef (namespace
#     default: the template's) and copies cm.Data[keyName]; the template's own spec
#     (clientCertificate and the rest) is not copied, only configmapRef.
#   The engine resolves the template into input.references.apidefinitions or
#   .tykoasapidefinitions["<namespace>/<name>"], and a Tyk OAS template's ConfigMap into
#   .configmaps (pkg/references IngressTemplate, Resolve). Not a policy: it defines no
#   deny, violation, warn or patch rule.
package lib.tykingress

import data.lib.ingressclass
import data.lib.kubernetes as k8s
import data.lib.tykoas

template_annotation := "tyk.io/template"

kind_annotation := "tyk.io/template-kind"

default_classes := ["tyk"]

# classes Tyk Operator watches: data.apiguard.config.tyk.ingressClasses when it is a list
# of strings, else ["tyk"] (a malformed value never empties the set).
classes := {c | some c in list} if {
	list := k8s.setting(["tyk", "ingressClasses"], null)
	is_array(list)
	count(list) > 0
	every c in list {
		is_string(c)
	}
} else := {c | some c in default_classes}

# ingress holds for an Ingress under review.
ingress if {
	k8s.group == "networking.k8s.io"
	k8s.kind == "Ingress"
}

# served_by_tyk holds for an Ingress naming one of Tyk's classes, compared as the
# controller compares them: exactly.
served_by_tyk if {
	ingress
	some c in ingressclass.named_classes
	c in classes
}

# template_name: the tyk.io/template annotation when set and non-empty.
template_name := n if {
	n := k8s.annotations[template_annotation]
	is_string(n)
	n != ""
}

template_kind := "TykOasApiDefinition" if {
	k8s.annotations[kind_annotation] == "TykOasApiDefinition"
} else := "ApiDefinition"

sections := {"ApiDefinition": "apidefinitions", "TykOasApiDefinition": "tykoasapidefinitions"}

template_display := sprintf("%s %s/%s", [template_kind, k8s.namespace, template_name])

entry := e if {
	e := input.references[sections[template_kind]][sprintf("%s/%s", [k8s.namespace, template_name])]
	is_object(e)
}

template := entry.object if entry.found == true

# template_state: default (no template: the built-in keyless one), other_namespace (the
# name holds a "/": the controller never looks outside the Ingress's namespace, and no
# object has such a name), unresolved (no entry: the engine did not look), absent (not
# among the checked files), missing (the cluster has none), ok.
template_state := "default" if {
	not template_name
} else := "other_namespace" if {
	contains(template_name, "/")
} else := "unresolved" if {
	not entry
} else := "absent" if {
	entry.found == false
	entry.source == "input"
} else := "missing" if {
	entry.found != true
} else := "ok"

# The Tyk OAS template's ConfigMap reference (configmapRef; namespace default: the
# template's own, which is the Ingress's).
oas_ref := r if {
	template_kind == "TykOasApiDefinition"
	r := template.spec.tykOAS.configmapRef
	is_object(r)
}

oas_ref_namespace := ns if {
	ns := oas_ref.namespace
	is_string(ns)
	ns != ""
} else := k8s.namespace

oas_ref_display := sprintf("ConfigMap %s/%s key %q", [oas_ref_namespace, oas_ref.name, object.get(oas_ref, "keyName", "")])

cm_entry := e if {
	e := input.references.configmaps[sprintf("%s/%s", [oas_ref_namespace, oas_ref.name])]
	is_object(e)
}

# document_state, for a found Tyk OAS template: no_ref (no configmapRef.name: the
# controller refuses it), unresolved (the engine did not look), then the ConfigMap's
# state as lib.tykoas reads an API's (absent, missing, no_key, unparsable,
# no_extension, ok).
document_state := "no_ref" if {
	template_state == "ok"
	template_kind == "TykOasApiDefinition"
	not oas_ref_named
} else := "unresolved" if {
	template_state == "ok"
	oas_ref_named
	not cm_entry
} else := tykoas.entry_state(cm_entry, object.get(oas_ref, "keyName", null))

oas_ref_named if {
	is_string(oas_ref.name)
	oas_ref.name != ""
}

# gw: the template document's x-tyk-api-gateway, when it was read.
gw := tykoas.parse(cm_entry.data[oas_ref.keyName])[tykoas.extension] if document_state == "ok"

# template_spec: a classic template's spec, when it was read.
template_spec := s if {
	template_state == "ok"
	template_kind == "ApiDefinition"
	s := object.get(template, "spec", {})
}

# acme_solver holds for cert-manager's HTTP-01 solver Ingress: every path is under
# /.well-known/acme-challenge/ and goes to a cm-acme-http-solver- Service (cert-manager
# pkg/issuer/acme/http: the solver Ingress, Service and Pod are generated as
# cm-acme-http-solver-*, the path is /.well-known/acme-challenge/<token>). The ACME
# server must fetch the token without credentials, and Tyk Operator special-cases these
# paths itself (controllers/ingress_controller.go: `.well-known/acme-challenge` and
# `cm-acme-http-solver` keep the listen path and host header), so its keyless API is the
# intended one: it answers only under the challenge prefix, from the solver. Both
# conditions hold for every path; one path elsewhere, or to another Service, is judged.
acme_solver if {
	paths := [p |
		some rule in k8s.array_at(k8s.spec, "rules")
		some p in k8s.array_at(object.get(rule, "http", {}), "paths")
	]
	count(paths) > 0
	every p in paths {
		is_string(p.path)
		startswith(p.path, "/.well-known/acme-challenge/")
		not contains(p.path, "..")
		is_string(p.backend.service.name)
		startswith(p.backend.service.name, "cm-acme-http-solver-")
	}
}
