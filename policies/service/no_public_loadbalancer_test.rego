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

internal_lb(key, value) := service({"annotations": {key: value}}, lb_spec)

test_clusterip_allowed if {
	count(policy.deny) == 0 with input as request("CREATE", service({}, {"type": "ClusterIP", "ports": [{"port": 80}]}))
}

test_default_type_allowed if {
	count(policy.deny) == 0 with input as request("CREATE", service({}, {"ports": [{"port": 80}]}))
}

test_nodeport_not_this_policy if {
	count(policy.deny) == 0 with input as request("CREATE", service({}, {"type": "NodePort"}))
}

test_public_lb_denied if {
	msgs := policy.deny with input as request("CREATE", public_lb)
	count(msgs) == 1
	some msg in msgs
	startswith(msg, "Service demo/web: type LoadBalancer")
	contains(msg, "ClusterIP")
	contains(msg, `service.beta.kubernetes.io/aws-load-balancer-scheme: "internal"`)
}

test_public_lb_update_denied if {
	count(policy.deny) == 1 with input as request("UPDATE", public_lb)
}

test_public_lb_audit_denied if {
	count(policy.deny) == 1 with input as request("AUDIT", public_lb)
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

test_default_internal_annotations_allowed if {
	every key, value in {
		"service.beta.kubernetes.io/aws-load-balancer-internal": "true",
		"service.beta.kubernetes.io/aws-load-balancer-scheme": "internal",
		"service.beta.kubernetes.io/azure-load-balancer-internal": "true",
		"networking.gke.io/load-balancer-type": "Internal",
		"cloud.google.com/load-balancer-type": "Internal",
		"service.beta.kubernetes.io/oci-load-balancer-internal": "true",
	} {
		count(policy.deny) == 0 with input as request("CREATE", internal_lb(key, value))
	}
}

test_internal_annotation_wrong_value_denied if {
	count(policy.deny) == 1 with input as request("CREATE", internal_lb("service.beta.kubernetes.io/aws-load-balancer-scheme", "internet-facing"))
	count(policy.deny) == 1 with input as request("CREATE", internal_lb("service.beta.kubernetes.io/azure-load-balancer-internal", "false"))
	count(policy.deny) == 1 with input as request("CREATE", internal_lb("networking.gke.io/load-balancer-type", "External"))
}

test_exempt_namespace_glob if {
	count(policy.deny) == 0 with input as request("CREATE", public_lb)
		with data.apiguard.config as {"service": {"loadBalancerNamespaces": ["de*"]}}
}

test_non_matching_namespace_denied if {
	count(policy.deny) == 1 with input as request("CREATE", public_lb)
		with data.apiguard.config as {"service": {"loadBalancerNamespaces": ["ingress-*"]}}
}

test_malformed_namespaces_no_exemption if {
	count(policy.deny) == 1 with input as request("CREATE", public_lb)
		with data.apiguard.config as {"service": {"loadBalancerNamespaces": "demo"}}
	count(policy.deny) == 1 with input as request("CREATE", public_lb)
		with data.apiguard.config as {"service": {"loadBalancerNamespaces": ["demo", 1]}}
}

test_configured_annotations_replace_default if {
	cfg := {"service": {"internalAnnotations": {"example.com/internal": "yes"}}}
	count(policy.deny) == 0 with input as request("CREATE", internal_lb("example.com/internal", "yes"))
		with data.apiguard.config as cfg
	msgs := policy.deny with input as request("CREATE", internal_lb("service.beta.kubernetes.io/aws-load-balancer-internal", "true"))
		with data.apiguard.config as cfg
	count(msgs) == 1
	some msg in msgs
	contains(msg, `example.com/internal: "yes"`)
}

test_malformed_annotations_use_default if {
	every cfg in [
		{"service": {"internalAnnotations": ["example.com/internal"]}},
		{"service": {"internalAnnotations": {}}},
		{"service": {"internalAnnotations": {"example.com/internal": true}}},
	] {
		count(policy.deny) == 0 with input as request("CREATE", internal_lb("service.beta.kubernetes.io/aws-load-balancer-internal", "true"))
			with data.apiguard.config as cfg
	}
}
