# METADATA
# title: Ingress must not turn plain HTTP back on
# description: >-
#   Denies the annotations that make an Ingress serve plain HTTP next to
#   HTTPS: kubernetes.io/ingress.allow-http "true" (GCE and other cloud load
#   balancers open port 80) and nginx.ingress.kubernetes.io/ssl-redirect
#   "false" (ingress-nginx stops redirecting HTTP to HTTPS). Values are
#   compared case-insensitively, ignoring surrounding spaces.
# custom:
#   kinds: [Ingress]
#   severity: high
#   remediation: >-
#     Set kubernetes.io/ingress.allow-http to "false" and remove
#     nginx.ingress.kubernetes.io/ssl-redirect: "false".
package ingress.no_plain_http

import data.lib.kubernetes as k8s

allow_http := "kubernetes.io/ingress.allow-http"

ssl_redirect := "nginx.ingress.kubernetes.io/ssl-redirect"

deny contains msg if {
	applies
	annotation_is(allow_http, "true")
	msg := sprintf(
		"%s: annotation %q is \"true\", so the load balancer also serves plain HTTP; set it to \"false\"",
		[k8s.display, allow_http],
	)
}

deny contains msg if {
	applies
	annotation_is(ssl_redirect, "false")
	msg := sprintf(
		"%s: annotation %q is \"false\", so HTTP requests are served without redirecting to HTTPS; remove it or set it to \"true\"",
		[k8s.display, ssl_redirect],
	)
}

# Writes and audits of networking.k8s.io Ingresses are judged; a DELETE never is.
applies if {
	k8s.is_check
	k8s.group == "networking.k8s.io"
	k8s.kind == "Ingress"
}

annotation_is(key, value) if {
	v := k8s.annotations[key]
	is_string(v)
	lower(trim_space(v)) == value
}
