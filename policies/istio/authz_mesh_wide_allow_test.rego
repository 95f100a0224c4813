package istio.authz_mesh_wide_allow_test

import data.istio.authz_mesh_wide_allow

request(op, ns, group, spec) := {"request": {
	"uid": "1",
	"kind": {"group": group, "version": "v1", "kind": "AuthorizationPolicy"},
	"name": "p",
	"namespace": ns,
	"operation": op,
	"object": {
		"apiVersion": sprintf("%s/v1", [group]),
		"kind": "AuthorizationPolicy",
		"metadata": {"name": "p", "namespace": ns},
		"spec": spec,
	},
}}

root(spec) := request("CREATE", "istio-system", "security.istio.io", spec)

monitoring := {"rules": [{"from": [{"source": {"namespaces": ["monitoring"]}}]}]}

test_root_allow_without_selector_denied if {
	denies := authz_mesh_wide_allow.deny with input as root(monitoring)
	denies == {"AuthorizationPolicy istio-system/p: an ALLOW policy without spec.selector or spec.targetRefs in the root namespace \"istio-system\" applies to every workload of the mesh, so its 1 rule(s) open every namespace past its own policies; move it to the namespaces it is for or add a selector"}
}

# An empty selector or matchLabels selects every workload.
test_empty_selector_variants_denied if {
	count(authz_mesh_wide_allow.deny) == 1 with input as root(object.union(monitoring, {"selector": {}}))
	count(authz_mesh_wide_allow.deny) == 1 with input as root(object.union(monitoring, {"selector": {"matchLabels": {}}}))
	count(authz_mesh_wide_allow.deny) == 1 with input as root(object.union(monitoring, {"action": "ALLOW"}))
	count(authz_mesh_wide_allow.deny) == 1 with input as root(object.union(monitoring, {"targetRefs": []}))
}

# spec: {} is the recommended mesh-wide allow-nothing; DENY and scoped policies pass.
test_allow_nothing_and_scoped_pass if {
	every spec in [
		{},
		{"rules": []},
		object.union(monitoring, {"action": "DENY"}),
		object.union(monitoring, {"action": "AUDIT"}),
		object.union(monitoring, {"selector": {"matchLabels": {"app": "istio-ingressgateway"}}}),
		object.union(monitoring, {"targetRefs": [{"kind": "Gateway", "group": "gateway.networking.k8s.io", "name": "edge"}]}),
		object.union(monitoring, {"targetRef": {"kind": "Gateway", "group": "gateway.networking.k8s.io", "name": "edge"}}),
	] {
		count(authz_mesh_wide_allow.deny) == 0 with input as root(spec)
	}
}

test_other_namespace_not_judged if {
	count(authz_mesh_wide_allow.deny) == 0 with input as request("CREATE", "shop", "security.istio.io", monitoring)
}

test_configured_root_namespace if {
	count(authz_mesh_wide_allow.deny) == 1 with input as request("CREATE", "mesh-root", "security.istio.io", monitoring)
		with data.apiguard.config as {"istio": {"rootNamespace": "mesh-root"}}
	count(authz_mesh_wide_allow.deny) == 0 with input as root(monitoring)
		with data.apiguard.config as {"istio": {"rootNamespace": "mesh-root"}}
}

test_delete_and_other_group_not_judged if {
	count(authz_mesh_wide_allow.deny) == 0 with input as request("DELETE", "istio-system", "security.istio.io", monitoring)
	count(authz_mesh_wide_allow.deny) == 0 with input as request("CREATE", "istio-system", "example.com", monitoring)
	count(authz_mesh_wide_allow.deny) == 1 with input as request("AUDIT", "istio-system", "security.istio.io", monitoring)
}

# targetRefs to a GatewayClass from the root namespace reach every Gateway of the class.
test_gateway_class_target_denied if {
	gc := {"group": "gateway.networking.k8s.io", "kind": "GatewayClass", "name": "istio"}
	denies := authz_mesh_wide_allow.deny with input as root(object.union(monitoring, {"targetRefs": [gc]}))
	denies == {"AuthorizationPolicy istio-system/p: an ALLOW policy targeting a GatewayClass in the root namespace \"istio-system\" applies to every Gateway of that class in every namespace, so its 1 rule(s) open all of them; target the Gateways it is for, in their own namespaces"}
	count(authz_mesh_wide_allow.deny) == 0 with input as request("CREATE", "shop", "security.istio.io", object.union(monitoring, {"targetRefs": [gc]}))
	count(authz_mesh_wide_allow.deny) == 0 with input as root({"targetRefs": [gc]})
}
