# METADATA
# title: Only the platform may define Traefik's default TLSOption and TLSStore
# description: >-
#   A TLSOption or TLSStore (traefik.io) named default sets the TLS options, or the
#   default certificate, of every router in the cluster that names none of its own:
#   Traefik's kubernetescrd provider gives such an object the global id "default"
#   instead of "<namespace>-default", whatever its namespace, and when two namespaces
#   define one it deletes it, so every router falls back to Traefik's built-in
#   defaults (traefik/traefik v3.7.13 pkg/provider/kubernetes/crd/kubernetes.go
#   buildTLSOptions, buildTLSStores: "Default TLS Options defined in multiple
#   namespaces"). A tenant's default can thus weaken every host's TLS (no client
#   certificates where the platform required them, old cipher suites), serve its own
#   certificate as everyone's default, or erase the platform's hardened default by
#   merely existing. Denied outside data.apiguard.config.traefik.defaultTLSNamespaces
#   (globs, default [] so nothing is trusted until the platform names its namespace:
#   Traefik's own defaultTLSResourcesNamespace provider option, off by default,
#   enforces the same for one namespace). The name is compared exactly, as Traefik
#   does (tls.DefaultTLSConfigName, tls.DefaultTLSStoreName).
# custom:
#   kinds: [traefik.io/TLSOption, traefik.io/TLSStore]
#   severity: high
#   field: metadata.name
#   remediation: >-
#     Give the TLSOption another name and reference it from spec.tls.options of your
#     IngressRoutes; leave the default TLSOption and TLSStore to the platform
#     namespace (traefik.defaultTLSNamespaces).
package traefik.default_tls_resources

import data.lib.kubernetes as k8s
import data.lib.traefik

deny contains msg if {
	k8s.is_check
	k8s.group == traefik.group
	k8s.kind in {"TLSOption", "TLSStore"}
	k8s.name == "default"
	not k8s.namespace_in(traefik.setting("defaultTLSNamespaces", []))
	msg := sprintf(
		"%s: a %s named default replaces %s for every router of the cluster that names none of its own (and a second one in another namespace makes Traefik drop both), so namespace %q would set TLS for every team; give it another name and reference it from your IngressRoutes, or ask the platform to list %q in traefik.defaultTLSNamespaces",
		[k8s.display, k8s.kind, what[k8s.kind], k8s.namespace, k8s.namespace],
	)
}

what := {
	"TLSOption": "Traefik's default TLS options (versions, cipher suites, client certificates)",
	"TLSStore": "Traefik's default certificate store",
}
