# METADATA
# title: Traefik TLSOptions must verify client certificates where mTLS is required
# description: >-
#   Where data.apiguard.config.traefik.requireClientAuth names the TLSOption (globs of
#   "<namespace>/<name>", or of "<namespace>" for every option in it), a
#   spec.clientAuth that does not require and verify a client certificate is denied:
#   a router using it admits clients without one, or with one nobody checked. Traefik
#   v3.7.13 (pkg/tls/tlsmanager.go buildTLSConfig) sets RequireAndVerifyClientCert
#   when clientAuth.secretNames gives CAs and no clientAuthType is set, and otherwise
#   applies clientAuthType as crypto/tls reads it: NoClientCert (also the default
#   without CAs), RequestClientCert and RequireAnyClientCert (a certificate is asked
#   for but never verified), VerifyClientCertIfGiven (a client without one gets in).
#   RequireAndVerifyClientCert without secretNames is refused by Traefik ("CAFiles is
#   required"), so the option does not exist and its routers do not get mTLS: denied
#   too. Nothing configured: not judged.
# custom:
#   kinds: [traefik.io/TLSOption]
#   severity: high
#   field: spec.clientAuth.clientAuthType
#   remediation: >-
#     Set spec.clientAuth.clientAuthType to RequireAndVerifyClientCert and
#     spec.clientAuth.secretNames to the Secrets holding the client CA.
package traefik.tls_client_auth

import data.lib.kubernetes as k8s
import data.lib.traefik

deny contains msg if {
	applies
	why := weakness
	msg := sprintf(
		"%s: mTLS is required for this TLSOption (traefik.requireClientAuth), but %s, so clients without a verified certificate get through; set spec.clientAuth.clientAuthType to RequireAndVerifyClientCert and spec.clientAuth.secretNames to the client CA Secrets",
		[k8s.display, why],
	)
}

client_auth := c if {
	c := k8s.spec.clientAuth
	is_object(c)
} else := {}

cas := [s | some s in k8s.array_at(client_auth, "secretNames"); is_string(s); s != ""]

type := t if {
	t := client_auth.clientAuthType
	is_string(t)
	t != ""
} else := ""

weakness := "spec.clientAuth is not set (Traefik asks for no client certificate)" if {
	type == ""
	count(cas) == 0
} else := "spec.clientAuth.clientAuthType is RequireAndVerifyClientCert without secretNames, which Traefik refuses (\"CAFiles is required\"), so its routers get no client verification" if {
	type == "RequireAndVerifyClientCert"
	count(cas) == 0
} else := sprintf("spec.clientAuth.clientAuthType is %q (%s)", [type, weak_types[type]]) if {
	weak_types[type]
}

weak_types := {
	"NoClientCert": "no client certificate is asked for",
	"RequestClientCert": "a client certificate is asked for, never required nor verified",
	"RequireAnyClientCert": "a client certificate is required but never verified",
	"VerifyClientCertIfGiven": "a client without a certificate gets in",
}

applies if {
	k8s.is_check
	traefik.kind("TLSOption")
	required
}

required if {
	some p in traefik.setting("requireClientAuth", [])
	is_string(p)
	some target in {k8s.namespace, sprintf("%s/%s", [k8s.namespace, k8s.name])}
	glob.match(p, [], target)
}
