# METADATA
# title: Which controller serves an Ingress
# description: >-
#   The class an Ingress names, read as the controllers read it, and whether it is
#   one of the classes ingress-gce or the AWS Load Balancer Controller serves. The
#   kubernetes.io/ingress.class annotation, when set and non-empty, wins over
#   spec.ingressClassName (ingress-gce pkg/utils/utils.go IsGCEIngress; the AWS Load
#   Balancer Controller's pkg/ingress/group_loader.go classifyIngress: "the
#   kubernetes.io/ingress.class annotation takes higher priority").
#   ingress-gce's classes are data.apiguard.config.ingress.gceClasses (default
#   ["gce", "gce-internal", "gce-regional-external"]), and with
#   data.apiguard.config.ingress.gceServesUnclassed true also an Ingress with no
#   class (GKE). The AWS Load Balancer Controller's are
#   data.apiguard.config.ingress.albClasses (default ["alb"], the IngressClass its
#   Helm chart creates). Not a policy: it defines no deny, violation, warn or patch
#   rule.
package lib.ingressclass

import data.lib.kubernetes as k8s

class_annotation := "kubernetes.io/ingress.class"

default_gce_classes := ["gce", "gce-internal", "gce-regional-external"]

default_alb_classes := ["alb"]

# class is the Ingress's class name, or "" when it names none.
class := c if {
	c := k8s.annotations[class_annotation]
	is_string(c)
	c != ""
} else := c if {
	c := k8s.spec.ingressClassName
	is_string(c)
} else := ""

# gce holds when ingress-gce serves the Ingress.
gce if class in configured_classes("gceClasses", default_gce_classes)

gce if {
	class == ""
	k8s.setting(["ingress", "gceServesUnclassed"], false) == true
}

# alb holds when the AWS Load Balancer Controller serves the Ingress.
alb if {
	class != ""
	class in configured_classes("albClasses", default_alb_classes)
}

# configured_classes(key, defaults) is data.apiguard.config.ingress[key] when it is a
# list of strings, else defaults: a malformed value never empties the set.
configured_classes(key, defaults) := {c | some c in list} if {
	list := k8s.setting(["ingress", key], null)
	is_array(list)
	every c in list {
		is_string(c)
	}
} else := {c | some c in defaults}
