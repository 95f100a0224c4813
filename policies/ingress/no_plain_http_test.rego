package ingress.no_plain_http_test

import data.ingress.no_plain_http

request(operation, annotations) := request_spec(operation, annotations, {"rules": [{"host": "a.example.com"}]})

request_spec(operation, annotations, spec) := {"request": {
	"uid": "1",
	"kind": {"group": "networking.k8s.io", "version": "v1", "kind": "Ingress"},
	"name": "web",
	"namespace": "demo",
	"operation": operation,
	"object": {
		"apiVersion": "networking.k8s.io/v1",
		"kind": "Ingress",
		"metadata": {"name": "web", "namespace": "demo", "annotations": annotations},
		"spec": spec,
	},
}}

gce(annotations) := request("CREATE", object.union({"kubernetes.io/ingress.class": "gce"}, annotations))

allow_http_patch := {
	"op": "add",
	"path": "/metadata/annotations/kubernetes.io~1ingress.allow-http",
	"value": "false",
}

test_secure_annotations_pass if {
	a := {
		"kubernetes.io/ingress.allow-http": "false",
		"nginx.ingress.kubernetes.io/ssl-redirect": "true",
		"nginx.ingress.kubernetes.io/force-ssl-redirect": "false",
	}
	count(no_plain_http.deny) == 0 with input as request("CREATE", a)
}

test_no_annotations_pass if {
	count(no_plain_http.deny) == 0 with input as request("CREATE", null)
	count(no_plain_http.patch) == 0 with input as request("CREATE", null)
}

test_allow_http_denied if {
	denies := no_plain_http.deny with input as request("CREATE", {"kubernetes.io/ingress.allow-http": "true"})
	denies == {`Ingress demo/web: annotation "kubernetes.io/ingress.allow-http" is "true", which the load balancer reads as true, so it also serves plain HTTP on port 80; set it to "false"`}
}

# Every spelling strconv.ParseBool reads as true turns port 80 on.
test_allow_http_every_true_spelling_denied if {
	every v in ["1", "t", "T", "TRUE", "true", "True"] {
		count(no_plain_http.deny) == 1 with input as request("CREATE", {"kubernetes.io/ingress.allow-http": v})
	}
}

test_ssl_redirect_false_denied if {
	denies := no_plain_http.deny with input as request("CREATE", {"nginx.ingress.kubernetes.io/ssl-redirect": "false"})
	denies == {`Ingress demo/web: annotation "nginx.ingress.kubernetes.io/ssl-redirect" is "false", which ingress-nginx reads as false, so HTTP requests are served without redirecting to HTTPS; remove it, or set "nginx.ingress.kubernetes.io/force-ssl-redirect" to "true"`}
}

test_ssl_redirect_every_false_spelling_denied if {
	every v in ["0", "f", "F", "FALSE", "false", "False"] {
		count(no_plain_http.deny) == 1 with input as request("CREATE", {"nginx.ingress.kubernetes.io/ssl-redirect": v})
	}
}

# ParseBool refuses these, so ingress-nginx keeps its default (redirect).
test_ssl_redirect_unparsable_is_default if {
	every v in [" false", "false ", "no", "off", "fAlse", "", "0.0"] {
		count(no_plain_http.deny) == 0 with input as request("CREATE", {"nginx.ingress.kubernetes.io/ssl-redirect": v})
	}
}

# force-ssl-redirect redirects whatever ssl-redirect says (lua_ingress.lua).
test_force_ssl_redirect_wins if {
	a := {"nginx.ingress.kubernetes.io/ssl-redirect": "false", "nginx.ingress.kubernetes.io/force-ssl-redirect": "1"}
	count(no_plain_http.deny) == 0 with input as request("CREATE", a)
	b := {"nginx.ingress.kubernetes.io/ssl-redirect": "false", "nginx.ingress.kubernetes.io/force-ssl-redirect": "yes"}
	count(no_plain_http.deny) == 1 with input as request("CREATE", b)
}

test_both_reported_with_controller_spellings if {
	a := {"kubernetes.io/ingress.allow-http": "T", "nginx.ingress.kubernetes.io/ssl-redirect": "FALSE"}
	count(no_plain_http.deny) == 2 with input as request("CREATE", a)
}

# " True " is no boolean to ParseBool; outside ingress-gce nothing reads allow-http.
test_unparsable_allow_http_outside_gce_passes if {
	count(no_plain_http.deny) == 0 with input as request("CREATE", {"kubernetes.io/ingress.allow-http": " True "})
}

test_non_string_value_ignored if {
	count(no_plain_http.deny) == 0 with input as request("CREATE", {"kubernetes.io/ingress.allow-http": true})
}

test_configured_nginx_prefix if {
	a := {"custom.example.com/ssl-redirect": "0"}
	count(no_plain_http.deny) == 0 with input as request("CREATE", a)
	count(no_plain_http.deny) == 1
		with input as request("CREATE", a)
		with data.apiguard.config as {"ingress": {"nginxAnnotationPrefixes": ["custom.example.com"]}}
}

# The controller looks keys up exactly; another prefix or case is not read.
test_other_prefix_not_read if {
	count(no_plain_http.deny) == 0 with input as request("CREATE", {"NGINX.ingress.kubernetes.io/ssl-redirect": "false"})
}

# ingress-gce

test_gce_without_allow_http_denied_and_patched if {
	denies := no_plain_http.deny with input as gce({})
	denies == {`Ingress demo/web: ingress-gce (class "gce") serves plain HTTP on port 80 unless annotation "kubernetes.io/ingress.allow-http" is "false"; add it`}
	no_plain_http.patch == {allow_http_patch} with input as gce({})
}

test_gce_false_spellings_pass if {
	every v in ["false", "0", "f", "F", "FALSE", "False"] {
		count(no_plain_http.deny) == 0 with input as gce({"kubernetes.io/ingress.allow-http": v})
		count(no_plain_http.patch) == 0 with input as gce({"kubernetes.io/ingress.allow-http": v})
	}
}

test_gce_unparsable_denied_not_patched if {
	every v in [" false", "no", "off", "", "False "] {
		denies := no_plain_http.deny with input as gce({"kubernetes.io/ingress.allow-http": v})
		count(denies) == 1
		some m in denies
		contains(m, "cannot parse as a boolean")
		count(no_plain_http.patch) == 0 with input as gce({"kubernetes.io/ingress.allow-http": v})
	}
}

test_gce_internal_and_class_name if {
	count(no_plain_http.deny) == 1 with input as request("CREATE", {"kubernetes.io/ingress.class": "gce-internal"})
	count(no_plain_http.deny) == 1 with input as request_spec("CREATE", null, {"ingressClassName": "gce"})
	count(no_plain_http.deny) == 0 with input as request_spec("CREATE", null, {"ingressClassName": "nginx"})
}

# A non-empty class annotation wins over spec.ingressClassName (IsGCEIngress).
test_gce_annotation_wins if {
	a := {"kubernetes.io/ingress.class": "nginx"}
	count(no_plain_http.deny) == 0 with input as request_spec("CREATE", a, {"ingressClassName": "gce"})
	b := {"kubernetes.io/ingress.class": "gce"}
	count(no_plain_http.deny) == 1 with input as request_spec("CREATE", b, {"ingressClassName": "nginx"})
}

test_gce_unclassed_only_when_configured if {
	count(no_plain_http.deny) == 0 with input as request("CREATE", null)
	count(no_plain_http.deny) == 1
		with input as request("CREATE", null)
		with data.apiguard.config as {"ingress": {"gceServesUnclassed": true}}
}

test_gce_classes_configured if {
	a := {"kubernetes.io/ingress.class": "gce-eu"}
	count(no_plain_http.deny) == 0 with input as request("CREATE", a)
	count(no_plain_http.deny) == 1
		with input as request("CREATE", a)
		with data.apiguard.config as {"ingress": {"gceClasses": ["gce-eu"]}}
	count(no_plain_http.deny) == 1
		with input as gce({})
		with data.apiguard.config as {"ingress": {"gceClasses": "gce-eu"}}
}

test_gce_frontend_config_warned_not_patched if {
	a := {"networking.gke.io/v1beta1.FrontendConfig": "redirect"}
	count(no_plain_http.deny) == 0 with input as gce(a)
	count(no_plain_http.warn) == 1 with input as gce(a)
	count(no_plain_http.patch) == 0 with input as gce(a)
	count(no_plain_http.warn) == 0 with input as gce(object.union(a, {"kubernetes.io/ingress.allow-http": "false"}))
}

test_gce_patch_idempotent if {
	req := gce({})
	patched := json.patch(req.request.object, [op | some op in no_plain_http.patch with input as req])
	patched.metadata.annotations["kubernetes.io/ingress.allow-http"] == "false"
	again := json.patch(req, [{"op": "replace", "path": "/request/object", "value": patched}])
	count(no_plain_http.patch) == 0 with input as again
	count(no_plain_http.deny) == 0 with input as again
}

test_gce_patch_only_v1_writes if {
	beta := json.patch(gce({}), [{"op": "replace", "path": "/request/kind/version", "value": "v1beta1"}])
	count(no_plain_http.patch) == 0 with input as beta
	audit := json.patch(gce({}), [{"op": "replace", "path": "/request/operation", "value": "AUDIT"}])
	count(no_plain_http.patch) == 0 with input as audit
	count(no_plain_http.deny) == 1 with input as audit
}

test_update_and_audit_judged if {
	a := {"kubernetes.io/ingress.allow-http": "true"}
	count(no_plain_http.deny) == 1 with input as request("UPDATE", a)
	count(no_plain_http.deny) == 1 with input as request("AUDIT", a)
}

test_delete_not_denied if {
	req := {"request": {
		"kind": {"group": "networking.k8s.io", "version": "v1", "kind": "Ingress"},
		"name": "web",
		"namespace": "demo",
		"operation": "DELETE",
		"object": null,
		"oldObject": gce({"kubernetes.io/ingress.allow-http": "true"}).request.object,
	}}
	count(no_plain_http.deny) == 0 with input as req
	count(no_plain_http.patch) == 0 with input as req
}

test_other_kind_ignored if {
	req := json.patch(gce({"kubernetes.io/ingress.allow-http": "true"}), [{
		"op": "replace",
		"path": "/request/kind",
		"value": {"group": "", "version": "v1", "kind": "Service"},
	}])
	count(no_plain_http.deny) == 0 with input as req
	count(no_plain_http.patch) == 0 with input as req
}
