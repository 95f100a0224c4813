# METADATA
# title: ApisixTls must verify client certificates where mTLS is required
# description: >-
#   An ApisixTls (apisix.apache.org) serves a certificate for its spec.hosts (SNIs). Its
#   spec.client turns on mutual TLS: the controller reads the CA from
#   client.caSecret and sets the SSL object's client.ca, depth and skip_mtls_uri_regex
#   (apache/apisix-ingress-controller internal/adc/translator/apisixtls.go
#   TranslateApisixTls); without client APISIX accepts any client. Where the platform
#   requires mTLS, data.apiguard.config.apisix.requireClientTLS ({hosts: [globs],
#   namespaces: [globs]}; nothing by default), an ApisixTls in a listed namespace, or
#   with a host a listed glob matches (or a wildcard host "*.x" that serves a listed
#   host, since APISIX picks a wildcard SNI for names without an exact one), is denied
#   when client is missing or has no caSecret (the translator then fails the object,
#   so the SNIs get no mTLS). Hosts compare in lower case, glob "*" standing for one
#   label. client.skip_mtls_uri_regex is warned everywhere: a request whose URI matches
#   one of its PCRE patterns "bypasses the client certificate checking, i.e. skip the
#   MTLS" (apache/apisix docs/en/latest/admin-api.md, SSL client.skip_mtls_uri_regex),
#   so those paths accept any client.
# custom:
#   kinds: [apisix.apache.org/ApisixTls]
#   severity: high
#   field: spec.client
#   remediation: >-
#     Add spec.client.caSecret (name and namespace of a Secret holding ca.crt) and a
#     depth; remove skip_mtls_uri_regex, or narrow it to anchored public paths such as
#     ^/healthz$.
package apisix.tls_client_auth

import data.lib.apisix
import data.lib.kubernetes as k8s

deny contains msg if {
	applies
	required_because := required
	count(required_because) > 0
	not client_ca
	msg := sprintf(
		"%s: %s, but spec.client%s, so APISIX accepts clients without a certificate; set spec.client.caSecret to the Secret holding the client CA",
		[k8s.display, concat("; ", sort(required_because)), missing_text],
	)
}

warn contains msg if {
	applies
	some r in k8s.array_at(k8s.spec.client, "skip_mtls_uri_regex")
	msg := sprintf(
		"%s: spec.client.skip_mtls_uri_regex contains %q, so APISIX accepts requests whose URI matches it without a client certificate; remove it, or narrow it to an anchored public path such as ^/healthz$",
		[k8s.display, r],
	)
}

applies if {
	k8s.kind == "ApisixTls"
	k8s.group == apisix.group
	k8s.is_check
}

setting := s if {
	s := k8s.setting(["apisix", "requireClientTLS"], {})
	is_object(s)
} else := {}

patterns(key) := [lower(p) | some p in object.get(setting, key, []); is_string(p)]

required contains sprintf("namespace %q requires mTLS (apisix.requireClientTLS.namespaces)", [k8s.namespace]) if {
	k8s.namespace_in(object.get(setting, "namespaces", []))
}

required contains sprintf("host %q requires mTLS (apisix.requireClientTLS.hosts %q)", [h, p]) if {
	some h in hosts
	some p in patterns("hosts")
	serves(h, p)
}

hosts := [lower(h) | some h in k8s.array_at(k8s.spec, "hosts"); is_string(h)]

# serves(h, p): the SNI h is a name p matches, or a wildcard serving a name p names.
serves(h, p) if glob.match(p, ["."], h)

serves(h, p) if {
	startswith(h, "*.")
	glob.match(h, ["."], p)
}

client_ca if {
	name := k8s.spec.client.caSecret.name
	is_string(name)
	name != ""
}

missing_text := " has no caSecret" if is_object(k8s.spec.client)

else := " is not set"
