package contour.default_tls_version_test

import data.contour.default_tls_version

request(operation, version, tls) := {"request": {
	"uid": "1",
	"kind": {"group": "projectcontour.io", "version": version, "kind": "HTTPProxy"},
	"name": "web",
	"namespace": "shop",
	"operation": operation,
	"object": {
		"apiVersion": sprintf("projectcontour.io/%s", [version]),
		"kind": "HTTPProxy",
		"metadata": {"name": "web", "namespace": "shop"},
		"spec": {
			"virtualhost": {"fqdn": "shop.example.com", "tls": tls},
			"routes": [{"services": [{"name": "web", "port": 80}]}],
		},
	},
}}

add(v) := {"op": "add", "path": "/spec/virtualhost/tls/minimumProtocolVersion", "value": v}

test_adds_minimum if {
	default_tls_version.patch == {add("1.2")} with input as request("CREATE", "v1", {"secretName": "shop-tls"})
	default_tls_version.patch == {add("1.2")} with input as request("UPDATE", "v1", {"secretName": "shop-tls", "minimumProtocolVersion": null})
	default_tls_version.patch == {add("1.3")} with input as request("CREATE", "v1", {"secretName": "shop-tls"}) with data.apiguard.config as {"contour": {"minimumProtocolVersion": "1.3"}}
	default_tls_version.patch == {add("1.2")} with input as request("CREATE", "v1", {"secretName": "shop-tls"}) with data.apiguard.config as {"contour": {"minimumProtocolVersion": "1.1"}}
}

# Never overwrites: any value the user set, "" and "1.1" included (contour.tls_min_version judges those).
test_keeps_user_value if {
	every v in ["1.2", "1.3", "", "1.1"] {
		count(default_tls_version.patch) == 0 with input as request("CREATE", "v1", {"secretName": "shop-tls", "minimumProtocolVersion": v})
	}
}

# Idempotent: the patched object gets no further patch.
test_idempotent if {
	req := request("CREATE", "v1", {"secretName": "shop-tls"})
	patched := json.patch(req, [{"op": "add", "path": "/request/object/spec/virtualhost/tls/minimumProtocolVersion", "value": "1.2"}])
	count(default_tls_version.patch) == 0 with input as patched
}

# Only where Contour terminates TLS with a certificate, on v1, on writes of HTTPProxies.
test_not_applied if {
	count(default_tls_version.patch) == 0 with input as request("CREATE", "v1", {"passthrough": true})
	count(default_tls_version.patch) == 0 with input as request("CREATE", "v1", {"secretName": "shop-tls", "passthrough": true})
	count(default_tls_version.patch) == 0 with input as request("CREATE", "v1", {"secretName": ""})
	count(default_tls_version.patch) == 0 with input as request("CREATE", "v2", {"secretName": "shop-tls"})
	count(default_tls_version.patch) == 0 with input as request("AUDIT", "v1", {"secretName": "shop-tls"})
	count(default_tls_version.patch) == 0 with input as json.patch(request("CREATE", "v1", {"secretName": "shop-tls"}), [{"op": "replace", "path": "/request/kind/group", "value": "example.com"}])
	no_tls := json.patch(request("CREATE", "v1", {}), [{"op": "remove", "path": "/request/object/spec/virtualhost/tls"}])
	count(default_tls_version.patch) == 0 with input as no_tls
	count(default_tls_version.patch) == 0 with input as json.patch(request("CREATE", "v1", {}), [{"op": "remove", "path": "/request/object/spec/virtualhost"}])
}

test_delete_not_patched if {
	req := request("DELETE", "v1", {"secretName": "shop-tls"})
	del := json.patch(req, [{"op": "add", "path": "/request/oldObject", "value": req.request.object}])
	count(default_tls_version.patch) == 0 with input as del
}
