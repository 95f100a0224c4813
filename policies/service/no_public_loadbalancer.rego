# METADATA
# title: Service must not be a public LoadBalancer
# description: >-
#   A Service of type LoadBalancer gets an internet-facing load balancer unless
#   the controller that makes it reads an internal setting, and only that
#   controller's own keys count (lib.loadbalancer cites how each reads them).
#   Without spec.loadBalancerClass the cluster's cloud provider makes it:
#   data.apiguard.config.service.loadBalancerProviders names the providers in use
#   (aws, azure, gcp, oci, digitalocean, openstack, alibaba, ibm), and the Service
#   is internal only when every one of them reads it so (a policy repository
#   shared by AWS and GKE clusters needs both keys). With no provider configured
#   no annotation is trusted, and class-less LoadBalancers are denied: an
#   "internal" annotation of another cloud is silently ignored and the load
#   balancer is public, so trusting any key without knowing the cloud is exactly
#   the hole this closes; the message names the setting. With a class, the class
#   decides and the cloud's annotations are not read: service.k8s.aws/nlb (AWS
#   Load Balancer Controller) is internal with aws-load-balancer-scheme
#   "internal" (or aws-load-balancer-internal true when no scheme is given; an
#   absent scheme keeps the scheme of the load balancer it made before, which
#   apiguard cannot see, so it is not trusted); GKE's l4-regional-internal
#   classes are internal and the -external ones public; classes in
#   service.internalLoadBalancerClasses (default []) are internal; any other
#   class is denied. A load balancer that is not internal but whose source
#   ranges (spec.loadBalancerSourceRanges, else the
#   service.beta.kubernetes.io/load-balancer-source-ranges annotation) all lie
#   in non-public space (RFC 1918, CGNAT, loopback, link-local, ULA) is warned,
#   not denied. service.internalAnnotations (a map from annotation key to the
#   exact value, default none) is honoured for class-less Services as the
#   platform's own statement. Namespaces matching a glob in
#   service.loadBalancerNamespaces (default []) are exempt.
# custom:
#   kinds: [Service]
#   severity: high
#   field: spec.type
#   remediation: >-
#     Use type ClusterIP behind an Ingress or Gateway, or make the load balancer
#     internal the way your cloud provider reads it (name the provider in
#     service.loadBalancerProviders), e.g.
#     service.beta.kubernetes.io/aws-load-balancer-internal: "true" on AWS,
#     networking.gke.io/load-balancer-type: "Internal" on GKE.
package service.no_public_loadbalancer

import data.lib.address
import data.lib.kubernetes as k8s
import data.lib.loadbalancer as lb
import data.lib.net

deny contains msg if {
	judged
	not narrowed
	msg := sprintf("%s: %s", [k8s.display, reason])
}

warn contains msg if {
	judged
	narrowed
	msg := sprintf(
		"%s: %s; it is admitted because loadBalancerSourceRanges (%s) admit only non-public sources, which the provider's firewall and kube-proxy enforce; prefer an internal load balancer",
		[k8s.display, reason, concat(", ", lb.source_ranges(k8s.resource))],
	)
}

judged if {
	k8s.is_check
	k8s.group == ""
	k8s.kind == "Service"
	k8s.spec.type == "LoadBalancer"
	not k8s.namespace_in(exempt_namespaces)
	not is_internal
}

class := c if {
	c := k8s.spec.loadBalancerClass
	is_string(c)
	c != ""
}

is_internal if lb.class_internal(class, k8s.annotations, internal_classes)

is_internal if {
	not class
	vouched
}

is_internal if {
	not class
	count(providers) > 0
	every p in providers {
		lb.cloud_internal(p, k8s.annotations)
	}
}

# vouched: an annotation the platform configured as internal, at its exact value.
vouched if {
	some key, value in internal_annotations
	k8s.annotations[key] == value
}

# narrowed: every source range parses and lies in non-public space.
narrowed if {
	ranges := lb.source_ranges(k8s.resource)
	count(ranges) > 0
	every r in ranges {
		address.non_public(net.parse_cidr(r))
	}
}

reason := sprintf(
	"spec.loadBalancerClass %q is the AWS Load Balancer Controller, which makes an internet-facing NLB unless the annotation service.beta.kubernetes.io/aws-load-balancer-scheme is \"internal\" (without it the scheme of its existing load balancer is kept, which apiguard cannot see); set that annotation, or use type ClusterIP behind an Ingress or Gateway",
	[class],
) if {
	class == lb.lbc_class
} else := sprintf(
	"spec.loadBalancerClass %q makes an external load balancer; use networking.gke.io/l4-regional-internal, or type ClusterIP behind an Ingress or Gateway",
	[class],
) if {
	class in lb.gke_external_classes
} else := sprintf(
	"spec.loadBalancerClass %q names a load balancer controller whose addresses apiguard cannot judge, and the cloud's internal annotations are not read for it; list the class in data.apiguard.config.service.internalLoadBalancerClasses if that controller only hands out internal addresses, or use type ClusterIP behind an Ingress or Gateway",
	[class],
) if {
	class
} else := "type LoadBalancer gets an internet-facing load balancer, and no cloud provider is configured (data.apiguard.config.service.loadBalancerProviders), so no internal-load-balancer annotation can be trusted: each provider reads only its own key and ignores the others; name the providers the cluster runs on there, or use type ClusterIP behind an Ingress or Gateway" if {
	count(providers) == 0
} else := sprintf(
	"type LoadBalancer gets an internet-facing load balancer; use type ClusterIP behind an Ingress or Gateway, or make it internal the way %s",
	[concat("; ", [needs(p) | some p in sort(providers); not lb.cloud_internal(p, k8s.annotations)])],
)

needs(p) := sprintf("%s reads it: %s", [p, lb.hint(p)]) if p in lb.providers

else := sprintf("%s reads it (a provider apiguard does not know, so nothing makes it internal there; remove it from service.loadBalancerProviders or use a class listed in service.internalLoadBalancerClasses)", [p])

# Settings: a malformed value (not a list of strings, not a map of strings) is the
# default, and the defaults trust nothing.
providers := {p | some p in strings_at("loadBalancerProviders")}

internal_classes := {c | some c in strings_at("internalLoadBalancerClasses")}

exempt_namespaces := strings_at("loadBalancerNamespaces")

strings_at(key) := v if {
	v := k8s.setting(["service", key], [])
	is_array(v)
	every s in v {
		is_string(s)
	}
} else := []

internal_annotations := m if {
	m := k8s.setting(["service", "internalAnnotations"], {})
	is_object(m)
	every k, v in m {
		is_string(k)
		is_string(v)
	}
} else := {}
