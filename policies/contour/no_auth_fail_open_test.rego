package contour.no_auth_fail_open_test

import data.contour.no_auth_fail_open

request(operation, namespace, authorization) := {"request": {
	"uid": "1",
	"kind": {"group": "projectcontour.io", "version": "v1", "kind": "HTTPProxy"},
	"name": "api",
	"namespace": namespace,
	"operation": operation,
	"object": {
		"apiVersion": "projectcontour.io/v1",
		"kind": "HTTPProxy",
		"metadata": {"name": "api", "namespace": namespace},
		"spec": {
			"virtualhost": {"fqdn": "api.example.com", "tls": {"secretName": "api-tls"}, "authorization": authorization},
			"routes": [{"services": [{"name": "api", "port": 80}]}],
		},
	},
}}

fail_open := {"extensionRef": {"name": "authserver", "namespace": "auth"}, "failOpen": true}

deny_msg := "HTTPProxy shop/api: spec.virtualhost.authorization.failOpen is true, so when the authorization server fails or cannot be reached, requests reach the services unauthorized; remove failOpen, or list the namespace in apiguard.config.contour.failOpenNamespaces while migrating"

test_fail_open_denied if {
	no_auth_fail_open.deny == {deny_msg} with input as request("CREATE", "shop", fail_open)
	no_auth_fail_open.deny == {deny_msg} with input as request("UPDATE", "shop", fail_open)
	no_auth_fail_open.deny == {deny_msg} with input as request("AUDIT", "shop", fail_open)
}

# Envoy's failure_mode_allow is false unless the boolean is true.
test_fail_closed_allowed if {
	count(no_auth_fail_open.deny) == 0 with input as request("CREATE", "shop", {"extensionRef": {"name": "authserver", "namespace": "auth"}})
	count(no_auth_fail_open.deny) == 0 with input as request("CREATE", "shop", object.union(fail_open, {"failOpen": false}))
	count(no_auth_fail_open.deny) == 0 with input as request("CREATE", "shop", object.union(fail_open, {"failOpen": "true"}))
}

test_delete_and_other_group_not_judged if {
	del := json.patch(request("DELETE", "shop", fail_open), [{"op": "add", "path": "/request/oldObject", "value": request("DELETE", "shop", fail_open).request.object}])
	count(no_auth_fail_open.deny) == 0 with input as del
	other := json.patch(request("CREATE", "shop", fail_open), [{"op": "replace", "path": "/request/kind/group", "value": "example.com"}])
	count(no_auth_fail_open.deny) == 0 with input as other
}

test_migration_namespaces if {
	cfg := {"contour": {"failOpenNamespaces": ["legacy-*"]}}
	count(no_auth_fail_open.deny) == 0 with input as request("CREATE", "legacy-billing", fail_open) with data.apiguard.config as cfg
	count(no_auth_fail_open.deny) == 1 with input as request("CREATE", "shop", fail_open) with data.apiguard.config as cfg
	count(no_auth_fail_open.deny) == 1 with input as request("CREATE", "legacy-billing", fail_open) with data.apiguard.config as {"contour": {"failOpenNamespaces": "legacy-*"}}
}
