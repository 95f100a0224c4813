package tyk.default_hardening_test

import data.tyk.default_hardening

request(operation, obj) := {"request": {
	"uid": "1",
	"kind": {"group": "tyk.tyk.io", "version": "v1alpha1", "kind": "ApiDefinition"},
	"name": "httpbin",
	"namespace": "demo",
	"operation": operation,
	"object": obj,
}}

api(spec) := {
	"apiVersion": "tyk.tyk.io/v1alpha1",
	"kind": "ApiDefinition",
	"metadata": {"name": "httpbin", "namespace": "demo"},
	"spec": spec,
}

patches(obj) := ops if {
	ops := default_hardening.patch with input as request("CREATE", obj)
}

# applied returns obj after its patches; json.patch, unlike the engine, does not
# create missing parents, so this also checks the ops are self-contained.
applied(obj) := json.patch(obj, [op | some op in patches(obj)])

idempotent(obj) if count(patches(applied(obj))) == 0

hardened := {"strip_auth_data": true, "proxy": {"transport": {"ssl_min_version": 771}}}

test_no_proxy_gets_whole_map if {
	obj := api({"name": "httpbin", "use_standard_auth": true})
	patches(obj) == {
		{"op": "add", "path": "/spec/strip_auth_data", "value": true},
		{"op": "add", "path": "/spec/proxy", "value": {"transport": {"ssl_min_version": 771}}},
	}
	applied(obj).spec == object.union(obj.spec, hardened)
	idempotent(obj)
}

test_proxy_without_transport_gets_transport_map if {
	obj := api({"proxy": {"target_url": "http://httpbin.demo.svc", "listen_path": "/httpbin"}})
	patches(obj) == {
		{"op": "add", "path": "/spec/strip_auth_data", "value": true},
		{"op": "add", "path": "/spec/proxy/transport", "value": {"ssl_min_version": 771}},
	}
	applied(obj).spec.proxy == {"target_url": "http://httpbin.demo.svc", "listen_path": "/httpbin", "transport": {"ssl_min_version": 771}}
	idempotent(obj)
}

test_transport_without_version_gets_the_key if {
	obj := api({"strip_auth_data": true, "proxy": {"transport": {"ssl_ciphers": ["TLS_AES_128_GCM_SHA256"]}}})
	patches(obj) == {{"op": "add", "path": "/spec/proxy/transport/ssl_min_version", "value": 771}}
	applied(obj).spec.proxy.transport == {"ssl_ciphers": ["TLS_AES_128_GCM_SHA256"], "ssl_min_version": 771}
	idempotent(obj)
}

test_no_spec_gets_whole_spec if {
	obj := object.remove(api({}), ["spec"])
	patches(obj) == {{"op": "add", "path": "/spec", "value": hardened}}
	idempotent(obj)
}

test_null_values_count_as_unset if {
	obj := api({"strip_auth_data": null, "proxy": {"transport": null}})
	patches(obj) == {
		{"op": "add", "path": "/spec/strip_auth_data", "value": true},
		{"op": "add", "path": "/spec/proxy/transport", "value": {"ssl_min_version": 771}},
	}
	idempotent(obj)
}

test_user_values_never_overwritten if {
	every spec in [
		{"strip_auth_data": false, "proxy": {"transport": {"ssl_min_version": 769}}},
		hardened,
		{"strip_auth_data": "no", "proxy": {"transport": {"ssl_min_version": "772"}}},
	] {
		count(patches(api(spec))) == 0
	}
}

test_non_map_parents_left_alone if {
	count(patches(api({"strip_auth_data": true, "proxy": "http://x"}))) == 0
	count(patches(api({"strip_auth_data": true, "proxy": {"transport": []}}))) == 0
	count(patches(json.patch(api({}), [{"op": "replace", "path": "/spec", "value": "x"}]))) == 0
}

test_update_patched if {
	count(default_hardening.patch) == 2 with input as request("UPDATE", api({}))
}

test_audit_and_delete_not_patched if {
	count(default_hardening.patch) == 0 with input as request("AUDIT", api({}))
	req := {"request": {
		"kind": {"group": "tyk.tyk.io", "version": "v1alpha1", "kind": "ApiDefinition"},
		"operation": "DELETE",
		"object": null,
		"oldObject": api({}),
	}}
	count(default_hardening.patch) == 0 with input as req
}

test_other_kind_or_group_ignored if {
	req := request("CREATE", api({}))
	count(default_hardening.patch) == 0 with input as json.patch(req, [{"op": "replace", "path": "/request/kind/group", "value": "example.com"}])
	count(default_hardening.patch) == 0 with input as json.patch(req, [{"op": "replace", "path": "/request/kind/kind", "value": "SecurityPolicy"}])
}

# Another API version of the kind has another schema: nothing is added to it
# (kubernetes.known_api_version denies it instead).
test_other_api_version_not_patched if {
	obj := api({"name": "httpbin", "use_standard_auth": true})
	v2 := object.union(request("CREATE", obj), {"request": {"kind": {"version": "v2"}}})
	count(default_hardening.patch) == 0 with input as v2
	count(patches(obj)) > 0
}
