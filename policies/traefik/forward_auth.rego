# METADATA
# title: Traefik forwardAuth must verify its authentication server and headers
# description: >-
#   A Middleware (traefik.io) forwardAuth with tls.insecureSkipVerify: true is denied:
#   Traefik then accepts any certificate from the authentication server (traefik/traefik
#   v3.7.13 pkg/middlewares/auth/forward.go builds its client from the tls section), so
#   whoever can answer for its address decides who is authenticated. forwardAuth with
#   trustForwardHeader: true is warned: Traefik then keeps the X-Forwarded-Method,
#   -Proto, -Port, -Host and -Uri the request already carries when it calls the
#   authentication server (forward.go writeHeader sets each only `if _, ok :=
#   forwardReq.Header[...]; !ok`), and the client writes them unless the entry point
#   strips them (forwardedHeaders), so an auth server that decides by X-Forwarded-Uri
#   or -Host can be told another path or host (doc.traefik.io/traefik/v3.7/reference/routing-configuration/http/middlewares/forwardauth/).
#   Namespaces in data.apiguard.config.traefik.forwardAuthNamespaces (globs) are
#   exempt.
# custom:
#   kinds: [traefik.io/Middleware]
#   severity: high
#   field: spec.forwardAuth.tls.insecureSkipVerify
#   remediation: >-
#     Remove insecureSkipVerify and give forwardAuth.tls.caSecret the server's CA;
#     leave trustForwardHeader unset unless the entry point trusts only your proxies.
package traefik.forward_auth

import data.lib.kubernetes as k8s
import data.lib.traefik

deny contains msg if {
	applies
	auth.tls.insecureSkipVerify == true
	msg := sprintf(
		"%s: spec.forwardAuth.tls.insecureSkipVerify is true, so Traefik accepts any certificate from the authentication server at %q and whoever can answer for it decides who is authenticated; remove it and set spec.forwardAuth.tls.caSecret",
		[k8s.display, object.get(auth, "address", "")],
	)
}

warn contains msg if {
	applies
	auth.trustForwardHeader == true
	msg := sprintf(
		"%s: spec.forwardAuth.trustForwardHeader is true, so the authentication server receives the client's own X-Forwarded-* headers (host, URI, method) unless the entry point strips them, and a client can ask it about another path or host; remove trustForwardHeader, or trust forwarded headers only from your proxies at the entry point (forwardedHeaders.trustedIPs)",
		[k8s.display],
	)
}

auth := k8s.spec.forwardAuth

applies if {
	k8s.is_check
	traefik.kind("Middleware")
	is_object(auth)
	not k8s.namespace_in(traefik.setting("forwardAuthNamespaces", []))
}
