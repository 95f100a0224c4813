# METADATA
# title: Emissary TLS must require client certificates where mTLS is required
# description: >-
#   Where the platform requires mutual TLS (emissary.requireClientCert: {hosts: [globs],
#   namespaces: [globs]}, default none, so the policy is off until set), a
#   getambassador.io/v3alpha1 TLSContext that terminates TLS for a required host (one of
#   spec.hosts matches a hosts glob) or lives in a required namespace, and a Host of such
#   a hostname or namespace with an inline spec.tls, is warned unless it verifies client
#   certificates. Emissary asks Envoy for a client certificate only with cert_required:
#   true (require_client_certificate; absent means false), and verifies it only against
#   a CA from ca_secret or cacert_chain_file; without a CA Envoy accepts any certificate
#   (www.getambassador.io/docs/emissary/latest/howtos/client-cert-validation/;
#   emissary-ingress/emissary python/ambassador/ir/irtlscontext.py resolve, which also
#   reads cert_required from the ca_secret Secret's own cert_required key, which this
#   policy cannot see). So cert_required: false or absent, or no CA, lets any client
#   connect without a trusted certificate. A TLSContext without hosts originates TLS
#   to upstreams and is not judged. Host globs match with "*" spanning dots; a Host
#   without spec.tls uses a TLSContext (spec.tlsContext, or one named
#   "<host>-context"), which is judged on its own. Warn only: Emissary can also require
#   client certificates with the ca_secret Secret. getambassador.io v2 and v1 objects are
#   not judged here (kubernetes.known_api_version denies them).
# custom:
#   kinds: [getambassador.io/TLSContext, getambassador.io/Host]
#   severity: medium
#   field: spec.cert_required
#   remediation: >-
#     Set cert_required: true and ca_secret to the Secret holding the CA that signs your
#     clients' certificates (TLSContext spec, or Host spec.tls).
package emissary.client_cert_required

import data.lib.emissary
import data.lib.kubernetes as k8s

warn contains msg if {
	some [path, settings, hosts] in contexts
	required(hosts)
	not settings.cert_required == true
	msg := sprintf(
		"%s: %s.cert_required is %s, so Envoy lets clients connect to %s without a certificate although mutual TLS is required there (emissary.requireClientCert); set cert_required: true and ca_secret to your client CA's Secret",
		[k8s.display, path, required_text(settings), concat(", ", hosts)],
	)
}

warn contains msg if {
	some [path, settings, hosts] in contexts
	required(hosts)
	settings.cert_required == true
	not has_ca(settings)
	msg := sprintf(
		"%s: %s sets cert_required: true but neither ca_secret nor cacert_chain_file, so Envoy accepts any client certificate for %s without verifying it; set ca_secret to the Secret holding your client CA",
		[k8s.display, path, concat(", ", hosts)],
	)
}

config := c if {
	c := k8s.setting(["emissary", "requireClientCert"], {})
	is_object(c)
} else := {}

# contexts are [field path, TLS settings, hosts] of the object under review that
# terminate TLS.
contexts contains ["spec", k8s.spec, hosts] if {
	k8s.is_check
	emissary.tlscontext
	hosts := [h | some h in k8s.array_at(k8s.spec, "hosts"); is_string(h)]
	count(hosts) > 0
}

contexts contains ["spec.tls", t, [emissary.host_hostname]] if {
	k8s.is_check
	emissary.host
	t := k8s.spec.tls
	is_object(t)
}

required(_) if k8s.namespace_in(object.get(config, "namespaces", []))

required(hosts) if {
	some p in object.get(config, "hosts", [])
	is_string(p)
	some h in hosts
	glob.match(lower(p), [], lower(h))
}

has_ca(settings) if non_empty(settings.ca_secret)

has_ca(settings) if non_empty(settings.cacert_chain_file)

non_empty(s) if {
	is_string(s)
	s != ""
}

required_text(settings) := "false" if settings.cert_required == false

else := "not set (Envoy's default, false)"
