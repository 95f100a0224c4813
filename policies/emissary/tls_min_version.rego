# METADATA
# title: Emissary TLS must not allow versions below TLS 1.2
# description: >-
#   A getambassador.io/v3alpha1 TLSContext whose spec.min_tls_version or
#   spec.max_tls_version is "v1.0" or "v1.1", and a Host whose inline spec.tls sets
#   min_tls_version or max_tls_version so, is denied. Emissary writes these values into
#   Envoy's tls_minimum_protocol_version / tls_maximum_protocol_version (TLSv1_0,
#   TLSv1_1; www.getambassador.io/docs/emissary/latest/topics/running/tls/ "TLS
#   versions"), so clients may negotiate TLS 1.0 or 1.1, deprecated by RFC 8996 and
#   open to downgrade attacks; a maximum below 1.2 forces them on every client. A
#   TLSContext with hosts terminates TLS for them; one without hosts originates TLS to
#   upstreams that Mappings name in spec.tls, where the same versions weaken the
#   upstream connection: both are denied. Emissary accepts exactly "v1.0", "v1.1",
#   "v1.2" and "v1.3" (emissary-ingress/emissary python/ambassador/ir/irtlscontext.py
#   AllowedTLSVersions; the TLSContext CRD enum). A Host whose tls version is any other
#   spelling ("1.0", "TLSv1_0") is refused by Emissary as a whole ("Invalid
#   min_tls_version set in Host.tls", python/ambassador/ir/irhost.py setup), so it
#   serves nothing and is not judged. An absent version leaves Envoy's default. Hosts
#   that name a TLSContext (spec.tlsContext) are judged through that TLSContext.
#   getambassador.io v2 and v1 objects are not judged here
#   (kubernetes.known_api_version denies them).
# custom:
#   kinds: [getambassador.io/TLSContext, getambassador.io/Host]
#   severity: high
#   field: spec.min_tls_version
#   remediation: >-
#     Set min_tls_version to "v1.2" or "v1.3" (TLSContext spec, or Host spec.tls), and
#     max_tls_version to "v1.3" or leave it out.
package emissary.tls_min_version

import data.lib.emissary
import data.lib.kubernetes as k8s

deny contains msg if {
	k8s.is_check
	some [path, settings] in tls_settings
	some key in ["min_tls_version", "max_tls_version"]
	version := settings[key]
	version in emissary.weak_tls_versions
	msg := sprintf(
		"%s: %s.%s is %q, so clients may negotiate TLS %s, below TLS 1.2, whose weaknesses allow downgrade and decryption attacks; set min_tls_version to \"v1.2\" or \"v1.3\"%s",
		[k8s.display, path, key, version, substring(version, 1, -1), max_hint(key)],
	)
}

tls_settings contains ["spec", k8s.spec] if emissary.tlscontext

tls_settings contains ["spec.tls", t] if {
	emissary.host
	t := k8s.spec.tls
	is_object(t)
}

max_hint("max_tls_version") := " and max_tls_version to \"v1.3\" or leave it out"

max_hint("min_tls_version") := ""
