package ingress.default_ssl_redirect_test

import data.ingress.default_ssl_redirect

key_patch := {
	"op": "add",
	"path": "/metadata/annotations/nginx.ingress.kubernetes.io~1force-ssl-redirect",
	"value": "true",
}

ingress(metadata, spec) := {
	"apiVersion": "networking.k8s.io/v1",
	"kind": "Ingress",
	"metadata": metadata,
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

nginx_spec := {"ingressClassName": "nginx", "rules": [{"host": "a.example.com"}]}

md := {"name": "web", "namespace": "demo"}

test_missing_annotations_adds_key if {
	patches := default_ssl_redirect.patch with input as request("CREATE", ingress(md, nginx_spec))
	patches == {key_patch}
}

test_null_annotations_adds_key if {
	obj := ingress(object.union(md, {"annotations": null}), nginx_spec)
	patches := default_ssl_redirect.patch with input as request("CREATE", obj)
	patches == {key_patch}
}

test_existing_annotations_adds_key if {
	obj := ingress(object.union(md, {"annotations": {"team": "a"}}), nginx_spec)
	patches := default_ssl_redirect.patch with input as request("CREATE", obj)
	patches == {key_patch}
}

test_empty_annotations_adds_key if {
	obj := ingress(object.union(md, {"annotations": {}}), nginx_spec)
	patches := default_ssl_redirect.patch with input as request("CREATE", obj)
	patches == {key_patch}
}

test_already_true_no_patch if {
	obj := ingress(
		object.union(md, {"annotations": {"nginx.ingress.kubernetes.io/force-ssl-redirect": "true"}}),
		nginx_spec,
	)
	count(default_ssl_redirect.patch) == 0 with input as request("CREATE", obj)
}

test_user_false_not_overwritten if {
	obj := ingress(
		object.union(md, {"annotations": {"nginx.ingress.kubernetes.io/force-ssl-redirect": "false"}}),
		nginx_spec,
	)
	count(default_ssl_redirect.patch) == 0 with input as request("CREATE", obj)
}

test_legacy_class_annotation if {
	obj := ingress(
		object.union(md, {"annotations": {"kubernetes.io/ingress.class": "nginx"}}),
		{"rules": [{"host": "a.example.com"}]},
	)
	patches := default_ssl_redirect.patch with input as request("CREATE", obj)
	patches == {key_patch}
}

test_class_name_wins_over_annotation if {
	obj := ingress(
		object.union(md, {"annotations": {"kubernetes.io/ingress.class": "nginx"}}),
		{"ingressClassName": "traefik", "rules": [{"host": "a.example.com"}]},
	)
	count(default_ssl_redirect.patch) == 0 with input as request("CREATE", obj)
}

test_non_nginx_class_no_patch if {
	obj := ingress(md, {"ingressClassName": "traefik", "rules": [{"host": "a.example.com"}]})
	count(default_ssl_redirect.patch) == 0 with input as request("CREATE", obj)
}

test_non_nginx_legacy_annotation_no_patch if {
	obj := ingress(
		object.union(md, {"annotations": {"kubernetes.io/ingress.class": "traefik"}}),
		{"rules": [{"host": "a.example.com"}]},
	)
	count(default_ssl_redirect.patch) == 0 with input as request("CREATE", obj)
}

test_no_class_no_patch if {
	obj := ingress(md, {"rules": [{"host": "a.example.com"}]})
	count(default_ssl_redirect.patch) == 0 with input as request("CREATE", obj)
}

test_update_patched if {
	patches := default_ssl_redirect.patch with input as request("UPDATE", ingress(md, nginx_spec))
	patches == {key_patch}
}

test_delete_no_patch if {
	req := {"request": {
		"kind": {"group": "networking.k8s.io", "version": "v1", "kind": "Ingress"},
		"name": "web",
		"namespace": "demo",
		"operation": "DELETE",
		"object": null,
		"oldObject": ingress(md, nginx_spec),
	}}
	count(default_ssl_redirect.patch) == 0 with input as req
}

test_other_kind_no_patch if {
	req := json.patch(request("CREATE", ingress(md, nginx_spec)), [{
		"op": "replace",
		"path": "/request/kind",
		"value": {"group": "", "version": "v1", "kind": "Service"},
	}])
	count(default_ssl_redirect.patch) == 0 with input as req
}

test_configured_classes if {
	obj := ingress(md, {"ingressClassName": "nginx-internal", "rules": [{"host": "a.example.com"}]})
	patches := default_ssl_redirect.patch
		with input as request("CREATE", obj)
		with data.apiguard.config as {"ingress": {"nginxClasses": ["nginx", "nginx-internal"]}}
	patches == {key_patch}
}

test_configured_classes_replace_default if {
	patches := default_ssl_redirect.patch
		with input as request("CREATE", ingress(md, nginx_spec))
		with data.apiguard.config as {"ingress": {"nginxClasses": ["nginx-internal"]}}
	count(patches) == 0
}

test_malformed_classes_use_default if {
	patches := default_ssl_redirect.patch
		with input as request("CREATE", ingress(md, nginx_spec))
		with data.apiguard.config as {"ingress": {"nginxClasses": "nginx-internal"}}
	patches == {key_patch}
}

test_escape_pointer if {
	default_ssl_redirect.escape_pointer("a/b~c") == "a~1b~0c"
}

# apply mimics the engine, which creates a missing parent map on "add".
apply(obj, patches) := json.patch(obj, array.concat(ensure_annotations(obj), [op | some op in patches]))

ensure_annotations(obj) := [] if {
	is_object(obj.metadata.annotations)
} else := [{"op": "add", "path": "/metadata/annotations", "value": {}}]

# Applying the patch set yields an object for which the patch set is empty.
idempotent(obj) if {
	patches := default_ssl_redirect.patch with input as request("CREATE", obj)
	count(patches) > 0
	patched := apply(obj, patches)
	patched.metadata.annotations["nginx.ingress.kubernetes.io/force-ssl-redirect"] == "true"
	count(default_ssl_redirect.patch) == 0 with input as request("UPDATE", patched)
}

test_idempotent_missing_annotations if {
	idempotent(ingress(md, nginx_spec))
}

test_idempotent_null_annotations if {
	idempotent(ingress(object.union(md, {"annotations": null}), nginx_spec))
}

test_idempotent_existing_annotations if {
	obj := ingress(object.union(md, {"annotations": {"team": "a"}}), nginx_spec)
	idempotent(obj)
}

test_patch_keeps_other_annotations if {
	obj := ingress(object.union(md, {"annotations": {"team": "a"}}), nginx_spec)
	patches := default_ssl_redirect.patch with input as request("CREATE", obj)
	patched := apply(obj, patches)
	patched.metadata.annotations == {"team": "a", "nginx.ingress.kubernetes.io/force-ssl-redirect": "true"}
}

test_audit_not_patched if {
	count(default_ssl_redirect.patch) == 0 with input as request("AUDIT", ingress(md, nginx_spec))
}

test_empty_class_name_falls_back_to_annotation if {
	obj := ingress(
		object.union(md, {"annotations": {"kubernetes.io/ingress.class": "nginx"}}),
		{"ingressClassName": "", "rules": [{"host": "a.example.com"}]},
	)
	patches := default_ssl_redirect.patch with input as request("CREATE", obj)
	patches == {key_patch}
}

test_non_string_classes_use_default if {
	patches := default_ssl_redirect.patch
		with input as request("CREATE", ingress(md, nginx_spec))
		with data.apiguard.config as {"ingress": {"nginxClasses": ["nginx-internal", 7]}}
	patches == {key_patch}
}

# The removed networking.k8s.io/v1beta1 Ingress is not patched
# (kubernetes.known_api_version denies it instead).
test_other_api_version_not_patched if {
	beta := object.union(request("CREATE", ingress(md, nginx_spec)), {"request": {"kind": {"version": "v1beta1"}}})
	count(default_ssl_redirect.patch) == 0 with input as beta
	default_ssl_redirect.patch == {key_patch} with input as request("CREATE", ingress(md, nginx_spec))
}

# ssl-redirect turned off (in any spelling ParseBool reads as false) is the user's
# choice; force-ssl-redirect would silently undo it, so nothing is added and
# ingress.no_plain_http denies the Ingress instead.
test_ssl_redirect_off_not_overridden if {
	every v in ["false", "0", "F"] {
		obj := ingress(
			object.union(md, {"annotations": {"nginx.ingress.kubernetes.io/ssl-redirect": v}}),
			nginx_spec,
		)
		count(default_ssl_redirect.patch) == 0 with input as request("CREATE", obj)
	}
}

# A value ParseBool refuses leaves ssl-redirect at its default (on), so the default is added.
test_ssl_redirect_unparsable_still_patched if {
	obj := ingress(
		object.union(md, {"annotations": {"nginx.ingress.kubernetes.io/ssl-redirect": " false"}}),
		nginx_spec,
	)
	default_ssl_redirect.patch == {key_patch} with input as request("CREATE", obj)
}

test_configured_annotation_prefixes if {
	patches := default_ssl_redirect.patch
		with input as request("CREATE", ingress(md, nginx_spec))
		with data.apiguard.config as {"ingress": {"nginxAnnotationPrefixes": ["custom.example.com", "nginx.ingress.kubernetes.io"]}}
	patches == {key_patch, {
		"op": "add",
		"path": "/metadata/annotations/custom.example.com~1force-ssl-redirect",
		"value": "true",
	}}
}
