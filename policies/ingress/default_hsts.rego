# METADATA
# title: nginx Ingresses get HSTS annotations when the platform enables them
# description: >-
#   When data.apiguard.config.ingress.hsts is true (default false: the policy
#   does nothing), for Ingresses of an nginx class (spec.ingressClassName, or
#   when unset the kubernetes.io/ingress.class annotation, is in
#   data.apiguard.config.ingress.nginxClasses, default ["nginx"]) adds each of
#   these annotations that is missing:
#   nginx.ingress.kubernetes.io/hsts "true",
#   nginx.ingress.kubernetes.io/hsts-max-age (data.apiguard.config.ingress.hstsMaxAge,
#   a positive integer or string of digits, default "31536000", one year) and
#   nginx.ingress.kubernetes.io/hsts-include-subdomains "true" (left out when
#   data.apiguard.config.ingress.hstsIncludeSubdomains is false). A value the
#   user set is never changed. Note that kubernetes/ingress-nginx itself sets
#   HSTS globally in its ConfigMap (on by default) and does not read these
#   annotations; they record the intended policy for controllers and tooling
#   that do.
# custom:
#   kinds: [Ingress]
#   severity: low
#   remediation: >-
#     Nothing to do: the annotations are added for you. Set them explicitly to
#     choose other values.
package ingress.default_hsts

import data.lib.kubernetes as k8s

# Each key is added on its own, creating metadata.annotations when missing, so
# this composes with ingress.default_ssl_redirect in the same round.
patch contains op if {
	applies
	some key, value in wanted
	not key in object.keys(k8s.annotations)
	op := {
		"op": "add",
		"path": concat("/", ["/metadata/annotations", escape_pointer(key)]),
		"value": value,
	}
}

# enabled reads only data (the engine's contract for inert policies,
# docs/policy-contract.md): with hsts off, the default, nothing is ever added.
enabled if k8s.setting(["ingress", "hsts"], false) == true

# Only CREATE and UPDATE are patched: on DELETE there is nothing to fill in.
applies if {
	k8s.is_write
	k8s.group == "networking.k8s.io"
	k8s.kind == "Ingress"
	k8s.version == "v1"
	k8s.setting(["ingress", "hsts"], false) == true
	ingress_class in nginx_classes
}

wanted := object.union(
	{
		"nginx.ingress.kubernetes.io/hsts": "true",
		"nginx.ingress.kubernetes.io/hsts-max-age": max_age,
	},
	include_subdomains,
)

include_subdomains := {} if {
	k8s.setting(["ingress", "hstsIncludeSubdomains"], true) == false
} else := {"nginx.ingress.kubernetes.io/hsts-include-subdomains": "true"}

max_age := format_int(n, 10) if {
	n := k8s.setting(["ingress", "hstsMaxAge"], null)
	is_number(n)
	n > 0
	n == floor(n)
} else := s if {
	s := k8s.setting(["ingress", "hstsMaxAge"], null)
	is_string(s)
	regex.match(`^[0-9]+$`, s)
	to_number(s) > 0
} else := "31536000"

# spec.ingressClassName wins over the legacy annotation, as in ingress-nginx.
ingress_class := c if {
	c := k8s.spec.ingressClassName
	is_string(c)
	c != ""
} else := c if {
	c := k8s.annotations["kubernetes.io/ingress.class"]
	is_string(c)
} else := ""

# Shared with ingress.default_ssl_redirect: a configured list replaces the
# default; anything but a list of strings is ignored.
nginx_classes := {c | some c in classes} if {
	classes := k8s.setting(["ingress", "nginxClasses"], null)
	is_array(classes)
	every c in classes {
		is_string(c)
	}
} else := {"nginx"}

# RFC 6901: "~" becomes "~0" first, then "/" becomes "~1".
escape_pointer(s) := replace(replace(s, "~", "~0"), "/", "~1")
