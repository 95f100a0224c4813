# METADATA
# title: Ingress must not serve plain HTTP
# description: >-
#   Reads the annotations as the controllers parse them (lib.annotations: Go's
#   strconv.ParseBool, no trimming, fallback to the default on any other value).
#   Denies kubernetes.io/ingress.allow-http when it parses true ("true", "1",
#   "t", "TRUE", ...), on any class. For the Ingresses ingress-gce serves
#   (the kubernetes.io/ingress.class annotation, or when it is unset
#   spec.ingressClassName, is in data.apiguard.config.ingress.gceClasses,
#   default ["gce", "gce-internal", "gce-regional-external"]; with
#   data.apiguard.config.ingress.gceServesUnclassed true also an Ingress with
#   neither), ingress-gce opens port 80 unless allow-http parses false
#   (pkg/annotations/ingress.go AllowHTTP: absent or unparsable means true), so
#   any other value is denied, and so is an absent annotation; the mutating
#   webhook adds allow-http "false" to a networking.k8s.io/v1 Ingress that lacks
#   it. An Ingress that names a FrontendConfig
#   (networking.gke.io/v1beta1.FrontendConfig), whose redirectToHttps apiguard
#   cannot see, is warned instead and not patched. For ingress-nginx, under each
#   prefix of data.apiguard.config.ingress.nginxAnnotationPrefixes (default
#   ["nginx.ingress.kubernetes.io"]), ssl-redirect parsing false is denied
#   unless force-ssl-redirect parses true under the same prefix, which
#   redirects anyway (rootfs/etc/nginx/lua/lua_ingress.lua redirect_to_https).
# custom:
#   kinds: [Ingress]
#   severity: high
#   field: metadata.annotations
#   remediation: >-
#     Set kubernetes.io/ingress.allow-http to "false" and remove
#     nginx.ingress.kubernetes.io/ssl-redirect: "false" (or set
#     force-ssl-redirect: "true").
package ingress.no_plain_http

import data.lib.annotations as ann
import data.lib.kubernetes as k8s

allow_http := "kubernetes.io/ingress.allow-http"

class_annotation := "kubernetes.io/ingress.class"

frontend_config := "networking.gke.io/v1beta1.FrontendConfig"

default_gce_classes := ["gce", "gce-internal", "gce-regional-external"]

deny contains msg if {
	applies
	v := k8s.annotations[allow_http]
	ann.parse_bool(v) == true
	msg := sprintf(
		"%s: annotation %q is %q, which the load balancer reads as true, so it also serves plain HTTP on port 80; set it to \"false\"",
		[k8s.display, allow_http, v],
	)
}

deny contains msg if {
	applies
	gce
	v := k8s.annotations[allow_http]
	not ann.is_bool(v)
	msg := sprintf(
		"%s: annotation %q is %s, which ingress-gce cannot parse as a boolean, so it falls back to serving plain HTTP on port 80; set it to exactly \"false\"",
		[k8s.display, allow_http, json.marshal(v)],
	)
}

deny contains msg if {
	applies
	gce
	not allow_http in object.keys(k8s.annotations)
	not frontend_config in object.keys(k8s.annotations)
	msg := sprintf(
		"%s: ingress-gce (class %q) serves plain HTTP on port 80 unless annotation %q is \"false\"; add it",
		[k8s.display, gce_class, allow_http],
	)
}

warn contains msg if {
	applies
	gce
	not allow_http in object.keys(k8s.annotations)
	fc := k8s.annotations[frontend_config]
	msg := sprintf(
		"%s: ingress-gce (class %q) serves plain HTTP on port 80 because annotation %q is not \"false\"; that is only safe if FrontendConfig %q sets redirectToHttps.enabled: true, which apiguard cannot see. Set %q to \"false\" to turn port 80 off",
		[k8s.display, gce_class, allow_http, fc, allow_http],
	)
}

deny contains msg if {
	applies
	some prefix in ann.nginx_prefixes
	k := ann.key(prefix, "ssl-redirect")

	# ann.nginx_bool(prefix, "ssl-redirect", true) is false exactly when the
	# annotation is there and ParseBool reads it as false: looked up directly, so
	# an Ingress without it (nearly all) stops here.
	ann.parse_bool(k8s.annotations[k]) == false
	ann.nginx_bool(prefix, "force-ssl-redirect", false) == false
	msg := sprintf(
		"%s: annotation %q is %q, which ingress-nginx reads as false, so HTTP requests are served without redirecting to HTTPS; remove it, or set %q to \"true\"",
		[k8s.display, k, k8s.annotations[k], ann.key(prefix, "force-ssl-redirect")],
	)
}

# The secure default for ingress-gce: turn port 80 off when nothing says otherwise. A
# value the user set, whatever it is, is left alone (and judged above).
patch contains op if {
	k8s.is_write
	k8s.group == "networking.k8s.io"
	k8s.kind == "Ingress"
	k8s.version == "v1"
	gce
	not allow_http in object.keys(k8s.annotations)
	not frontend_config in object.keys(k8s.annotations)
	op := {
		"op": "add",
		"path": concat("/", ["/metadata/annotations", escape_pointer(allow_http)]),
		"value": "false",
	}
}

# Writes and audits of networking.k8s.io Ingresses are judged; a DELETE never is.
applies if {
	k8s.is_check
	k8s.group == "networking.k8s.io"
	k8s.kind == "Ingress"
}

# gce holds when ingress-gce serves the Ingress. ingress-gce decides on the
# kubernetes.io/ingress.class annotation (pkg/utils/utils.go IsGCEIngress): a non-empty
# value wins over spec.ingressClassName.
gce if gce_class in gce_classes

gce if {
	gce_class == ""
	k8s.setting(["ingress", "gceServesUnclassed"], false) == true
}

gce_class := c if {
	c := k8s.annotations[class_annotation]
	is_string(c)
	c != ""
} else := c if {
	c := k8s.spec.ingressClassName
	is_string(c)
} else := ""

# A configured list of strings replaces the default; anything else is ignored.
gce_classes := {c | some c in list} if {
	list := k8s.setting(["ingress", "gceClasses"], null)
	is_array(list)
	every c in list {
		is_string(c)
	}
} else := {c | some c in default_gce_classes}

# RFC 6901: "~" becomes "~0" first, then "/" becomes "~1".
escape_pointer(s) := replace(replace(s, "~", "~0"), "/", "~1")
