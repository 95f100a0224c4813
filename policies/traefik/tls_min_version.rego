# METADATA
# title: Traefik TLSOptions must not allow TLS below 1.2
# description: >-
#   A TLSOption (traefik.io) whose spec.minVersion is VersionTLS10 or VersionTLS11 lets
#   clients negotiate TLS 1.0 or 1.1, protocols with known weaknesses that browsers
#   no longer speak: denied. Traefik v3.7.13 copies spec.minVersion as it is
#   (pkg/provider/kubernetes/crd/kubernetes.go buildTLSOptions) and applies it only when
#   it is exactly one of VersionTLS10, VersionTLS11, VersionTLS12, VersionTLS13
#   (pkg/tls/certificate.go MinVersion, pkg/tls/tlsmanager.go buildTLSConfig); any
#   other value, and none, leave crypto/tls's server default, TLS 1.2 (Go 1.22 and
#   later, and Traefik's go.mod says go 1.26; the CRD's "Default: VersionTLS10" is
#   stale). So "versiontls10" or "TLS1.0" are not below 1.2 and are warned as unread
#   values instead. A TLSOption named default in any namespace replaces the default
#   options of every router (buildTLSOptions: `if tlsOptionsCRD.Name ==
#   tls.DefaultTLSConfigName`), so its version matters for the whole cluster.
#   Namespaces in data.apiguard.config.traefik.legacyTLSNamespaces (globs) are exempt.
# custom:
#   kinds: [traefik.io/TLSOption]
#   severity: high
#   field: spec.minVersion
#   remediation: Set spec.minVersion to VersionTLS12 or VersionTLS13, or leave it out.
package traefik.tls_min_version

import data.lib.kubernetes as k8s
import data.lib.traefik

deny contains msg if {
	applies
	version in {"VersionTLS10", "VersionTLS11"}
	msg := sprintf(
		"%s: spec.minVersion is %q, so Traefik accepts TLS %s handshakes%s, a protocol with known weaknesses; set spec.minVersion to VersionTLS12 or VersionTLS13",
		[k8s.display, version, numbers[version], scope],
	)
}

warn contains msg if {
	applies
	not version in {"VersionTLS10", "VersionTLS11", "VersionTLS12", "VersionTLS13"}
	msg := sprintf(
		"%s: spec.minVersion %q is not a value Traefik reads (VersionTLS10 to VersionTLS13, spelled exactly), so it applies Go's default, TLS 1.2; write VersionTLS12 or VersionTLS13",
		[k8s.display, version],
	)
}

numbers := {"VersionTLS10": "1.0", "VersionTLS11": "1.1"}

version := k8s.spec.minVersion

scope := " on every router without TLS options of its own (a TLSOption named default replaces Traefik's default options)" if k8s.name == "default"

else := ""

applies if {
	k8s.is_check
	traefik.kind("TLSOption")
	is_string(version)
	version != ""
	not k8s.namespace_in(traefik.setting("legacyTLSNamespaces", []))
}
