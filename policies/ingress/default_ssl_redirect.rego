# METADATA
# title: nginx Ingresses redirect HTTP to HTTPS by default
# description: >-
#   For Ingresses served by ingress-nginx (spec.ingressClassName, or when unset
#   the kubernetes.io/ingress.class annotation, is in
#   data.apiguard.config.ingress.nginxClasses, default ["nginx"]), adds the
#   annotation nginx.ingress.kubernetes.io/force-ssl-redirect: "true" when it is
#   missing. A value the user set, even "false", is never changed.
# custom:
#   kinds: [Ingress]
#   severity: medium
#   remediation: >-
#     Nothing to do: the annotation is added for you. Set
#     nginx.ingress.kubernetes.io/force-ssl-redirect explicitly to opt out.
package ingress.default_ssl_redirect

redirect_annotation := "nginx.ingress.kubernetes.io/force-ssl-redirect"

# Without an annotations map, adding a key under it would fail, so the whole
# map is added instead.
patch contains op if {
	applies
	not has_annotations_map
	op := {
		"op": "add",
		"path": "/metadata/annotations",
		"value": {redirect_annotation: "true"},
	}
}

patch contains op if {
	applies
	annotations := input.request.object.metadata.annotations
	is_object(annotations)
	not redirect_annotation in object.keys(annotations)
	op := {
		"op": "add",
		"path": concat("/", ["/metadata/annotations", escape_pointer(redirect_annotation)]),
		"value": "true",
	}
}

has_annotations_map if is_object(input.request.object.metadata.annotations)

# On DELETE the object is null and there is nothing to fill in.
applies if {
	input.request.operation != "DELETE"
	input.request.kind.group == "networking.k8s.io"
	input.request.kind.kind == "Ingress"
	is_object(input.request.object.metadata)
	ingress_class in nginx_classes
}

# spec.ingressClassName wins over the legacy annotation, as in ingress-nginx.
ingress_class := c if {
	c := input.request.object.spec.ingressClassName
	is_string(c)
	c != ""
} else := c if {
	c := input.request.object.metadata.annotations["kubernetes.io/ingress.class"]
	is_string(c)
} else := ""

default nginx_classes := {"nginx"}

nginx_classes := {c | some c in classes} if {
	classes := data.apiguard.config.ingress.nginxClasses
	is_array(classes)
	every c in classes {
		is_string(c)
	}
}

# RFC 6901: "~" becomes "~0" first, then "/" becomes "~1".
escape_pointer(s) := replace(replace(s, "~", "~0"), "/", "~1")
