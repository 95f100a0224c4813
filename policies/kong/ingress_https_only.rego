# METADATA
# title: Ingresses served by Kong must not accept plain HTTP
# description: >-
#   How Kong Ingress Controller sets a Kong route's protocols from an Ingress
#   (Kong/kong-operator ingress-controller/internal/dataplane/translator/subtranslator/
#   ingress.go ingressRouteProtocols, then kongstate/route.go Override):
#   konghq.com/protocols is split on ",", items trimmed, empty ones dropped
#   (annotations.go extractCommaDelimitedStrings); ingress.kubernetes.io/force-ssl-redirect
#   exactly "true" first turns the protocols into https (grpcs for grpc ones); the
#   annotation's list then replaces them only when every item is a protocol KIC knows
#   (internal/util ValidateProtocol: "http", "https", "grpc", "grpcs", "ws", "wss",
#   "tls", "tcp", "tls_passthrough", case-sensitive); finally normalizeProtocols turns
#   a list that mixes a grpc protocol with an http one (or an unknown one) into http,
#   https, so "grpcs,https" serves plain HTTP. Without the annotation a route takes
#   Kong's default protocols, http and https. Denied on networking.k8s.io Ingresses:
#   an effective list holding http, grpc (cleartext HTTP/2) or ws (cleartext
#   WebSocket): the API is served in clear text, credentials and tokens included.
#   Warned: no konghq.com/protocols at all (Kong's default accepts http, unless
#   force-ssl-redirect is "true"; denied with data.apiguard.config.kong.requireProtocols:
#   true, default false), and a list with a protocol KIC does not know
#   ("HTTPS"), which leaves it in the route for Kong to refuse. A route of https only
#   answers a plain HTTP request with 426, or with konghq.com/https-redirect-status-code
#   redirects it. Only Ingresses carrying a konghq.com/ annotation are judged (the
#   class decides which controller serves an Ingress; the annotations say it is meant
#   for Kong).
# custom:
#   kinds: [networking.k8s.io/Ingress]
#   severity: high
#   field: metadata.annotations["konghq.com/protocols"]
#   remediation: >-
#     Set konghq.com/protocols: "https" (and konghq.com/https-redirect-status-code:
#     "301" to redirect plain HTTP clients), or "grpcs" / "wss" for those protocols.
package kong.ingress_https_only

import data.lib.kong
import data.lib.kubernetes as k8s

deny contains msg if {
	applies
	plain_http
	judged_as_deny
	msg := sprintf(
		"%s: Kong serves its routes over %s (%s), so the API answers in clear text and credentials and tokens cross the network unencrypted; set konghq.com/protocols: \"https\" (or grpcs, wss), with konghq.com/https-redirect-status-code: \"301\" to redirect plain HTTP clients",
		[k8s.display, concat(", ", effective), reason],
	)
}

warn contains msg if {
	applies
	plain_http
	not judged_as_deny
	msg := sprintf(
		"%s: no konghq.com/protocols, so Kong's default protocols (http, https) apply and the API also answers in clear text; set konghq.com/protocols: \"https\" (or grpcs, wss), with konghq.com/https-redirect-status-code: \"301\" to redirect plain HTTP clients",
		[k8s.display],
	)
}

warn contains msg if {
	applies
	some p in listed
	not p in known_protocols
	msg := sprintf(
		"%s: konghq.com/protocols lists %q, which Kong Ingress Controller does not accept (protocols are lower case: http, https, grpc, grpcs, ws, wss, tls, tcp, tls_passthrough), so Kong refuses the route; list https",
		[k8s.display, p],
	)
}

applies if {
	k8s.is_check
	k8s.group == "networking.k8s.io"
	k8s.kind == "Ingress"
	kong.has_kong_annotation
}

plain_protocols := {"http", "grpc", "ws"}

plain_http if {
	some p in effective
	p in plain_protocols
}

# Kong's default (no annotation at all) is warned unless kong.requireProtocols; an
# annotation that is present is a choice and is judged.
judged_as_deny if is_string(k8s.annotations["konghq.com/protocols"])

judged_as_deny if k8s.setting(["kong", "requireProtocols"], false) == true

listed := kong.annotation_list("konghq.com/protocols")

force_ssl if k8s.annotations["ingress.kubernetes.io/force-ssl-redirect"] == "true"

force_ssl_flag if force_ssl

else := false

before_normalize := kong.protocols_before_normalize(listed, force_ssl_flag)

effective := kong.route_protocols(listed, force_ssl_flag)

known_protocols := kong.known_protocols

reason := "konghq.com/protocols mixes a grpc protocol with an http or unknown one, which Kong Ingress Controller replaces by http, https" if {
	kong.protocols_mixed(before_normalize)
} else := sprintf("konghq.com/protocols: %q", [k8s.annotations["konghq.com/protocols"]]) if {
	count(listed) > 0
} else := "konghq.com/protocols is empty, so Kong's default protocols apply" if {
	is_string(k8s.annotations["konghq.com/protocols"])
} else := "no konghq.com/protocols, so Kong's default protocols apply"
