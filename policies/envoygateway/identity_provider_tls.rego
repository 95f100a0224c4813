# METADATA
# title: Envoy Gateway must fetch JWKS and OIDC tokens over HTTPS
# description: >-
#   Envoy Gateway connects to a SecurityPolicy's remote JWKS and OIDC token endpoint
#   with TLS only when the URL's scheme is https; any other scheme is plain HTTP
#   (internal/gatewayapi/securitypolicy.go buildRemoteJWKS and the OIDC provider:
#   url.Parse, `if u.Scheme == "https"` HTTPS, else HTTP; Go lower-cases the scheme).
#   Over plain HTTP an attacker on the path can swap the JSON Web Key Set and then
#   mint any token the gateway accepts, or read the OIDC client secret and
#   authorization codes sent to the token endpoint. Denied:
#   spec.jwt.providers[].remoteJWKS.uri and spec.oidc.provider.tokenEndpoint whose
#   scheme, read case-insensitively after trimming spaces, is not https; and
#   spec.oidc.provider.authorizationEndpoint, where Envoy redirects the user's
#   browser to log in (OpenID Connect Core 1.0 section 3.1.2.1 requires TLS there).
#   (The OIDC issuer is already refused by the CRD unless https://.)
# custom:
#   kinds: [gateway.envoyproxy.io/SecurityPolicy]
#   severity: high
#   field: spec.jwt.providers[].remoteJWKS.uri
#   remediation: >-
#     Use an https:// URL for remoteJWKS.uri and oidc.provider.tokenEndpoint; for an
#     in-cluster issuer, serve it with TLS and trust its CA with a BackendTLSPolicy.
package envoygateway.identity_provider_tls

import data.lib.envoygateway as eg
import data.lib.kubernetes as k8s

deny contains msg if {
	eg.judged("SecurityPolicy")
	some i, provider in k8s.array_at(k8s.spec.jwt, "providers")
	uri := provider.remoteJWKS.uri
	not https(uri)
	msg := sprintf(
		"%s: spec.jwt.providers[%d].remoteJWKS.uri %q is not https, so the key set is fetched in the clear and whoever is on the path can replace it and forge any JWT; use an https:// URL",
		[k8s.display, i, uri],
	)
}

deny contains msg if {
	eg.judged("SecurityPolicy")
	uri := k8s.spec.oidc.provider.authorizationEndpoint
	not https(uri)
	msg := sprintf(
		"%s: spec.oidc.provider.authorizationEndpoint %q is not https, so users are sent to log in over plain HTTP, where their credentials and the authorization code can be read or the page replaced; use an https:// URL",
		[k8s.display, uri],
	)
}

deny contains msg if {
	eg.judged("SecurityPolicy")
	uri := k8s.spec.oidc.provider.tokenEndpoint
	not https(uri)
	msg := sprintf(
		"%s: spec.oidc.provider.tokenEndpoint %q is not https, so the OIDC client secret and authorization codes are sent in the clear; use an https:// URL",
		[k8s.display, uri],
	)
}

https(uri) if {
	is_string(uri)
	startswith(lower(trim_space(uri)), "https://")
}
