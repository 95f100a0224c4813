package service.no_nodeport_test

import data.service.no_nodeport as policy

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

update(obj, old) := {"request": {
	"uid": "1",
	"kind": {"group": "", "version": "v1", "kind": "Service"},
	"name": "web",
	"namespace": "demo",
	"operation": "UPDATE",
	"object": obj,
	"oldObject": old,
}}

nodeport := service({}, {"type": "NodePort", "ports": [{"port": 80}]})

# As written by the author: no uid, so every nodePort is pinned.
pinned_lb := service({}, {"type": "LoadBalancer", "ports": [
	{"name": "http", "port": 80, "nodePort": 30080},
	{"name": "https", "port": 443, "nodePort": 30443},
	{"name": "metrics", "port": 9090},
]})

# As the validating webhook sees it: the API server allocated the node port.
allocated_lb := service({"uid": "6a1c1a2e-0000-4000-8000-000000000001"}, {"type": "LoadBalancer", "ports": [{"name": "https", "port": 443, "nodePort": 31234}]})

test_clusterip_allowed if {
	count(policy.deny) == 0 with input as request("CREATE", service({}, {"type": "ClusterIP", "ports": [{"port": 80}]}))
	count(policy.deny) == 0 with input as request("CREATE", service({}, {"ports": [{"port": 80}]}))
}

test_nodeport_denied if {
	msgs := policy.deny with input as request("CREATE", nodeport)
	msgs == {"Service demo/web: type NodePort opens the port on every node; use type ClusterIP behind an Ingress or Gateway"}
}

test_nodeport_update_audit_denied if {
	count(policy.deny) == 1 with input as request("UPDATE", nodeport)
	count(policy.deny) == 1 with input as request("AUDIT", object.union(nodeport, {"metadata": {"uid": "x"}}))
}

test_lb_without_node_ports_allowed if {
	count(policy.deny) == 0 with input as request("CREATE", service({}, {"type": "LoadBalancer", "ports": [{"port": 443}]}))
	count(policy.deny) == 0 with input as request("CREATE", service({}, {"type": "LoadBalancer", "ports": [{"port": 443, "nodePort": 0}]}))
}

test_lb_pinned_node_ports_denied if {
	msgs := policy.deny with input as request("CREATE", pinned_lb)
	msgs == {
		"Service demo/web: spec.ports[0].nodePort pins node port 30080 on every node; remove nodePort and let Kubernetes allocate it",
		"Service demo/web: spec.ports[1].nodePort pins node port 30443 on every node; remove nodePort and let Kubernetes allocate it",
	}
}

test_lb_allocated_node_port_allowed if {
	count(policy.deny) == 0 with input as request("CREATE", allocated_lb)
	count(policy.deny) == 0 with input as request("AUDIT", allocated_lb)
	count(policy.deny) == 0 with input as update(allocated_lb, allocated_lb)
}

test_lb_update_changed_node_port_denied if {
	changed := json.patch(allocated_lb, [{"op": "replace", "path": "/spec/ports/0/nodePort", "value": 30443}])
	msgs := policy.deny with input as update(changed, allocated_lb)
	count(msgs) == 1
	some msg in msgs
	contains(msg, "spec.ports[0].nodePort pins node port 30443")
}

test_lb_update_unnamed_port_matched_by_number if {
	old := service({"uid": "u"}, {"type": "LoadBalancer", "ports": [{"port": 443, "protocol": "TCP", "nodePort": 31234}]})
	same := service({"uid": "u"}, {"type": "LoadBalancer", "ports": [{"port": 443, "nodePort": 31234}]})
	changed := service({"uid": "u"}, {"type": "LoadBalancer", "ports": [{"port": 443, "nodePort": 30443}]})
	count(policy.deny) == 0 with input as update(same, old)
	count(policy.deny) == 1 with input as update(changed, old)
}

test_lb_update_from_clusterip_allocated_not_flagged if {
	old := service({"uid": "6a1c1a2e-0000-4000-8000-000000000001"}, {"type": "ClusterIP", "ports": [{"name": "https", "port": 443}]})
	count(policy.deny) == 0 with input as update(allocated_lb, old)
}

test_delete_never_denied if {
	req := {"request": {
		"kind": {"group": "", "version": "v1", "kind": "Service"},
		"name": "web",
		"namespace": "demo",
		"operation": "DELETE",
		"object": null,
		"oldObject": nodeport,
	}}
	count(policy.deny) == 0 with input as req
}

test_other_kind_ignored if {
	req := json.patch(request("CREATE", nodeport), [{
		"op": "replace",
		"path": "/request/kind",
		"value": {"group": "serving.knative.dev", "version": "v1", "kind": "Service"},
	}])
	count(policy.deny) == 0 with input as req
}

test_exempt_namespace if {
	cfg := {"service": {"nodePortNamespaces": ["demo", "ingress-*"]}}
	count(policy.deny) == 0 with input as request("CREATE", nodeport) with data.apiguard.config as cfg
	count(policy.deny) == 0 with input as request("CREATE", pinned_lb) with data.apiguard.config as cfg
	count(policy.deny) == 1 with input as request("CREATE", nodeport)
		with data.apiguard.config as {"service": {"nodePortNamespaces": ["ingress-*"]}}
}

test_malformed_namespaces_no_exemption if {
	count(policy.deny) == 1 with input as request("CREATE", nodeport)
		with data.apiguard.config as {"service": {"nodePortNamespaces": "demo"}}
}
