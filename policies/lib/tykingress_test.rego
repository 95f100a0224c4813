package lib.tykingress_test

import data.lib.tykingress as ti

# ingress(annotations, spec, refs) is the admission input of an Ingress in demo.
ingress(annotations, spec, refs) := {
	"request": {
		"operation": "CREATE",
		"kind": {"group": "networking.k8s.io", "version": "v1", "kind": "Ingress"},
		"namespace": "demo",
		"name": "web",
		"object": {"metadata": {"name": "web", "namespace": "demo", "annotations": annotations}, "spec": spec},
	},
	"references": refs,
}

tyk_class := {"kubernetes.io/ingress.class": "tyk"}

test_served_by_tyk_exact_class if {
	ti.served_by_tyk with input as ingress(tyk_class, {}, {})
	ti.served_by_tyk with input as ingress({}, {"ingressClassName": "tyk"}, {})
	every c in ["Tyk", " tyk", "tyk ", "nginx", ""] {
		not ti.served_by_tyk with input as ingress({"kubernetes.io/ingress.class": c}, {}, {})
	}
	not ti.served_by_tyk with input as ingress({"tyk.io/template": "tpl"}, {}, {})
}

test_configured_classes if {
	cfg := {"tyk": {"ingressClasses": ["tyk-staging"]}}
	ti.served_by_tyk with input as ingress({"kubernetes.io/ingress.class": "tyk-staging"}, {}, {}) with data.apiguard.config as cfg
	not ti.served_by_tyk with input as ingress(tyk_class, {}, {}) with data.apiguard.config as cfg
	ti.served_by_tyk with input as ingress(tyk_class, {}, {}) with data.apiguard.config as {"tyk": {"ingressClasses": "tyk-staging"}}
	ti.served_by_tyk with input as ingress(tyk_class, {}, {}) with data.apiguard.config as {"tyk": {"ingressClasses": []}}
}

# The kind is TykOasApiDefinition only when spelled exactly so (ingress_controller.go:
# `if tplKind == v1alpha1.KindTykOasApiDefinition`).
test_template_kind if {
	ti.template_kind == "ApiDefinition" with input as ingress({"tyk.io/template": "t"}, {}, {})
	ti.template_kind == "TykOasApiDefinition" with input as ingress({"tyk.io/template": "t", "tyk.io/template-kind": "TykOasApiDefinition"}, {}, {})
	every k in ["tykoasapidefinition", " TykOasApiDefinition", "TykOasApiDefinitions", "ApiDefinition", ""] {
		ti.template_kind == "ApiDefinition" with input as ingress({"tyk.io/template": "t", "tyk.io/template-kind": k}, {}, {})
	}
}

entry(found, source, obj) := e if {
	found
	e := {"found": true, "source": source, "object": obj}
} else := {"found": false, "source": source}

test_template_state if {
	ti.template_state == "default" with input as ingress(tyk_class, {}, {})
	ti.template_state == "default" with input as ingress(object.union(tyk_class, {"tyk.io/template": ""}), {}, {})
	ti.template_state == "other_namespace" with input as ingress({"tyk.io/template": "other/tpl"}, {}, {})
	ti.template_state == "unresolved" with input as ingress({"tyk.io/template": "tpl"}, {}, {})
	ti.template_state == "absent" with input as ingress({"tyk.io/template": "tpl"}, {}, {"apidefinitions": {"demo/tpl": entry(false, "input", null)}})
	ti.template_state == "missing" with input as ingress({"tyk.io/template": "tpl"}, {}, {"apidefinitions": {"demo/tpl": entry(false, "cluster", null)}})
	ti.template_state == "ok" with input as ingress({"tyk.io/template": "tpl"}, {}, {"apidefinitions": {"demo/tpl": entry(true, "cluster", {"spec": {}})}})

	# The section read is the one of the kind the controller reads.
	ti.template_state == "unresolved" with input as ingress({"tyk.io/template": "tpl", "tyk.io/template-kind": "TykOasApiDefinition"}, {}, {"apidefinitions": {"demo/tpl": entry(true, "cluster", {"spec": {}})}})
}

oas_tpl(ref) := {"spec": {"tykOAS": {"configmapRef": ref}}}

oas_refs(ref, cm) := {"tykoasapidefinitions": {"demo/tpl": entry(true, "cluster", oas_tpl(ref))}, "configmaps": cm}

oas_annotations := {"tyk.io/template": "tpl", "tyk.io/template-kind": "TykOasApiDefinition"}

test_document_state if {
	ref := {"name": "doc", "keyName": "oas.json"}
	doc := json.marshal({"x-tyk-api-gateway": {"server": {"authentication": {"enabled": true}}}})
	ti.document_state == "ok" with input as ingress(oas_annotations, {}, oas_refs(ref, {"demo/doc": {"found": true, "source": "cluster", "data": {"oas.json": doc}}}))
	ti.gw.server.authentication.enabled == true with input as ingress(oas_annotations, {}, oas_refs(ref, {"demo/doc": {"found": true, "source": "cluster", "data": {"oas.json": doc}}}))
	ti.document_state == "no_ref" with input as ingress(oas_annotations, {}, oas_refs({"keyName": "k"}, {}))
	ti.document_state == "unresolved" with input as ingress(oas_annotations, {}, oas_refs(ref, {}))
	ti.document_state == "absent" with input as ingress(oas_annotations, {}, oas_refs(ref, {"demo/doc": {"found": false, "source": "input"}}))
	ti.document_state == "missing" with input as ingress(oas_annotations, {}, oas_refs(ref, {"demo/doc": {"found": false, "source": "cluster"}}))
	ti.document_state == "no_key" with input as ingress(oas_annotations, {}, oas_refs(ref, {"demo/doc": {"found": true, "source": "cluster", "data": {}}}))
	ti.document_state == "unparsable" with input as ingress(oas_annotations, {}, oas_refs(ref, {"demo/doc": {"found": true, "source": "cluster", "data": {"oas.json": "["}}}))
	ti.document_state == "no_extension" with input as ingress(oas_annotations, {}, oas_refs(ref, {"demo/doc": {"found": true, "source": "cluster", "data": {"oas.json": "{}"}}}))

	# configmapRef.namespace is honoured, as the controller reads it.
	other := {"name": "doc", "keyName": "oas.json", "namespace": "shared"}
	ti.document_state == "ok" with input as ingress(oas_annotations, {}, oas_refs(other, {"shared/doc": {"found": true, "source": "cluster", "data": {"oas.json": doc}}}))

	# A classic template has no document.
	not ti.document_state with input as ingress({"tyk.io/template": "tpl"}, {}, {"apidefinitions": {"demo/tpl": entry(true, "cluster", {"spec": {}})}})
}
