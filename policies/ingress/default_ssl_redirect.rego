# METADATA
# title: nginx Ingresses redirect HTTP to HTTPS by default
# description: >-
#   For Ingresses served by ingress-nginx (spec.ingressClassName, or when unset
#   the kubernetes.io/ingress.class annotation, is in
#   data.apiguard.config.ingress.nginxClasses, default ["nginx"]), adds the
#   annotation force-ssl-redirect: "true" under each prefix of
#   data.apiguard.config.ingress.nginxAnnotationPrefixes (default
#   nginx.ingress.kubernetes.io) when it is missing. A value the user set, even
#   "false", is never changed, and nothing is added where the user turned
#   ssl-redirect off under that prefix (a value ParseBool reads as false):
#   force-ssl-redirect would override that choice, and ingress.no_plain_http
#   denies it instead.
# custom:
#   kinds: [Ingress]
#   severity: medium
#   remediation: >-
#     Nothing to do: the annotation is added for you. Set
#     nginx.ingress.kubernetes.io/force-ssl-redirect explicitly to opt out.
package ingress.default_ssl_redirect

import data.lib.annotations as ann
import data.lib.kubernetes as k8s

# The patch adds the one key per prefix, even when metadata.annotations is missing
# or null: the engine creates the map. Adding the whole map instead would collide
# with ingress.default_hsts, which adds its own keys in the same round.
patch contains op if {
	applies
	some prefix in ann.nginx_prefixes
	redirect_annotation := ann.key(prefix, "force-ssl-redirect")
	not redirect_annotation in object.keys(k8s.annotations)
	ann.nginx_bool(prefix, "ssl-redirect", true) == true
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
