package apisix.consumer_inline_credentials_test

import data.apisix.consumer_inline_credentials

req(operation, spec) := {"request": {
	"uid": "1",
	"kind": {"group": "apisix.apache.org", "version": "v2", "kind": "ApisixConsumer"},
	"name": "app",
	"namespace": "shop",
	"operation": operation,
	"object": {
		"apiVersion": "apisix.apache.org/v2",
		"kind": "ApisixConsumer",
		"metadata": {"name": "app", "namespace": "shop"},
		"spec": spec,
	},
}}

auth(type, body) := {"authParameter": {type: body}}

deny_count(spec) := n if {
	n := count(consumer_inline_credentials.deny) with input as req("CREATE", spec)
}

test_inline_values_denied if {
	consumer_inline_credentials.deny == {"ApisixConsumer shop/app: spec.authParameter.keyAuth.value holds the credential inline (key), so anyone who can read the ApisixConsumer or its manifest can use it; put it in a Secret and reference it with spec.authParameter.keyAuth.secretRef instead"} with input as req("CREATE", auth("keyAuth", {"value": {"key": "k-123"}}))
	deny_count(auth("basicAuth", {"value": {"username": "u", "password": "p"}})) == 1
	deny_count(auth("hmacAuth", {"value": {"key_id": "id", "secret_key": "s"}})) == 1
	deny_count(auth("jwtAuth", {"value": {"key": "user-key", "secret": "s3cr3t"}})) == 1
	deny_count(auth("jwtAuth", {"value": {"key": "user-key", "algorithm": "RS256", "public_key": "PUB", "private_key": "PRIV"}})) == 1
	count(consumer_inline_credentials.deny) == 1 with input as req("AUDIT", auth("keyAuth", {"value": {"key": "k-123"}}))
}

# The controller uses value whenever it is set, even next to a secretRef.
test_value_beside_secret_ref_denied if {
	deny_count(auth("keyAuth", {"value": {"key": "k-123"}, "secretRef": {"name": "app-key"}})) == 1
}

test_secret_refs_allowed if {
	every type in ["keyAuth", "basicAuth", "hmacAuth", "jwtAuth", "ldapAuth", "wolfRBAC"] {
		deny_count(auth(type, {"secretRef": {"name": "app-credentials"}})) == 0
	}
}

# Values that hold no secret: a JWT public key with its key id, an LDAP DN, Wolf RBAC's
# server and app id.
test_non_secret_values_allowed if {
	deny_count(auth("jwtAuth", {"value": {"key": "user-key", "algorithm": "RS256", "public_key": "PUB"}})) == 0
	deny_count(auth("ldapAuth", {"value": {"user_dn": "cn=app,dc=example,dc=org"}, "secretRef": {"name": "ldap"}})) == 0
	deny_count(auth("wolfRBAC", {"value": {"server": "http://wolf:12180", "appid": "shop"}})) == 0
	deny_count(auth("keyAuth", {"value": {"key": ""}})) == 0
}

# A consumer plugin with the same name takes precedence over authParameter (CRD); its
# inline secrets are as readable.
test_inline_plugin_credentials_denied if {
	some msg in consumer_inline_credentials.deny with input as req("CREATE", {"plugins": [{"name": "key-auth", "enable": true, "config": {"key": "k-123"}}]})
	contains(msg, "spec.plugins[0] (key-auth) holds the credential inline in its config (key)")
	deny_count({"plugins": [{"name": "basic-auth", "config": {"username": "u", "password": "p"}}]}) == 1
	deny_count({"plugins": [{"name": "key-auth", "enable": true, "secretRef": "app-key"}]}) == 0
	deny_count({"plugins": [{"name": "key-auth", "enable": false, "config": {"key": "k-123"}}]}) == 0
	deny_count({"plugins": [{"name": "limit-count", "enable": true, "config": {"count": 10, "time_window": 60, "key": "remote_addr"}}]}) == 0
}

test_delete_and_other_groups_not_judged if {
	count(consumer_inline_credentials.deny) == 0 with input as req("DELETE", auth("keyAuth", {"value": {"key": "k"}}))
	other := json.patch(req("CREATE", auth("keyAuth", {"value": {"key": "k"}})), [{"op": "replace", "path": "/request/kind/group", "value": "example.com"}])
	count(consumer_inline_credentials.deny) == 0 with input as other
}
