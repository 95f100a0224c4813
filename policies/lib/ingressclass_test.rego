package lib.ingressclass_test

import data.lib.ingressclass

ingress(class, annotations) := {"request": {
	"kind": {"group": "networking.k8s.io", "version": "v1", "kind": "Ingress"},
	"operation": "CREATE",
	"object": {
		"metadata": {"name": "web", "namespace": "demo", "annotations": annotations},
		"spec": {"ingressClassName": class},
	},
}}

unclassed := {"request": {
	"kind": {"group": "networking.k8s.io", "version": "v1", "kind": "Ingress"},
	"operation": "CREATE",
	"object": {"metadata": {"name": "web", "namespace": "demo"}, "spec": {}},
}}

test_class_from_spec if {
	ingressclass.class == "nginx" with input as ingress("nginx", {})
}

test_annotation_wins_over_spec if {
	ingressclass.class == "gce" with input as ingress("nginx", {"kubernetes.io/ingress.class": "gce"})
}

test_empty_annotation_ignored if {
	ingressclass.class == "nginx" with input as ingress("nginx", {"kubernetes.io/ingress.class": ""})
}

test_no_class if {
	ingressclass.class == "" with input as unclassed
}

test_gce_default_classes if {
	ingressclass.gce with input as ingress("gce-internal", {})
	not ingressclass.gce with input as ingress("nginx", {})
	not ingressclass.gce with input as unclassed
}

test_gce_serves_unclassed_when_configured if {
	ingressclass.gce with input as unclassed with data.apiguard.config.ingress.gceServesUnclassed as true
	not ingressclass.gce with input as unclassed with data.apiguard.config.ingress.gceServesUnclassed as "true"
}

test_gce_classes_configured if {
	ingressclass.gce with input as ingress("gke-public", {}) with data.apiguard.config.ingress.gceClasses as ["gke-public"]
	not ingressclass.gce with input as ingress("gce", {}) with data.apiguard.config.ingress.gceClasses as ["gke-public"]
}

test_malformed_classes_keep_defaults if {
	ingressclass.gce with input as ingress("gce", {}) with data.apiguard.config.ingress.gceClasses as "gke-public"
	ingressclass.served_only_by_alb with input as ingress("alb", {}) with data.apiguard.config.ingress.albClasses as [1]
}

test_served_only_by_alb if {
	ingressclass.served_only_by_alb with input as ingress("alb", {})
	ingressclass.served_only_by_alb with input as ingress("alb", {"kubernetes.io/ingress.class": "alb"})
	not ingressclass.served_only_by_alb with input as ingress("nginx", {})
	not ingressclass.served_only_by_alb with input as unclassed
}

# An update may leave the annotation and ingressClassName different (the API server
# compares them on create only); ingress-nginx then serves the Ingress by its
# ingressClassName while the ALB controller serves it by its annotation.
test_classes_that_disagree_are_not_one_controllers if {
	req := ingress("nginx", {"kubernetes.io/ingress.class": "alb"})
	ingressclass.named_classes == {"alb", "nginx"} with input as req
	ingressclass.class == "alb" with input as req
	not ingressclass.served_only_by_alb with input as req
	not ingressclass.served_only_by_gce with input as ingress("nginx", {"kubernetes.io/ingress.class": "gce"})
	ingressclass.gce with input as ingress("nginx", {"kubernetes.io/ingress.class": "gce"})
}

test_served_only_by_gce if {
	ingressclass.served_only_by_gce with input as ingress("gce", {})
	ingressclass.served_only_by_gce with input as ingress("gce", {"kubernetes.io/ingress.class": "gce-internal"})
	not ingressclass.served_only_by_gce with input as unclassed
	ingressclass.served_only_by_gce with input as unclassed with data.apiguard.config.ingress.gceServesUnclassed as true
	not ingressclass.served_only_by_gce with input as ingress("nginx", {})
}
