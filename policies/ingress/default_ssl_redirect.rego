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

import data.lib.kubernetes as k8s

redirect_annotation := "nginx.ingress.kubernetes.io/force-ssl-redirect"

# The patch adds the one key, even when metadata.annotations is missing or
# null: the engine creates the map. Adding the whole map instead would collide
# with ingress.default_hsts, which adds its own keys in the same round.
patch contains op if {
	applies
	not redirect_annotation in object.keys(k8s.annotations)
	op := {
		"op": "add",
		"path": concat("/", ["/metadata/annotations", escape_pointer(redirect_annotation)]),
		"value": "true",
	}
}

# Only CREATE and UPDATE are patched: on DELETE there is nothing to fill in.
applies if {
	k8s.is_write
	k8s.group == "networking.k8s.io"
	k8s.kind == "Ingress"
	k8s.version == "v1"
	ingress_class in nginx_classes
}

# spec.ingressClassName wins over the legacy annotation, as in ingress-nginx.
ingress_class := c if {
	c := k8s.spec.ingressClassName
	is_string(c)
	c != ""
} else := c if {
	c := k8s.annotations["kubernetes.io/ingress.class"]
	is_string(c)
} else := ""

# A configured list replaces the default; anything but a list of strings is
# ignored.
nginx_classes := {c | some c in classes} if {
	classes := k8s.setting(["ingress", "nginxClasses"], null)
	is_array(classes)
	every c in classes {
		is_string(c)
	}
} else := {"nginx"}

# RFC 6901: "~" becomes "~0" first, then "/" becomes "~1".
escape_pointer(s) := replace(replace(s, "~", "~0"), "/", "~1")
