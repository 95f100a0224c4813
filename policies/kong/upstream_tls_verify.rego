# METADATA
# title: Kong must verify the TLS certificate of the upstream Service
# description: >-
#   Kong Ingress Controller reads konghq.com/tls-verify on a Kubernetes Service with
#   Go's strconv.ParseBool (Kong/kong-operator ingress-controller/internal/annotations/
#   annotations.go ExtractTLSVerify): "0", "f", "F", "false", "FALSE", "False" set the
#   Kong service's tls_verify to false, so Kong accepts any certificate from the
#   upstream and a machine in the path can read and change the traffic it proxies;
#   denied on core Services. A value ParseBool refuses (" false", "no", "off") is
#   dropped as if absent, which leaves Kong's default: tls_verify unset, "the Nginx
#   default is respected" (Kong Admin API, Service object), and nginx's
#   proxy_ssl_verify is off; warned. So is konghq.com/protocol https, grpcs, tls or
#   wss (TLS to the upstream) without a tls-verify that parses true: the connection
#   is encrypted but the certificate not checked. Only Services carrying a
#   konghq.com/ annotation are judged.
# custom:
#   kinds: [core/Service]
#   severity: high
#   field: metadata.annotations["konghq.com/tls-verify"]
#   remediation: >-
#     Set konghq.com/tls-verify: "true", with konghq.com/ca-certificates-secrets (or
#     -configmaps) naming the CA that signed the upstream's certificate.
package kong.upstream_tls_verify

import data.lib.annotations
import data.lib.kong
import data.lib.kubernetes as k8s

key := "konghq.com/tls-verify"

deny contains msg if {
	applies
	annotations.parse_bool(k8s.annotations[key]) == false
	msg := sprintf(
		"%s: konghq.com/tls-verify is %q, so Kong accepts any certificate from this upstream and a machine in the path can read and change the proxied traffic; set konghq.com/tls-verify: \"true\" with konghq.com/ca-certificates-secrets naming the upstream's CA",
		[k8s.display, k8s.annotations[key]],
	)
}

warn contains msg if {
	applies
	v := k8s.annotations[key]
	not annotations.is_bool(v)
	msg := sprintf(
		"%s: konghq.com/tls-verify is %q, which Kong Ingress Controller does not read as a boolean (strconv.ParseBool) and ignores, so Kong's default applies and the upstream certificate is not verified; write \"true\"",
		[k8s.display, v],
	)
}

warn contains msg if {
	applies
	not k8s.annotations[key]
	protocol := k8s.annotations["konghq.com/protocol"]
	protocol in {"https", "grpcs", "tls", "wss"}
	msg := sprintf(
		"%s: konghq.com/protocol is %q but konghq.com/tls-verify is not set, so Kong encrypts the connection to the upstream without checking its certificate (tls_verify unset keeps nginx's proxy_ssl_verify off); set konghq.com/tls-verify: \"true\" with konghq.com/ca-certificates-secrets",
		[k8s.display, protocol],
	)
}

applies if {
	k8s.is_check
	k8s.group == ""
	k8s.kind == "Service"
	kong.has_kong_annotation
}
