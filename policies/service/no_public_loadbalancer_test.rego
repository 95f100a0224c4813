package service.no_public_loadbalancer_test

import data.service.no_public_loadbalancer as policy

service(metadata, spec) := {
	"apiVersion": "v1",
	"kind": "Service",
	"metadata": object.union({"name": "web", "namespace": "demo"}, metadata),
	"spec": spec,
}

request(operation, obj) := {"request": {
	"uid": "1",
	"kind": {"group": "", "version": "v1", "kind": "Service"},
	"name": "web",
	"namespace": "demo",
	"operation": operation,
	"object": obj,
}}

lb_spec := {"type": "LoadBalancer", "ports": [{"port": 443, "targetPort": 8443}]}

public_lb := service({}, lb_spec)

annotated(a) := service({"annotations": a}, lb_spec)

with_class(class, a) := service({"annotations": a}, object.union(lb_spec, {"loadBalancerClass": class}))

on(providers) := {"service": {"loadBalancerProviders": providers}}

denied(obj, cfg) if {
	count(policy.deny) == 1 with input as request("CREATE", obj) with data.apiguard.config as cfg
	count(policy.warn) == 0 with input as request("CREATE", obj) with data.apiguard.config as cfg
}

allowed(obj, cfg) if {
	count(policy.deny) == 0 with input as request("CREATE", obj) with data.apiguard.config as cfg
	count(policy.warn) == 0 with input as request("CREATE", obj) with data.apiguard.config as cfg
}

test_not_a_load_balancer_allowed if {
	every spec in [{"type": "ClusterIP", "ports": [{"port": 80}]}, {"ports": [{"port": 80}]}, {"type": "NodePort"}, {"type": "ExternalName", "externalName": "db.example.com"}] {
		allowed(service({}, spec), {})
	}
}

test_public_lb_denied if {
	msgs := policy.deny with input as request("CREATE", public_lb) with data.apiguard.config as on(["aws"])
	count(msgs) == 1
	some msg in msgs
	startswith(msg, "Service demo/web: type LoadBalancer gets an internet-facing load balancer")
	contains(msg, "ClusterIP")
	contains(msg, `aws reads it: service.beta.kubernetes.io/aws-load-balancer-internal: "true"`)
}

test_public_lb_update_and_audit_denied if {
	count(policy.deny) == 1 with input as request("UPDATE", public_lb) with data.apiguard.config as on(["aws"])
	count(policy.deny) == 1 with input as request("AUDIT", public_lb) with data.apiguard.config as on(["aws"])
}

test_delete_never_denied if {
	req := {"request": {
		"kind": {"group": "", "version": "v1", "kind": "Service"},
		"name": "web",
		"namespace": "demo",
		"operation": "DELETE",
		"object": null,
		"oldObject": public_lb,
	}}
	count(policy.deny) == 0 with input as req
}

test_other_kind_ignored if {
	req := json.patch(request("CREATE", public_lb), [{
		"op": "replace",
		"path": "/request/kind",
		"value": {"group": "serving.knative.dev", "version": "v1", "kind": "Service"},
	}])
	count(policy.deny) == 0 with input as req
}

# Nothing configured: no cloud is known, so no annotation is trusted.
test_no_provider_trusts_no_annotation if {
	every a in [
		{"service.beta.kubernetes.io/aws-load-balancer-internal": "true"},
		{"service.beta.kubernetes.io/aws-load-balancer-scheme": "internal"},
		{"networking.gke.io/load-balancer-type": "Internal"},
		{"service.beta.kubernetes.io/azure-load-balancer-internal": "true"},
	] {
		denied(annotated(a), {})
	}
	msgs := policy.deny with input as request("CREATE", annotated({"service.beta.kubernetes.io/azure-load-balancer-internal": "true"}))
	some msg in msgs
	contains(msg, "data.apiguard.config.service.loadBalancerProviders")
}

# The class-5 hole: another cloud's key leaves the load balancer public.
test_other_clouds_keys_do_not_count if {
	denied(annotated({"service.beta.kubernetes.io/aws-load-balancer-internal": "true"}), on(["gcp"]))
	denied(annotated({"service.beta.kubernetes.io/oci-load-balancer-internal": "true"}), on(["gcp"]))
	denied(annotated({"networking.gke.io/load-balancer-type": "Internal"}), on(["aws"]))
	denied(annotated({"service.beta.kubernetes.io/azure-load-balancer-internal": "true"}), on(["aws"]))
}

test_each_provider_internal if {
	every p, a in {
		"aws": {"service.beta.kubernetes.io/aws-load-balancer-internal": "true"},
		"gcp": {"networking.gke.io/load-balancer-type": "Internal"},
		"azure": {"service.beta.kubernetes.io/azure-load-balancer-internal": "true"},
		"oci": {"service.beta.kubernetes.io/oci-load-balancer-internal": "true"},
		"digitalocean": {"service.beta.kubernetes.io/do-loadbalancer-network": "INTERNAL"},
		"openstack": {"service.beta.kubernetes.io/openstack-internal-load-balancer": "true"},
		"alibaba": {"service.beta.kubernetes.io/alibaba-cloud-loadbalancer-address-type": "intranet"},
		"ibm": {"service.kubernetes.io/ibm-load-balancer-cloud-provider-ip-type": "private"},
	} {
		allowed(annotated(a), on([p]))
		denied(public_lb, on([p]))
	}
}

test_aws_values if {
	every v in ["true", "True", "TRUE", "1", "t"] {
		allowed(annotated({"service.beta.kubernetes.io/aws-load-balancer-internal": v}), on(["aws"]))
	}

	# "false" is public; "False", "0" and "yes" are internal to cloud-provider-aws but
	# public or an error to the AWS Load Balancer Controller that may take the
	# Service over: not trusted.
	every v in ["false", "False", "0", "yes", "", "0.0.0.0/0"] {
		denied(annotated({"service.beta.kubernetes.io/aws-load-balancer-internal": v}), on(["aws"]))
	}

	# The scheme annotation is the AWS Load Balancer Controller's: cloud-provider-aws
	# does not read it.
	denied(annotated({"service.beta.kubernetes.io/aws-load-balancer-scheme": "internal"}), on(["aws"]))
	denied(
		annotated({
			"service.beta.kubernetes.io/aws-load-balancer-internal": "true",
			"service.beta.kubernetes.io/aws-load-balancer-scheme": "internet-facing",
		}),
		on(["aws"]),
	)
}

test_aws_external_type_is_the_load_balancer_controller if {
	allowed(
		annotated({
			"service.beta.kubernetes.io/aws-load-balancer-type": "external",
			"service.beta.kubernetes.io/aws-load-balancer-scheme": "internal",
		}),
		on(["aws"]),
	)
	denied(annotated({"service.beta.kubernetes.io/aws-load-balancer-type": "external"}), on(["aws"]))
	denied(
		annotated({
			"service.beta.kubernetes.io/aws-load-balancer-type": "nlb-ip",
			"service.beta.kubernetes.io/aws-load-balancer-scheme": "internet-facing",
			"service.beta.kubernetes.io/aws-load-balancer-internal": "true",
		}),
		on(["aws"]),
	)
}

test_gke_first_present_key_decides if {
	allowed(annotated({"cloud.google.com/load-balancer-type": "Internal"}), on(["gcp"]))
	allowed(annotated({"networking.gke.io/load-balancer-type": "internal"}), on(["gcp"]))
	denied(annotated({"networking.gke.io/load-balancer-type": "INTERNAL"}), on(["gcp"]))
	denied(
		annotated({
			"networking.gke.io/load-balancer-type": "External",
			"cloud.google.com/load-balancer-type": "Internal",
		}),
		on(["gcp"]),
	)
}

test_azure_exact_true if {
	every v in ["True", "TRUE", "1", "yes"] {
		denied(annotated({"service.beta.kubernetes.io/azure-load-balancer-internal": v}), on(["azure"]))
	}
}

test_oci_key_follows_load_balancer_type if {
	nlb := {"oci.oraclecloud.com/load-balancer-type": "NLB"}
	allowed(annotated(object.union(nlb, {"oci-network-load-balancer.oraclecloud.com/internal": "TRUE"})), on(["oci"]))
	denied(annotated(object.union(nlb, {"service.beta.kubernetes.io/oci-load-balancer-internal": "true"})), on(["oci"]))
	allowed(annotated({"service.beta.kubernetes.io/oci-load-balancer-internal": "1"}), on(["oci"]))
}

test_every_provider_must_agree if {
	both := {
		"service.beta.kubernetes.io/aws-load-balancer-internal": "true",
		"networking.gke.io/load-balancer-type": "Internal",
	}
	allowed(annotated(both), on(["aws", "gcp"]))
	msgs := policy.deny with input as request("CREATE", annotated({"service.beta.kubernetes.io/aws-load-balancer-internal": "true"}))
		with data.apiguard.config as on(["aws", "gcp"])
	some msg in msgs
	contains(msg, "gcp reads it")
	not contains(msg, "aws reads it")
}

test_unknown_provider_trusts_nothing if {
	msgs := policy.deny with input as request("CREATE", annotated({"service.beta.kubernetes.io/aws-load-balancer-internal": "true"}))
		with data.apiguard.config as on(["aws", "hetzner"])
	some msg in msgs
	contains(msg, "a provider apiguard does not know")
}

test_classes if {
	scheme := {"service.beta.kubernetes.io/aws-load-balancer-scheme": "internal"}
	allowed(with_class("service.k8s.aws/nlb", scheme), {})
	allowed(with_class("service.k8s.aws/nlb", {"service.beta.kubernetes.io/aws-load-balancer-internal": "true"}), {})
	denied(with_class("service.k8s.aws/nlb", {}), {})
	denied(with_class("service.k8s.aws/nlb", {"service.beta.kubernetes.io/aws-load-balancer-scheme": "Internal"}), {})
	allowed(with_class("networking.gke.io/l4-regional-internal", {}), {})
	allowed(with_class("networking.gke.io/l4-regional-internal-legacy", {}), {})
	denied(with_class("networking.gke.io/l4-regional-external", {"networking.gke.io/load-balancer-type": "Internal"}), on(["gcp"]))

	# A class the cloud does not own: its annotations are not read.
	denied(with_class("metallb.io/private", {"service.beta.kubernetes.io/azure-load-balancer-internal": "true"}), on(["azure"]))
	allowed(with_class("metallb.io/private", {}), {"service": {"internalLoadBalancerClasses": ["metallb.io/private"]}})
	msgs := policy.deny with input as request("CREATE", with_class("metallb.io/private", {}))
	some msg in msgs
	contains(msg, "internalLoadBalancerClasses")
}

test_source_ranges_private_warn if {
	narrowed := service({}, object.union(lb_spec, {"loadBalancerSourceRanges": ["10.0.0.0/8", "192.168.4.0/24", "fd00::/8"]}))
	count(policy.deny) == 0 with input as request("CREATE", narrowed) with data.apiguard.config as on(["aws"])
	warns := policy.warn with input as request("CREATE", narrowed) with data.apiguard.config as on(["aws"])
	count(warns) == 1
	some w in warns
	contains(w, "10.0.0.0/8, 192.168.4.0/24, fd00::/8")
	annotation := annotated({"service.beta.kubernetes.io/load-balancer-source-ranges": "10.0.0.0/8,172.16.0.0/12"})
	count(policy.warn) == 1 with input as request("CREATE", annotation) with data.apiguard.config as on(["aws"])
	count(policy.deny) == 0 with input as request("CREATE", annotation) with data.apiguard.config as on(["aws"])
}

test_source_ranges_public_or_unreadable_denied if {
	every ranges in [["0.0.0.0/0"], ["10.0.0.0/8", "8.8.8.0/24"], ["10.0.0.0/7"], ["10.0.0.1"], ["not-a-cidr"], [" 10.0.0.0/8"], ["::/0"]] {
		denied(service({}, object.union(lb_spec, {"loadBalancerSourceRanges": ranges})), on(["aws"]))
	}

	# The spec field, when set, hides the annotation.
	both := service(
		{"annotations": {"service.beta.kubernetes.io/load-balancer-source-ranges": "10.0.0.0/8"}},
		object.union(lb_spec, {"loadBalancerSourceRanges": ["0.0.0.0/0"]}),
	)
	denied(both, on(["aws"]))
	denied(annotated({"service.beta.kubernetes.io/load-balancer-source-ranges": "10.0.0.0/8, 192.168.0.0/16"}), on(["aws"]))
}

test_internal_lb_with_source_ranges_not_warned if {
	obj := service(
		{"annotations": {"service.beta.kubernetes.io/aws-load-balancer-internal": "true"}},
		object.union(lb_spec, {"loadBalancerSourceRanges": ["10.0.0.0/8"]}),
	)
	allowed(obj, on(["aws"]))
}

test_exempt_namespace_glob if {
	allowed(public_lb, {"service": {"loadBalancerNamespaces": ["de*"]}})
	denied(public_lb, {"service": {"loadBalancerNamespaces": ["ingress-*"]}})
}

test_malformed_settings_trust_nothing if {
	every cfg in [
		{"service": {"loadBalancerNamespaces": "demo"}},
		{"service": {"loadBalancerNamespaces": ["demo", 1]}},
		{"service": {"loadBalancerProviders": "aws"}},
		{"service": {"loadBalancerProviders": ["aws", 1]}},
		{"service": {"internalAnnotations": {"service.beta.kubernetes.io/aws-load-balancer-internal": true}}},
	] {
		denied(annotated({"service.beta.kubernetes.io/aws-load-balancer-internal": "true"}), cfg)
	}
}

test_configured_internal_annotations_vouched if {
	cfg := {"service": {"internalAnnotations": {"example.com/internal": "yes"}}}
	allowed(annotated({"example.com/internal": "yes"}), cfg)
	denied(annotated({"example.com/internal": "Yes"}), cfg)

	# Not for a class: the class's controller decides.
	denied(with_class("metallb.io/public", {"example.com/internal": "yes"}), cfg)
}
