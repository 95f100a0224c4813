# METADATA
# title: Ingress must use an allowed ingress class
# description: >-
#   The Ingress's class (spec.ingressClassName, or when that is unset the
#   legacy kubernetes.io/ingress.class annotation) must be one of
#   data.apiguard.config.ingress.allowedClasses when that is a non-empty list
#   (default [] = any class). An Ingress without a class is denied only when
#   data.apiguard.config.ingress.requireClass is true (default false);
#   otherwise the cluster's default IngressClass serves it. Class names are
#   compared exactly. Inert (never evaluated) while allowedClasses is empty
#   and requireClass is not true.
# custom:
#   kinds: [Ingress]
#   severity: medium
#   field: spec.ingressClassName
#   remediation: >-
#     Set spec.ingressClassName to one of the classes the platform team allows
#     (apiguard.config.ingress.allowedClasses).
package ingress.allowed_class

import data.lib.kubernetes as k8s

deny contains msg if {
	applies
	count(allowed_classes) > 0
	ingress_class != ""
	not ingress_class in allowed_classes
	msg := sprintf(
		"%s: ingress class %q is not allowed; set spec.ingressClassName to one of: %s",
		[k8s.display, ingress_class, concat(", ", sort(allowed_classes))],
	)
}

deny contains msg if {
	applies
	k8s.setting(["ingress", "requireClass"], false) == true
	ingress_class == ""
	msg := sprintf("%s: has no ingress class; %s", [k8s.display, fix_missing])
}

# enabled reads only data (the engine's contract for inert policies,
# docs/policy-contract.md): with no allowed classes and requireClass not true,
# neither deny rule can hold, so the engine leaves the policy out of every query.
enabled if count(allowed_classes) > 0

enabled if k8s.setting(["ingress", "requireClass"], false) == true

# Writes and audits of networking.k8s.io Ingresses are judged; a DELETE never is.
applies if {
	k8s.is_check
	k8s.group == "networking.k8s.io"
	k8s.kind == "Ingress"
}

# spec.ingressClassName wins over the legacy annotation, as in the controllers.
ingress_class := c if {
	c := k8s.spec.ingressClassName
	is_string(c)
	c != ""
} else := c if {
	c := k8s.annotations["kubernetes.io/ingress.class"]
	is_string(c)
} else := ""

# Non-string entries are ignored; a value that is not a list allows any class.
allowed_classes := {c |
	some c in list
	is_string(c)
	c != ""
} if {
	list := k8s.setting(["ingress", "allowedClasses"], [])
	is_array(list)
} else := set()

fix_missing := sprintf("set spec.ingressClassName to one of: %s", [concat(", ", sort(allowed_classes))]) if {
	count(allowed_classes) > 0
} else := "set spec.ingressClassName to the class of the ingress controller that should serve it"
