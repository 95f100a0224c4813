# METADATA
# title: Traefik IngressRoutes must not serve plain HTTP
# description: >-
#   An IngressRoute (traefik.io) without spec.tls whose routers listen on an entry point
#   that serves plain HTTP is denied, like ingress.require_tls for an Ingress: every
#   host it routes is then readable and changeable on the wire. Traefik builds one
#   router per route with the IngressRoute's entryPoints and sets router TLS only when
#   spec.tls is present (traefik/traefik v3.7.13
#   pkg/provider/kubernetes/crd/kubernetes_http.go loadIngressRouteConfiguration:
#   `if ingressRoute.Spec.TLS != nil`); a router without TLS answers plain HTTP on its
#   entry points unless the static configuration gives the entry point TLS or
#   redirects it (doc.traefik.io/traefik/v3.7/reference/install-configuration/entrypoints/,
#   http.tls and http.redirections). An IngressRoute without entryPoints listens on
#   every default entry point (pkg/server/aggregator.go), plain `web` included in the
#   Helm chart. Entry points that are TLS or redirect everything are
#   data.apiguard.config.traefik.tlsEntryPoints (default ["websecure"]); the default
#   ones traefik.defaultEntryPoints (default ["web", "websecure"]). `tls: {}` is TLS
#   (Traefik serves its default certificate). An IngressRoute with parentRefs is a
#   child: its routers run inside its parents' (pkg/server/router/router.go) and are
#   judged there. Namespaces in traefik.plainHTTPNamespaces (globs) are exempt.
# custom:
#   kinds: [traefik.io/IngressRoute]
#   severity: high
#   field: spec.tls
#   remediation: >-
#     Add spec.tls (secretName, certResolver or options), or list only TLS entry
#     points (websecure) in spec.entryPoints.
package traefik.ingressroute_tls

import data.lib.kubernetes as k8s
import data.lib.traefik

deny contains msg if {
	applies
	plain := [ep | some ep in traefik.entry_points(k8s.spec); not ep in traefik.tls_entry_points]
	count(plain) > 0
	msg := sprintf(
		"%s: spec.tls is not set and the routes listen on %s, so Traefik serves them in plain HTTP there and anyone on the path can read and change the traffic; add spec.tls (secretName or certResolver) or list only TLS entry points (%s) in spec.entryPoints",
		[k8s.display, where(plain), concat(", ", sort(traefik.tls_entry_points))],
	)
}

applies if {
	k8s.is_check
	traefik.kind("IngressRoute")
	not has_tls
	count(k8s.array_at(k8s.spec, "parentRefs")) == 0
	count(k8s.array_at(k8s.spec, "routes")) > 0
	not k8s.namespace_in(traefik.setting("plainHTTPNamespaces", []))
}

has_tls if is_object(k8s.spec.tls)

where(plain) := sprintf("entry point(s) %s", [concat(", ", plain)]) if traefik.entry_points_named(k8s.spec)

else := sprintf("the default entry points (spec.entryPoints is unset), including %s", [concat(", ", plain)])
