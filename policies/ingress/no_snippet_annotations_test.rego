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

# auth-tls-pass-certificate-to-upstream is judged by value: "false" is its default.
test_pass_certificate_judged_by_value if {
	every v in ["true", "1", "T", "TRUE"] {
		count(no_snippet_annotations.deny) == 1 with input as request("CREATE", {"nginx.ingress.kubernetes.io/auth-tls-pass-certificate-to-upstream": v})
	}
	every v in ["false", "0", "F", "no", " true"] {
		count(no_snippet_annotations.deny) == 0 with input as request("CREATE", {"nginx.ingress.kubernetes.io/auth-tls-pass-certificate-to-upstream": v})
	}
}

test_mirror_values_the_fixed_controller_accepts_pass if {
	a := {
		"nginx.ingress.kubernetes.io/mirror-target": "https://collector.example.com$request_uri",
		"nginx.ingress.kubernetes.io/mirror-host": "collector.example.com",
		"nginx.ingress.kubernetes.io/auth-url": "https://auth.example.com/oauth2/auth?rd=$escaped_request_uri",
		"nginx.ingress.kubernetes.io/auth-tls-match-cn": "CN=(alice|bob)\\.example\\.com",
	}
	count(no_snippet_annotations.deny) == 0 with input as request("CREATE", a)
}

# CVE-2025-1098: the value ended the proxy_pass directive and opened a new block.
test_mirror_target_injection_denied if {
	a := {"nginx.ingress.kubernetes.io/mirror-target": "https://x.example.com;\n}\nlocation /leak { alias /var/run/secrets/;"}
	denies := no_snippet_annotations.deny with input as request("CREATE", a)
	count(denies) == 1
	some m in denies
	contains(m, "CVE-2025-1098")
	contains(m, "end an nginx directive")
}

test_mirror_host_quote_denied if {
	count(no_snippet_annotations.deny) == 1 with input as request("CREATE", {"nginx.ingress.kubernetes.io/mirror-host": "a.example.com\""})
	count(no_snippet_annotations.deny) == 1 with input as request("CREATE", {"nginx.ingress.kubernetes.io/mirror-host": "a.example.com}"})
}

# CVE-2025-24514: auth-url was pasted into "set $target ...;".
test_auth_url_injection_denied if {
	every v in ["http://a.example.com/;\nload_module /tmp/x.so;", "http://a.example.com/#x", "http://a.example.com/{", "http://a.example.com/'"] {
		denies := no_snippet_annotations.deny with input as request("CREATE", {"nginx.ingress.kubernetes.io/auth-url": v})
		count(denies) == 1
		some m in denies
		contains(m, "CVE-2025-24514")
	}
}

# CVE-2025-1097: auth-tls-match-cn was pasted into an if condition.
test_match_cn_denied if {
	every v in ["CN=a ) { return 200; } if ( $x", "O=corp", "CN=(", "CN=x\"", "cn=client"] {
		denies := no_snippet_annotations.deny with input as request("CREATE", {"nginx.ingress.kubernetes.io/auth-tls-match-cn": v})
		count(denies) == 1
		some m in denies
		contains(m, "CVE-2025-1097")
	}
	count(no_snippet_annotations.deny) == 0 with input as request("CREATE", {"nginx.ingress.kubernetes.io/auth-tls-match-cn": "CN=client-[0-9]{2}"})
}

test_injection_under_configured_prefix if {
	a := {"custom.example.com/auth-url": "http://a.example.com/;"}
	count(no_snippet_annotations.deny) == 0 with input as request("CREATE", a)
	count(no_snippet_annotations.deny) == 1
		with input as request("CREATE", a)
		with data.apiguard.config as {"ingress": {"nginxAnnotationPrefixes": ["custom.example.com"]}}
}

test_injection_key_case_ignored if {
	a := {"NGINX.ingress.kubernetes.io/Mirror-Target": "x;"}
	count(no_snippet_annotations.deny) == 1 with input as request("CREATE", a)
}

test_haproxy_raw_config_denied if {
	every k in [
		"haproxy-ingress.github.io/config-backend",
		"ingress.kubernetes.io/config-backend",
		"haproxy-ingress.github.io/config-tcp-service",
		"Haproxy-Ingress.github.io/Config-Defaults",
	] {
		denies := no_snippet_annotations.deny with input as request("CREATE", {k: "http-request deny"})
		count(denies) == 1
		some m in denies
		contains(m, "raw HAProxy configuration")
	}
	count(no_snippet_annotations.deny) == 1 with input as request("CREATE", {"haproxy.org/backend-config-snippet": "x"})
	count(no_snippet_annotations.deny) == 0 with input as request("CREATE", {"haproxy.org/config-backend": "x"})
	count(no_snippet_annotations.deny) == 0 with input as request("CREATE", {"haproxy-ingress.github.io/timeout-server": "30s"})
}

test_haproxy_configured_prefixes if {
	count(no_snippet_annotations.deny) == 0
		with input as request("CREATE", {"ingress.kubernetes.io/config-backend": "x"})
		with data.apiguard.config as {"ingress": {"haproxyIngressAnnotationPrefixes": ["haproxy-ingress.github.io"]}}
}

test_dangerous_key_case_ignored if {
	a := {"NGINX.ingress.kubernetes.io/Permanent-Redirect": "x"}
	count(no_snippet_annotations.deny) == 1
		with input as request("CREATE", a)
		with data.apiguard.config as {"ingress": {"dangerousAnnotations": ["nginx.ingress.kubernetes.io/permanent-redirect"]}}
}

test_configured_list_denies_whatever_the_value if {
	a := {
		"nginx.ingress.kubernetes.io/mirror-target": "https://collector.example.com",
		"nginx.ingress.kubernetes.io/permanent-redirect": "https://a.example.com",
	}
	count(no_snippet_annotations.deny) == 0 with input as request("CREATE", a)
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
	count(no_snippet_annotations.deny) == 0
		with input as request("CREATE", a)
		with data.apiguard.config as {"ingress": {"dangerousAnnotations": "nginx.ingress.kubernetes.io/mirror-target"}}
}

# A listed key is reported once, by the list, not again by its value rule.
test_listed_injectable_reported_once if {
	a := {"nginx.ingress.kubernetes.io/mirror-target": "x;"}
	denies := no_snippet_annotations.deny
		with input as request("CREATE", a)
		with data.apiguard.config as {"ingress": {"dangerousAnnotations": ["nginx.ingress.kubernetes.io/mirror-target"]}}
	count(denies) == 1
	some m in denies
	contains(m, "dangerous-annotation list")
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

# CVE-2025-15566: the ConfigMap behind auth-proxy-set-headers cannot be seen, so it warns.
test_auth_proxy_set_headers_warned if {
	a := {"nginx.ingress.kubernetes.io/auth-proxy-set-headers": "demo/auth-headers"}
	count(no_snippet_annotations.deny) == 0 with input as request("CREATE", a)
	warnings := no_snippet_annotations.warn with input as request("CREATE", a)
	count(warnings) == 1
	some m in warnings
	contains(m, `ConfigMap "demo/auth-headers"`)
	count(no_snippet_annotations.warn) == 0 with input as request("CREATE", null)
}

# CVE-2023-5044: permanent-redirect was pasted into "return 301 ...;".
test_redirect_values if {
	count(no_snippet_annotations.deny) == 0 with input as request("CREATE", {"nginx.ingress.kubernetes.io/permanent-redirect": "https://www.example.com/new"})
	count(no_snippet_annotations.deny) == 1 with input as request("CREATE", {"nginx.ingress.kubernetes.io/permanent-redirect": "https://x.example.com;\nlocation /y { alias /var/run/secrets/; }"})
	count(no_snippet_annotations.deny) == 1 with input as request("CREATE", {"nginx.ingress.kubernetes.io/temporal-redirect": "https://x.example.com/ 302; #"})
}

# rewrite-target is written unquoted into "rewrite \"(?i)<path>\" <target> break;" (template.go buildProxyPass).
test_rewrite_target_values if {
	count(no_snippet_annotations.deny) == 0 with input as request("CREATE", {"nginx.ingress.kubernetes.io/rewrite-target": "/$2"})
	count(no_snippet_annotations.deny) == 1 with input as request("CREATE", {"nginx.ingress.kubernetes.io/rewrite-target": "/ break;}location /x{alias /etc/;"})
	count(no_snippet_annotations.deny) == 1 with input as request("CREATE", {"nginx.ingress.kubernetes.io/app-root": "/app; return 200"})
}
