# METADATA
# title: Service must not be a public LoadBalancer
# description: >-
#   A Service of type LoadBalancer asks the cloud provider for a load balancer,
#   which is internet-facing unless the Service carries the provider's
#   internal-load-balancer annotation. Denied unless the namespace matches a glob
#   in data.apiguard.config.service.loadBalancerNamespaces (default []), or the
#   Service has one of the annotations in
#   data.apiguard.config.service.internalAnnotations, a map from annotation key
#   to the exact value required. The default map covers AWS
#   (service.beta.kubernetes.io/aws-load-balancer-internal "true",
#   service.beta.kubernetes.io/aws-load-balancer-scheme "internal"), Azure
#   (service.beta.kubernetes.io/azure-load-balancer-internal "true"), GCP
#   (networking.gke.io/load-balancer-type "Internal", legacy
#   cloud.google.com/load-balancer-type "Internal") and OCI
#   (service.beta.kubernetes.io/oci-load-balancer-internal "true"). A configured
#   map replaces the default one.
# custom:
#   kinds: [Service]
#   severity: high
#   field: spec.type
#   remediation: >-
#     Use type ClusterIP behind an Ingress or Gateway, or add your cloud's
#     internal load balancer annotation (e.g.
#     service.beta.kubernetes.io/aws-load-balancer-scheme: internal).
package service.no_public_loadbalancer

import data.lib.kubernetes as k8s

deny contains msg if {
	applies
	k8s.spec.type == "LoadBalancer"
	not k8s.namespace_in(exempt_namespaces)
	not internal
	msg := sprintf(
		"%s: type LoadBalancer gets an internet-facing load balancer; use type ClusterIP behind an Ingress or Gateway, or add one of the internal load balancer annotations %s",
		[k8s.display, annotation_hint],
	)
}

applies if {
	k8s.is_check
	k8s.group == ""
	k8s.kind == "Service"
}

default_internal_annotations := {
	"service.beta.kubernetes.io/aws-load-balancer-internal": "true",
	"service.beta.kubernetes.io/aws-load-balancer-scheme": "internal",
	"service.beta.kubernetes.io/azure-load-balancer-internal": "true",
	"networking.gke.io/load-balancer-type": "Internal",
	"cloud.google.com/load-balancer-type": "Internal",
	"service.beta.kubernetes.io/oci-load-balancer-internal": "true",
}

# A configured map replaces the default one. Anything but a non-empty map of
# string to string falls back to the default.
internal_annotations := m if {
	m := k8s.setting(["service", "internalAnnotations"], null)
	is_object(m)
	count(m) > 0
	every k, v in m {
		is_string(k)
		is_string(v)
	}
} else := default_internal_annotations

# Values are compared exactly: providers differ on case and on what they accept,
# so anything else is treated as public.
internal if {
	some key, value in internal_annotations
	k8s.annotations[key] == value
}

annotation_hint := concat(", ", [sprintf("%s: %q", [k, internal_annotations[k]]) | some k in sort(object.keys(internal_annotations))])

# Malformed configuration (not a list of strings) means no exemptions.
exempt_namespaces := globs if {
	globs := k8s.setting(["service", "loadBalancerNamespaces"], [])
	is_array(globs)
	every g in globs {
		is_string(g)
	}
} else := []
