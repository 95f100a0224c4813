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
#   Helm chart creates). The API server refuses an Ingress whose annotation and
#   ingressClassName differ only on create (ValidateIngressCreate), so an update can
#   set both, and then each controller serves it by the one it reads first
#   (ingress-nginx reads spec.ingressClassName first): served_only_by_gce and
#   served_only_by_alb hold only when every class the Ingress names is that
#   controller's. Not a policy: it defines no deny, violation, warn or patch rule.
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
gce if class in gce_classes

gce if {
	class == ""
	k8s.setting(["ingress", "gceServesUnclassed"], false) == true
}

# named_classes are the class names the Ingress gives, in the annotation and in
# spec.ingressClassName; each controller reads one of them first.
named_classes contains c if {
	c := k8s.annotations[class_annotation]
	is_string(c)
	c != ""
}

named_classes contains c if {
	c := k8s.spec.ingressClassName
	is_string(c)
	c != ""
}

# served_only_by_gce holds when no controller but ingress-gce serves the Ingress: every
# class it names is ingress-gce's, or it names none and ingress-gce serves unclassed
# Ingresses.
served_only_by_gce if {
	count(named_classes) > 0
	every c in named_classes {
		c in gce_classes
	}
}

served_only_by_gce if {
	count(named_classes) == 0
	k8s.setting(["ingress", "gceServesUnclassed"], false) == true
}

# served_only_by_alb holds when every class the Ingress names is the AWS Load Balancer
# Controller's.
served_only_by_alb if {
	count(named_classes) > 0
	every c in named_classes {
		c in alb_classes
	}
}

# The configured class sets, read once per evaluation.
gce_classes := configured_classes("gceClasses", default_gce_classes)

alb_classes := configured_classes("albClasses", default_alb_classes)

# configured_classes(key, defaults) is data.apiguard.config.ingress[key] when it is a
# list of strings, else defaults: a malformed value never empties the set.
configured_classes(key, defaults) := {c | some c in list} if {
	list := k8s.setting(["ingress", key], null)
	is_array(list)
	every c in list {
		is_string(c)
	}
} else := {c | some c in defaults}
