# METADATA
# title: Emissary Mappings must not bypass external authentication
# description: >-
#   A getambassador.io/v3alpha1 Mapping with spec.bypass_auth: true is denied. Emissary
#   sends every request to the AuthService (ext_authz) before routing it; bypass_auth
#   turns that filter off for the Mapping's route ("bypass_auth: true tells Emissary
#   not to do authentication for this Mapping",
#   www.getambassador.io/docs/emissary/latest/topics/running/services/auth-service/;
#   emissary-ingress/emissary python/ambassador/envoy/v3/v3route.py disables the
#   ext_authz per-route filter for it). So anyone on the internet reaches the upstream
#   without the credentials every other route needs, and an author can open any path of
#   any host the Mapping attaches to. Only the exact boolean true is judged: the CRD
#   types the field as a boolean, so "true" as a string never reaches a policy. Public
#   routes the platform approves (health checks, ACME) are listed in
#   emissary.bypassAuthAllowed as {namespace: <glob>, prefix: "/..."}: a Mapping in a
#   matching namespace whose literal prefix starts with the allowed prefix passes (a
#   prefix_regex Mapping never matches an allowance, since its regex is no prefix).
#   getambassador.io v2 and v1 objects are not judged here (kubernetes.known_api_version
#   denies them).
# custom:
#   kinds: [getambassador.io/Mapping]
#   severity: high
#   field: spec.bypass_auth
#   remediation: >-
#     Remove spec.bypass_auth (or set it to false), or ask the platform team to list the
#     namespace and path prefix in emissary.bypassAuthAllowed.
package emissary.mapping_bypass_auth

import data.lib.emissary
import data.lib.kubernetes as k8s

deny contains msg if {
	k8s.is_check
	emissary.mapping
	k8s.spec.bypass_auth == true
	not allowed
	msg := sprintf(
		"%s: spec.bypass_auth is true, so requests for prefix %q skip the AuthService and reach service %q without authentication; remove bypass_auth, or have the platform list this namespace and prefix in emissary.bypassAuthAllowed",
		[k8s.display, object.get(k8s.spec, "prefix", ""), object.get(k8s.spec, "service", "")],
	)
}

allowed if {
	not k8s.spec.prefix_regex == true
	prefix := k8s.spec.prefix
	is_string(prefix)
	some entry in k8s.setting(["emissary", "bypassAuthAllowed"], [])
	is_object(entry)
	is_string(entry.namespace)
	glob.match(entry.namespace, [], k8s.namespace)
	is_string(entry.prefix)
	startswith(entry.prefix, "/")
	startswith(prefix, entry.prefix)
}
