package networkpolicy.default_policy_types_test

import data.networkpolicy.default_policy_types as policy

netpol(spec) := {
	"apiVersion": "networking.k8s.io/v1",
	"kind": "NetworkPolicy",
	"metadata": {"name": "web", "namespace": "demo"},
	"spec": spec,
}

request(operation, obj) := {"request": {
	"uid": "1",
	"kind": {"group": "networking.k8s.io", "version": "v1", "kind": "NetworkPolicy"},
	"name": "web",
	"namespace": "demo",
	"operation": operation,
	"object": obj,
}}

types_patch(types) := {"op": "add", "path": "/spec/policyTypes", "value": types}

patches(spec) := p if {
	p := policy.patch with input as request("CREATE", netpol(spec))
}

test_ingress_only if {
	patches({"podSelector": {}}) == {types_patch(["Ingress"])}
	patches({"podSelector": {}, "ingress": [{}]}) == {types_patch(["Ingress"])}
}

test_egress_rules_add_egress if {
	patches({"podSelector": {}, "egress": [{"to": [{"podSelector": {}}]}]}) == {types_patch(["Ingress", "Egress"])}
	patches({"podSelector": {}, "ingress": [{}], "egress": [{}]}) == {types_patch(["Ingress", "Egress"])}
}

# SetDefaults_NetworkPolicy adds Egress only when len(spec.egress) != 0.
test_empty_egress_is_ingress_only if {
	patches({"podSelector": {}, "egress": []}) == {types_patch(["Ingress"])}
	patches({"podSelector": {}, "egress": null}) == {types_patch(["Ingress"])}
}

test_null_or_empty_policy_types_filled if {
	patches({"podSelector": {}, "policyTypes": null}) == {types_patch(["Ingress"])}
	patches({"podSelector": {}, "policyTypes": [], "egress": [{}]}) == {types_patch(["Ingress", "Egress"])}
}

test_set_value_never_overwritten if {
	every types in [["Egress"], ["Ingress"], ["Ingress", "Egress"], "Ingress"] {
		count(patches({"podSelector": {}, "policyTypes": types, "egress": [{}]})) == 0
	}
}

test_missing_spec_adds_map if {
	obj := {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy", "metadata": {"name": "web", "namespace": "demo"}}
	p := policy.patch with input as request("CREATE", obj)
	p == {{"op": "add", "path": "/spec", "value": {"policyTypes": ["Ingress"]}}}
	count(policy.patch) == 0 with input as request("CREATE", json.patch(obj, [op | some op in p]))
}

test_update_patched if {
	policy.patch == {types_patch(["Ingress"])} with input as request("UPDATE", netpol({"podSelector": {}}))
}

test_audit_and_delete_not_patched if {
	count(policy.patch) == 0 with input as request("AUDIT", netpol({"podSelector": {}}))
	req := {"request": {
		"kind": {"group": "networking.k8s.io", "version": "v1", "kind": "NetworkPolicy"},
		"name": "web",
		"namespace": "demo",
		"operation": "DELETE",
		"object": null,
		"oldObject": netpol({"podSelector": {}}),
	}}
	count(policy.patch) == 0 with input as req
}

test_other_kind_ignored if {
	req := json.patch(request("CREATE", netpol({"podSelector": {}})), [{
		"op": "replace",
		"path": "/request/kind",
		"value": {"group": "crd.projectcalico.org", "version": "v1", "kind": "NetworkPolicy"},
	}])
	count(policy.patch) == 0 with input as req
}

idempotent(spec) if {
	obj := netpol(spec)
	p := policy.patch with input as request("CREATE", obj)
	count(p) == 1
	patched := json.patch(obj, [op | some op in p])
	count(policy.patch) == 0 with input as request("UPDATE", patched)
}

test_idempotent if {
	idempotent({"podSelector": {}})
	idempotent({"podSelector": {}, "egress": [{}]})
	idempotent({"podSelector": {}, "policyTypes": null})
	idempotent({"podSelector": {}, "policyTypes": []})
}

# Another API version of the kind has another schema: nothing is added to it
# (kubernetes.known_api_version denies it instead).
test_other_api_version_not_patched if {
	beta := object.union(request("CREATE", netpol({"podSelector": {}})), {"request": {"kind": {"version": "v1beta1"}}})
	count(policy.patch) == 0 with input as beta
	count(policy.patch) == 1 with input as request("CREATE", netpol({"podSelector": {}}))
}
