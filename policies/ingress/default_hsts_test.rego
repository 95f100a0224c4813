package ingress.default_hsts_test

import data.ingress.default_hsts

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

nginx := {"ingressClassName": "nginx", "rules": [{"host": "a.example.com"}]}

on := {"ingress": {"hsts": true}}

op(key, value) := {"op": "add", "path": concat("", ["/metadata/annotations/nginx.ingress.kubernetes.io~1", key]), "value": value}

all_three := {op("hsts", "true"), op("hsts-max-age", "31536000"), op("hsts-include-subdomains", "true")}

patches(obj, cfg) := p if {
	p := default_hsts.patch with input as request("CREATE", obj) with data.apiguard.config as cfg
}

# apply mimics the engine, which creates a missing parent map on "add".
apply(obj, ops) := json.patch(obj, array.concat(ensure_annotations(obj), [o | some o in ops]))

ensure_annotations(obj) := [] if {
	is_object(obj.metadata.annotations)
} else := [{"op": "add", "path": "/metadata/annotations", "value": {}}]

test_off_by_default if {
	count(default_hsts.patch) == 0 with input as request("CREATE", ingress({}, nginx))
	count(patches(ingress({}, nginx), {"ingress": {"hsts": "true"}})) == 0
}

test_adds_all_three if {
	patches(ingress({}, nginx), on) == all_three
	patches(ingress(null, nginx), on) == all_three
}

test_missing_annotations_map if {
	obj := json.patch(ingress({}, nginx), [{"op": "remove", "path": "/metadata/annotations"}])
	patches(obj, on) == all_three
}

test_only_missing_keys_added if {
	obj := ingress({"nginx.ingress.kubernetes.io/hsts": "false", "nginx.ingress.kubernetes.io/hsts-max-age": "60"}, nginx)
	patches(obj, on) == {op("hsts-include-subdomains", "true")}
}

test_max_age_configurable if {
	p1 := patches(ingress({}, nginx), {"ingress": {"hsts": true, "hstsMaxAge": 600}})
	op("hsts-max-age", "600") in p1
	p2 := patches(ingress({}, nginx), {"ingress": {"hsts": true, "hstsMaxAge": "86400"}})
	op("hsts-max-age", "86400") in p2
}

test_bad_max_age_uses_default if {
	every bad in [0, -5, 1.5, "1y", "0", true] {
		op("hsts-max-age", "31536000") in patches(ingress({}, nginx), {"ingress": {"hsts": true, "hstsMaxAge": bad}})
	}
}

test_include_subdomains_can_be_turned_off if {
	p := patches(ingress({}, nginx), {"ingress": {"hsts": true, "hstsIncludeSubdomains": false}})
	p == {op("hsts", "true"), op("hsts-max-age", "31536000")}
}

test_non_nginx_class_not_patched if {
	count(patches(ingress({}, {"ingressClassName": "traefik"}), on)) == 0
	count(patches(ingress({}, {}), on)) == 0
}

test_legacy_annotation_and_configured_classes if {
	count(patches(ingress({"kubernetes.io/ingress.class": "nginx"}, {}), on)) == 3
	cfg := {"ingress": {"hsts": true, "nginxClasses": ["nginx-internal"]}}
	count(patches(ingress({}, {"ingressClassName": "nginx-internal"}), cfg)) == 3
	count(patches(ingress({}, nginx), cfg)) == 0
	count(patches(ingress({}, nginx), {"ingress": {"hsts": true, "nginxClasses": "nginx-internal"}})) == 3
}

test_idempotent if {
	every obj in [ingress({}, nginx), ingress(null, nginx), ingress({"team": "a"}, nginx)] {
		patched := apply(obj, patches(obj, on))
		patched.metadata.annotations["nginx.ingress.kubernetes.io/hsts-max-age"] == "31536000"
		count(patches(patched, on)) == 0
	}
}

test_keeps_other_annotations if {
	obj := ingress({"team": "a"}, nginx)
	patched := apply(obj, patches(obj, on))
	patched.metadata.annotations == {
		"team": "a",
		"nginx.ingress.kubernetes.io/hsts": "true",
		"nginx.ingress.kubernetes.io/hsts-max-age": "31536000",
		"nginx.ingress.kubernetes.io/hsts-include-subdomains": "true",
	}
}

test_audit_and_delete_not_patched if {
	count(default_hsts.patch) == 0 with input as request("AUDIT", ingress({}, nginx)) with data.apiguard.config as on
	req := {"request": {
		"kind": {"group": "networking.k8s.io", "version": "v1", "kind": "Ingress"},
		"name": "web",
		"namespace": "demo",
		"operation": "DELETE",
		"object": null,
		"oldObject": ingress({}, nginx),
	}}
	count(default_hsts.patch) == 0 with input as req with data.apiguard.config as on
}

test_other_kind_not_patched if {
	req := json.patch(request("CREATE", ingress({}, nginx)), [{
		"op": "replace",
		"path": "/request/kind",
		"value": {"group": "", "version": "v1", "kind": "Service"},
	}])
	count(default_hsts.patch) == 0 with input as req with data.apiguard.config as on
}

test_escape_pointer if {
	default_hsts.escape_pointer("a/b~c") == "a~1b~0c"
}

# The removed networking.k8s.io/v1beta1 Ingress is not patched
# (kubernetes.known_api_version denies it instead).
test_other_api_version_not_patched if {
	beta := object.union(request("CREATE", ingress({}, nginx)), {"request": {"kind": {"version": "v1beta1"}}})
	count(default_hsts.patch) == 0 with input as beta with data.apiguard.config as on
	count(patches(ingress({}, nginx), on)) == 3
}

# enabled is the engine's activation rule: every configuration under which a patch
# can be proposed enables the policy, and while it is not enabled none is.
test_enabled_only_with_hsts_on if {
	every c in [{}, {"ingress": {}}, {"ingress": {"hsts": false}}, {"ingress": {"hsts": "true"}}, {"ingress": {"hsts": 1}}] {
		not default_hsts.enabled with data.apiguard.config as c
		count(patches(ingress({}, nginx), c)) == 0
	}
	default_hsts.enabled with data.apiguard.config as on
}
