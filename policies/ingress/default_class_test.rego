package ingress.default_class_test

import data.ingress.default_class

ingress(annotations, spec) := {
	"apiVersion": "networking.k8s.io/v1",
	"kind": "Ingress",
	"metadata": {"name": "web", "namespace": "demo", "annotations": annotations},
	"spec": spec,
}

request(operation, obj) := {"request": {
	"uid": "1",
	"kind": {"group": "networking.k8s.io", "version": "v1", "kind": "Ingress"},
	"name": "web",
	"namespace": "demo",
	"operation": operation,
	"object": obj,
}}

rules := {"rules": [{"host": "a.example.com"}]}

cfg := {"ingress": {"defaultClass": "nginx"}}

want := {"op": "add", "path": "/spec/ingressClassName", "value": "nginx"}

test_no_config_no_patch if {
	count(default_class.patch) == 0 with input as request("CREATE", ingress({}, rules))
}

test_empty_or_malformed_config_no_patch if {
	count(default_class.patch) == 0 with input as request("CREATE", ingress({}, rules))
		with data.apiguard.config as {"ingress": {"defaultClass": ""}}
	count(default_class.patch) == 0 with input as request("CREATE", ingress({}, rules))
		with data.apiguard.config as {"ingress": {"defaultClass": ["nginx"]}}
}

test_missing_class_patched if {
	patches := default_class.patch with input as request("CREATE", ingress(null, rules)) with data.apiguard.config as cfg
	patches == {want}
}

test_null_class_patched if {
	obj := ingress({}, object.union(rules, {"ingressClassName": null}))
	patches := default_class.patch with input as request("UPDATE", obj) with data.apiguard.config as cfg
	patches == {want}
}

test_missing_spec_patched if {
	obj := json.patch(ingress({}, {}), [{"op": "remove", "path": "/spec"}])
	patches := default_class.patch with input as request("CREATE", obj) with data.apiguard.config as cfg
	patches == {want}
}

test_existing_class_kept if {
	obj := ingress({}, object.union(rules, {"ingressClassName": "traefik"}))
	count(default_class.patch) == 0 with input as request("CREATE", obj) with data.apiguard.config as cfg
}

test_empty_class_not_patched if {
	obj := ingress({}, object.union(rules, {"ingressClassName": ""}))
	count(default_class.patch) == 0 with input as request("CREATE", obj) with data.apiguard.config as cfg
}

test_legacy_annotation_kept if {
	count(default_class.patch) == 0 with input as request("CREATE", ingress({"kubernetes.io/ingress.class": "traefik"}, rules))
		with data.apiguard.config as cfg
	count(default_class.patch) == 0 with input as request("CREATE", ingress({"kubernetes.io/ingress.class": ""}, rules))
		with data.apiguard.config as cfg
}

test_idempotent if {
	obj := ingress({}, rules)
	patches := default_class.patch with input as request("CREATE", obj) with data.apiguard.config as cfg
	patched := json.patch(obj, [op | some op in patches])
	patched.spec.ingressClassName == "nginx"
	count(default_class.patch) == 0 with input as request("UPDATE", patched) with data.apiguard.config as cfg
}

test_audit_and_delete_not_patched if {
	count(default_class.patch) == 0 with input as request("AUDIT", ingress({}, rules)) with data.apiguard.config as cfg
	req := {"request": {
		"kind": {"group": "networking.k8s.io", "version": "v1", "kind": "Ingress"},
		"name": "web",
		"namespace": "demo",
		"operation": "DELETE",
		"object": null,
		"oldObject": ingress({}, rules),
	}}
	count(default_class.patch) == 0 with input as req with data.apiguard.config as cfg
}

test_other_kind_not_patched if {
	req := json.patch(request("CREATE", ingress({}, rules)), [{
		"op": "replace",
		"path": "/request/kind",
		"value": {"group": "networking.k8s.io", "version": "v1", "kind": "IngressClass"},
	}])
	count(default_class.patch) == 0 with input as req with data.apiguard.config as cfg
}

# The removed networking.k8s.io/v1beta1 Ingress is not patched
# (kubernetes.known_api_version denies it instead).
test_other_api_version_not_patched if {
	beta := object.union(request("CREATE", ingress({}, rules)), {"request": {"kind": {"version": "v1beta1"}}})
	count(default_class.patch) == 0 with input as beta with data.apiguard.config as cfg
	default_class.patch == {want} with input as request("CREATE", ingress({}, rules)) with data.apiguard.config as cfg
}

# enabled is the engine's activation rule: every configuration under which a patch
# can be proposed enables the policy, and while it is not enabled none is.
test_enabled_only_with_a_default_class if {
	every c in [{}, {"ingress": {}}, {"ingress": {"defaultClass": ""}}, {"ingress": {"defaultClass": ["nginx"]}}, {"ingress": {"defaultClass": 1}}] {
		not default_class.enabled with data.apiguard.config as c
		count(default_class.patch) == 0 with input as request("CREATE", ingress({}, rules)) with data.apiguard.config as c
	}
	default_class.enabled with data.apiguard.config as cfg
}
