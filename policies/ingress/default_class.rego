# METADATA
# title: Ingresses without a class get the platform's default class
# description: >-
#   When data.apiguard.config.ingress.defaultClass is a non-empty string (no
#   default: unset means the policy does nothing) and an Ingress has neither
#   spec.ingressClassName nor the legacy kubernetes.io/ingress.class
#   annotation, sets spec.ingressClassName to it, so the Ingress is served by
#   the controller the platform team intends rather than by whichever one
#   claims class-less Ingresses. A class the user set is never changed, and
#   an Ingress that carries the legacy annotation, even empty, is left alone
#   (the API server rejects an annotation that disagrees with the field).
# custom:
#   kinds: [Ingress]
#   severity: low
#   remediation: >-
#     Nothing to do: the class is set for you. Set spec.ingressClassName
#     explicitly to choose another one.
package ingress.default_class

import data.lib.kubernetes as k8s

patch contains op if {
	k8s.is_write
	k8s.group == "networking.k8s.io"
	k8s.kind == "Ingress"
	k8s.version == "v1"
	not has_class_field
	not "kubernetes.io/ingress.class" in object.keys(k8s.annotations)
	op := {"op": "add", "path": "/spec/ingressClassName", "value": default_class}
}

# enabled reads only data (the engine's contract for inert policies,
# docs/policy-contract.md): without a default class there is nothing to add, so
# the engine leaves the policy out of every query, /mutate's included.
enabled if default_class

default_class := c if {
	c := k8s.setting(["ingress", "defaultClass"], "")
	is_string(c)
	c != ""
}

# Any non-null value counts as set: the engine never overwrites it, so a
# patch for it could not be applied.
has_class_field if k8s.spec.ingressClassName != null
