package ingress.no_controller_internal_paths_test

import data.ingress.no_controller_internal_paths as policy

request(annotations, paths) := {"request": {
	"uid": "1",
	"kind": {"group": "networking.k8s.io", "version": "v1", "kind": "Ingress"},
	"name": "web",
	"namespace": "demo",
	"operation": "CREATE",
	"object": {
		"apiVersion": "networking.k8s.io/v1",
		"kind": "Ingress",
		"metadata": {"name": "web", "namespace": "demo", "annotations": annotations},
		"spec": {"rules": [{"host": "a.example.com", "http": {"paths": paths}}]},
	},
}}

path(p, t) := {"path": p, "pathType": t, "backend": {"service": {"name": "web", "port": {"number": 80}}}}

denies(annotations, p, t) := d if {
	d := policy.deny with input as request(annotations, [path(p, t)])
}

test_plain_paths_pass if {
	every p in ["/", "/api", "/api/v1/users", "/static/app-1.2.js", "/~user", "/etcetera", "/a..b"] {
		every t in ["Prefix", "Exact", "ImplementationSpecific"] {
			count(denies(null, p, t)) == 0
		}
	}
}

test_regex_paths_pass if {
	r := {"nginx.ingress.kubernetes.io/use-regex": "true"}
	every p in ["/api/v[0-9]+/(users|groups)", "/something(/|$)(.*)", "/x{2,3}", "/.*\\.(js|css)$"] {
		count(denies(r, p, "ImplementationSpecific")) == 0
	}
}

test_message if {
	denies(null, "/var/run/secrets/kubernetes.io/serviceaccount", "Prefix") == {`Ingress demo/web: spec.rules[0].http.paths[0].path "/var/run/secrets/kubernetes.io/serviceaccount" (pathType Prefix) names a controller-internal file that ingress-nginx's own inspector refuses; use a plain URL path of letters, digits and - . _ ~ /`}
}

# CVE-2021-25745: a path that closes the location and opens one serving the token.
test_injection_on_every_path_type if {
	p := "/x { alias /var/run/secrets/kubernetes.io/serviceaccount/; } location /y"
	every t in ["Prefix", "Exact", "ImplementationSpecific"] {
		count(denies(null, p, t)) >= 2
	}
	every q in ["/x;", "/x\"", "/x'", "/x\n", "/x y", "/x\\", "/x}"] {
		count(denies(null, q, "Prefix")) >= 1
	}
}

test_controller_denylist_on_every_path_type if {
	every p in ["/etc/passwd", "/a/etc/nginx/nginx.conf", "/var/run/secrets", "/x_by_lua_block"] {
		every t in ["Prefix", "Exact", "ImplementationSpecific"] {
			count(denies(null, p, t)) >= 1
		}
	}
}

test_traversal_and_internal_only_in_regex_mode if {
	every p in ["/../etc", "/static/..", "/a/%2e%2e/b", "/a%2Fb", "/etc", "/etc/config", "/proc/self/environ", "/root", "/run/secrets/x"] {
		count(denies(null, p, "ImplementationSpecific")) >= 1
		count(denies({"nginx.ingress.kubernetes.io/use-regex": "1"}, p, "Prefix")) >= 1
		count(denies({"nginx.ingress.kubernetes.io/rewrite-target": "/$2"}, p, "Prefix")) >= 1
	}
	every p in ["/etc/config", "/root", "/proc"] {
		count(denies(null, p, "Prefix")) == 0
		count(denies({"nginx.ingress.kubernetes.io/use-regex": "yes"}, p, "Prefix")) == 0
	}
}

test_braces_only_as_regex_repetitions if {
	count(denies(null, "/x{2}", "Prefix")) == 1
	count(denies({"nginx.ingress.kubernetes.io/use-regex": "true"}, "/x{2}", "Prefix")) == 0
	count(denies(null, "/x{2}", "ImplementationSpecific")) == 0
	count(denies(null, "/x{a}", "ImplementationSpecific")) == 1
}

test_configured_prefix_regex_mode if {
	r := {"custom.example.com/use-regex": "true"}
	count(denies(r, "/etc", "Prefix")) == 0
	count(policy.deny) == 1
		with input as request(r, [path("/etc", "Prefix")])
		with data.apiguard.config as {"ingress": {"nginxAnnotationPrefixes": ["custom.example.com"]}}
}

test_every_path_reported if {
	paths := [path("/ok", "Prefix"), path("/etc", "ImplementationSpecific"), path("/var/run/secrets", "Exact")]
	count(policy.deny) == 2 with input as request(null, paths)
}

test_missing_path_and_http_ignored if {
	req := {"request": {
		"kind": {"group": "networking.k8s.io", "version": "v1", "kind": "Ingress"},
		"operation": "CREATE",
		"object": {"metadata": {"name": "web"}, "spec": {"rules": [{"host": "a.example.com"}, {"http": {"paths": [{"pathType": "Prefix"}]}}]}},
	}}
	count(policy.deny) == 0 with input as req
}

test_delete_and_other_kinds_ignored if {
	req := request(null, [path("/etc/passwd", "Prefix")])
	del := json.patch(req, [
		{"op": "replace", "path": "/request/operation", "value": "DELETE"},
		{"op": "add", "path": "/request/oldObject", "value": req.request.object},
		{"op": "replace", "path": "/request/object", "value": null},
	])
	count(policy.deny) == 0 with input as del
	svc := json.patch(req, [{"op": "replace", "path": "/request/kind", "value": {"group": "", "version": "v1", "kind": "Service"}}])
	count(policy.deny) == 0 with input as svc
	audit := json.patch(req, [{"op": "replace", "path": "/request/operation", "value": "AUDIT"}])
	count(policy.deny) == 1 with input as audit
}
