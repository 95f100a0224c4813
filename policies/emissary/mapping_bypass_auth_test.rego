package emissary.mapping_bypass_auth_test

import data.emissary.mapping_bypass_auth

request(operation, spec) := {"request": {
	"uid": "1",
	"kind": {"group": "getambassador.io", "version": "v3alpha1", "kind": "Mapping"},
	"name": "login",
	"namespace": "shop",
	"operation": operation,
	"object": {
		"apiVersion": "getambassador.io/v3alpha1",
		"kind": "Mapping",
		"metadata": {"name": "login", "namespace": "shop"},
		"spec": spec,
	},
}}

spec(extra) := object.union({"hostname": "shop.example.com", "prefix": "/admin/", "service": "admin.shop"}, extra)

deny_msg := "Mapping shop/login: spec.bypass_auth is true, so requests for prefix \"/admin/\" skip the AuthService and reach service \"admin.shop\" without authentication; remove bypass_auth, or have the platform list this namespace and prefix in emissary.bypassAuthAllowed"

test_bypass_auth_denied if {
	every op in ["CREATE", "UPDATE", "AUDIT"] {
		mapping_bypass_auth.deny == {deny_msg} with input as request(op, spec({"bypass_auth": true}))
	}
}

# v3route.py disables ext_authz only when bypass_auth is truthy; false and absent keep it.
test_no_bypass_allowed if {
	count(mapping_bypass_auth.deny) == 0 with input as request("CREATE", spec({}))
	count(mapping_bypass_auth.deny) == 0 with input as request("CREATE", spec({"bypass_auth": false}))
}

test_delete_and_other_group_or_version_not_judged if {
	req := request("DELETE", spec({"bypass_auth": true}))
	del := json.patch(req, [{"op": "add", "path": "/request/oldObject", "value": req.request.object}])
	count(mapping_bypass_auth.deny) == 0 with input as del
	other := json.patch(request("CREATE", spec({"bypass_auth": true})), [{"op": "replace", "path": "/request/kind/group", "value": "example.com"}])
	count(mapping_bypass_auth.deny) == 0 with input as other
	v2 := json.patch(request("CREATE", spec({"bypass_auth": true})), [{"op": "replace", "path": "/request/kind/version", "value": "v2"}])
	count(mapping_bypass_auth.deny) == 0 with input as v2
}

allowances := {"emissary": {"bypassAuthAllowed": [
	{"namespace": "sh*", "prefix": "/healthz"},
	{"namespace": "other", "prefix": "/admin/"},
	{"namespace": "shop"},
	"junk",
]}}

test_allowances if {
	count(mapping_bypass_auth.deny) == 0 with input as request("CREATE", spec({"bypass_auth": true, "prefix": "/healthz"}))
		with data.apiguard.config as allowances
	count(mapping_bypass_auth.deny) == 0 with input as request("CREATE", spec({"bypass_auth": true, "prefix": "/healthz/live"}))
		with data.apiguard.config as allowances

	# Another namespace's allowance, an entry without prefix (allows nothing), a
	# shorter prefix than allowed, and a regex prefix do not pass.
	count(mapping_bypass_auth.deny) == 1 with input as request("CREATE", spec({"bypass_auth": true}))
		with data.apiguard.config as allowances
	count(mapping_bypass_auth.deny) == 1 with input as request("CREATE", spec({"bypass_auth": true, "prefix": "/"}))
		with data.apiguard.config as allowances
	count(mapping_bypass_auth.deny) == 1 with input as request("CREATE", spec({"bypass_auth": true, "prefix": "/healthz.*", "prefix_regex": true}))
		with data.apiguard.config as allowances
}
