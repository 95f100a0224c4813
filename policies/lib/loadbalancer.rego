# METADATA
# title: Which controller makes a Service's load balancer, and whether it is internal
# description: >-
#   A type LoadBalancer Service is served by one controller, and only that
#   controller's annotations count. Without spec.loadBalancerClass it is the
#   cluster's cloud controller manager (k8s.io/cloud-provider
#   controllers/service/controller.go, wantsLoadBalancer: a Service with any
#   class is left to another controller). Each provider reads its own key, its
#   own way (cited per rule below); a key of another cloud is not read at all.
#   A class names a controller: service.k8s.aws/nlb is the AWS Load Balancer
#   Controller, networking.gke.io/l4-regional-internal(-legacy) and
#   -external(-legacy) are GKE's. A class apiguard does not know is a controller
#   whose addresses it cannot judge. Not a policy: it defines no deny,
#   violation, warn or patch rule.
package lib.loadbalancer

import data.lib.annotations as ann

# The providers cloud_internal knows.
providers := {"alibaba", "aws", "azure", "digitalocean", "gcp", "ibm", "oci", "openstack"}

aws_internal_key := "service.beta.kubernetes.io/aws-load-balancer-internal"

aws_scheme_key := "service.beta.kubernetes.io/aws-load-balancer-scheme"

aws_type_key := "service.beta.kubernetes.io/aws-load-balancer-type"

gke_type_keys := ["networking.gke.io/load-balancer-type", "cloud.google.com/load-balancer-type"]

lbc_class := "service.k8s.aws/nlb"

gke_internal_classes := {"networking.gke.io/l4-regional-internal", "networking.gke.io/l4-regional-internal-legacy"}

gke_external_classes := {"networking.gke.io/l4-regional-external", "networking.gke.io/l4-regional-external-legacy"}

# cloud_internal(provider, a) holds when the provider's cloud controller, serving a
# Service without a class whose annotations are a, makes an internal load balancer.
#
# AWS, kubernetes/cloud-provider-aws pkg/providers/v1/aws.go EnsureLoadBalancer:
# aws-load-balancer-type "external" or "nlb-ip" hands the Service to the AWS Load
# Balancer Controller (isLBExternal, ImplementedElsewhere). Otherwise the LB is
# internal when aws-load-balancer-internal is non-empty and not exactly "false" (so
# "False" and "0" are internal to it). The AWS Load Balancer Controller's webhook
# gives new class-less Services its class (service.k8s.aws/nlb) when it runs, and
# then reads scheme first and aws-load-balancer-internal with ParseBool
# (lbc_internal). apiguard counts the Service internal only when both read it so:
# aws-load-balancer-internal a ParseBool true, and no scheme other than "internal".
cloud_internal("aws", a) if {
	not aws_lbc_type(a)
	ann.parse_bool(a[aws_internal_key]) == true
	object.get(a, aws_scheme_key, "internal") == "internal"
}

cloud_internal("aws", a) if {
	aws_lbc_type(a)
	lbc_internal(a)
}

aws_lbc_type(a) if a[aws_type_key] in {"external", "nlb-ip"}

# GCP, kubernetes/cloud-provider-gcp providers/gce/gce_annotations.go
# GetLoadBalancerAnnotationType: the first of networking.gke.io/load-balancer-type
# and cloud.google.com/load-balancer-type that is present decides (a present new
# key hides the old one, whatever its value), and only "Internal" or the deprecated
# "internal" make an internal load balancer.
cloud_internal("gcp", a) if {
	present := [a[k] | some k in gke_type_keys; is_string(a[k])]
	present[0] in {"Internal", "internal"}
}

# Azure, kubernetes-sigs/cloud-provider-azure pkg/provider/azure_loadbalancer.go
# requiresInternalLoadBalancer: exactly "true".
cloud_internal("azure", a) if a["service.beta.kubernetes.io/azure-load-balancer-internal"] == "true"

# OCI, oracle/oci-cloud-controller-manager pkg/cloudprovider/providers/oci/
# load_balancer_spec.go isInternalLB: the key depends on
# oci.oraclecloud.com/load-balancer-type (lower-cased; "nlb", else "lb"), and the
# value is read with strconv.ParseBool (an error fails the load balancer).
cloud_internal("oci", a) if {
	oci_type(a) == "nlb"
	ann.parse_bool(a["oci-network-load-balancer.oraclecloud.com/internal"]) == true
}

cloud_internal("oci", a) if {
	oci_type(a) == "lb"
	ann.parse_bool(a["service.beta.kubernetes.io/oci-load-balancer-internal"]) == true
}

# DigitalOcean, digitalocean/digitalocean-cloud-controller-manager
# cloud-controller-manager/do/loadbalancers.go getNetwork: exactly "INTERNAL"
# (v0.1.53 and later); anything else but "EXTERNAL" is an error.
cloud_internal("digitalocean", a) if a["service.beta.kubernetes.io/do-loadbalancer-network"] == "INTERNAL"

# OpenStack, kubernetes/cloud-provider-openstack pkg/openstack/loadbalancer.go
# getBoolFromServiceAnnotation: exactly "true"; other values fall back to the
# cloud config's internal-lb, which apiguard cannot see.
cloud_internal("openstack", a) if a["service.beta.kubernetes.io/openstack-internal-load-balancer"] == "true"

# Alibaba Cloud, kubernetes/cloud-provider-alibaba-cloud (docs/usage.md, Service
# annotations): address-type "intranet" is internal, "internet" (the default) public.
cloud_internal("alibaba", a) if a["service.beta.kubernetes.io/alibaba-cloud-loadbalancer-address-type"] == "intranet"

# IBM Cloud, IBM-Cloud/cloud-provider-ibm pkg/vpcctl (isServicePublic: public when
# the ip-type is empty or "public"): apiguard accepts exactly "private", the value
# the documentation gives.
cloud_internal("ibm", a) if a["service.kubernetes.io/ibm-load-balancer-cloud-provider-ip-type"] == "private"

oci_type(a) := t if {
	t := lower(a["oci.oraclecloud.com/load-balancer-type"])
	t in {"nlb", "lb"}
} else := "lb"

# lbc_internal(a): the AWS Load Balancer Controller makes an internal NLB
# (kubernetes-sigs/aws-load-balancer-controller pkg/service/model_build_load_balancer.go
# buildLoadBalancerScheme). aws-load-balancer-scheme "internal" or "internet-facing"
# decides when present (another value is an error: no load balancer); else
# aws-load-balancer-internal read with ParseBool; else the scheme of the load
# balancer it made before, and only for a new one the default "internal". That last
# step reads AWS, not the object, so apiguard asks for the scheme in writing.
lbc_internal(a) if a[aws_scheme_key] == "internal"

lbc_internal(a) if {
	not a[aws_scheme_key]
	ann.parse_bool(a[aws_internal_key]) == true
}

# class_internal(class, a, internal_classes) holds when the controller a class names
# makes an internal load balancer; internal_classes lists the classes the platform
# vouches for (a MetalLB or kube-vip pool of private addresses, say).
class_internal(class, _, _) if class in gke_internal_classes

class_internal(class, a, _) if {
	class == lbc_class
	lbc_internal(a)
}

class_internal(class, _, internal_classes) if class in internal_classes

# known_class(class) holds for the classes whose controller apiguard models.
known_class(class) if class in gke_internal_classes

known_class(class) if class in gke_external_classes

known_class(class) if class == lbc_class

# hint(provider) is what to write for an internal load balancer on that provider.
hint("aws") := `service.beta.kubernetes.io/aws-load-balancer-internal: "true" (or spec.loadBalancerClass: service.k8s.aws/nlb with service.beta.kubernetes.io/aws-load-balancer-scheme: internal)`

hint("gcp") := `networking.gke.io/load-balancer-type: "Internal"`

hint("azure") := `service.beta.kubernetes.io/azure-load-balancer-internal: "true"`

hint("oci") := `service.beta.kubernetes.io/oci-load-balancer-internal: "true" (oci-network-load-balancer.oraclecloud.com/internal: "true" for an NLB)`

hint("digitalocean") := `service.beta.kubernetes.io/do-loadbalancer-network: "INTERNAL"`

hint("openstack") := `service.beta.kubernetes.io/openstack-internal-load-balancer: "true"`

hint("alibaba") := `service.beta.kubernetes.io/alibaba-cloud-loadbalancer-address-type: "intranet"`

hint("ibm") := `service.kubernetes.io/ibm-load-balancer-cloud-provider-ip-type: "private"`

# source_ranges(svc) is the list of CIDR strings that limit who may connect, as
# k8s.io/cloud-provider service/helpers GetLoadBalancerSourceRanges reads them:
# spec.loadBalancerSourceRanges when non-empty, else the annotation
# service.beta.kubernetes.io/load-balancer-source-ranges (trimmed, then split on
# ","; the parts are not trimmed), else none. A non-string entry reads as "",
# which no CIDR parser accepts.
source_ranges(svc) := [range_text(r) | some r in svc.spec.loadBalancerSourceRanges] if {
	is_array(svc.spec.loadBalancerSourceRanges)
	count(svc.spec.loadBalancerSourceRanges) > 0
} else := split(trim_space(v), ",") if {
	v := svc.metadata.annotations["service.beta.kubernetes.io/load-balancer-source-ranges"]
	is_string(v)
	trim_space(v) != ""
} else := []

range_text(r) := r if is_string(r)

else := ""
