package ingress.no_plain_http_test

import data.ingress.no_plain_http

request(operation, annotations) := {"request": {
	"uid": "1",
	"kind": {"group": "networking.k8s.io", "version": "v1", "kind": "Ingress"},
	"name": "web",
	"namespace": "demo",
	"operation": operation,
	"object": {
		"apiVersion": "networking.k8s.io/v1",
		"kind": "Ingress",
		"metadata": {"name": "web", "namespace": "demo", "annotations": annotations},
		"spec": {"rules": [{"host": "a.example.com"}]},
	},
}}

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
}

test_allow_http_denied if {
	denies := no_plain_http.deny with input as request("CREATE", {"kubernetes.io/ingress.allow-http": "true"})
	denies == {`Ingress demo/web: annotation "kubernetes.io/ingress.allow-http" is "true", so the load balancer also serves plain HTTP; set it to "false"`}
}

test_ssl_redirect_false_denied if {
	denies := no_plain_http.deny with input as request("CREATE", {"nginx.ingress.kubernetes.io/ssl-redirect": "false"})
	denies == {`Ingress demo/web: annotation "nginx.ingress.kubernetes.io/ssl-redirect" is "false", so HTTP requests are served without redirecting to HTTPS; remove it or set it to "true"`}
}

test_both_reported_and_values_normalised if {
	a := {"kubernetes.io/ingress.allow-http": " True ", "nginx.ingress.kubernetes.io/ssl-redirect": "FALSE"}
	count(no_plain_http.deny) == 2 with input as request("CREATE", a)
}

test_non_string_value_ignored if {
	count(no_plain_http.deny) == 0 with input as request("CREATE", {"kubernetes.io/ingress.allow-http": true})
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
		"oldObject": request("CREATE", {"kubernetes.io/ingress.allow-http": "true"}).request.object,
	}}
	count(no_plain_http.deny) == 0 with input as req
}

test_other_kind_ignored if {
	req := json.patch(request("CREATE", {"kubernetes.io/ingress.allow-http": "true"}), [{
		"op": "replace",
		"path": "/request/kind",
		"value": {"group": "", "version": "v1", "kind": "Service"},
	}])
	count(no_plain_http.deny) == 0 with input as req
}
