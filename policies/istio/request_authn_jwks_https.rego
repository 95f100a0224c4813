# METADATA
# title: Istio RequestAuthentication must fetch JWT keys over HTTPS
# description: >-
#   A RequestAuthentication (security.istio.io; v1 and v1beta1, one schema)
#   whose jwtRules[].jwksUri (or its alias jwks_uri) is an http:// URL is
#   denied, read as a URL parser reads it (scheme case-insensitive, leading
#   and trailing spaces ignored): istiod fetches the key set over plain HTTP
#   (istio/istio pilot/pkg/model/jwks_resolver.go), so anyone on the path can
#   swap in their own keys and mint tokens every workload accepts. The CRD
#   admits both schemes (url(self).getScheme() in ["http", "https"]). A rule
#   with neither jwksUri nor jwks has its key set found through OpenID
#   Discovery of the issuer (issuer + "/.well-known/openid-configuration",
#   jwks_resolver.go; istio.io/api security/v1beta1/
#   request_authentication.proto): an http:// issuer is denied there too.
# custom:
#   kinds: [security.istio.io/RequestAuthentication]
#   severity: high
#   field: spec.jwtRules[].jwksUri
#   remediation: >-
#     Use the provider's https:// JWKS URL in jwksUri, or inline the keys in
#     jwks.
package istio.request_authn_jwks_https

import data.lib.istio
import data.lib.kubernetes as k8s

deny contains msg if {
	applies
	some i, rule in k8s.array_at(k8s.spec, "jwtRules")
	some key in ["jwksUri", "jwks_uri"]
	uri := rule[key]
	plain_http(uri)
	msg := sprintf(
		"%s: spec.jwtRules[%d].%s %q is fetched over plain HTTP, so anyone on the network path can replace the signing keys and forge tokens the workloads accept; use the provider's https:// JWKS URL",
		[k8s.display, i, key, uri],
	)
}

deny contains msg if {
	applies
	some i, rule in k8s.array_at(k8s.spec, "jwtRules")
	is_object(rule)
	not has_keys(rule)
	issuer := rule.issuer
	plain_http(issuer)
	msg := sprintf(
		"%s: spec.jwtRules[%d] has no jwksUri or jwks, so Istio discovers the signing keys from the issuer %q over plain HTTP (OpenID Discovery), and anyone on the network path can replace them and forge tokens; set jwksUri to the provider's https:// JWKS URL",
		[k8s.display, i, issuer],
	)
}

has_keys(rule) if {
	some key in ["jwksUri", "jwks_uri", "jwks"]
	is_string(rule[key])
	rule[key] != ""
}

plain_http(uri) if {
	is_string(uri)
	startswith(lower(trim_space(uri)), "http://")
}

applies if {
	k8s.is_check
	istio.security
	k8s.kind == "RequestAuthentication"
}
