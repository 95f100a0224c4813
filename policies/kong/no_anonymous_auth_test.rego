package kong.no_anonymous_auth_test

import data.kong.no_anonymous_auth

request(operation, kind, obj) := {"request": {
	"kind": {"group": "configuration.konghq.com", "version": "v1", "kind": kind},
	"name": "auth",
	"namespace": "shop",
	"operation": operation,
	"object": object.union({"apiVersion": "configuration.konghq.com/v1", "kind": kind, "metadata": {"name": "auth", "namespace": "shop"}}, obj),
}}

plugin(obj) := request("CREATE", "KongPlugin", obj)

secret_ref := {"secretKeyRef": {"name": "auth", "key": "config"}}

msg := "KongPlugin shop/auth: plugin key-auth sets config.anonymous (\"guest\"), so a request without valid credentials is not refused but proxied as that consumer (or as none when it does not exist); remove config.anonymous, or have the namespace allowed in apiguard.config.kong.anonymousNamespaces"

test_anonymous_denied if {
	no_anonymous_auth.deny == {msg} with input as plugin({"plugin": "key-auth", "config": {"anonymous": "guest"}})
	no_anonymous_auth.deny == {msg} with input as request("AUDIT", "KongPlugin", {"plugin": "key-auth", "config": {"anonymous": "guest"}})
}

# Every auth plugin reads config.anonymous the same way; a consumer id (UUID) is as
# good as a username, and a space is a non-empty string Kong accepts.
test_each_auth_plugin if {
	every p in ["basic-auth", "hmac-auth", "jwt", "oauth2", "openid-connect", "ldap-auth", "mtls-auth", "key-auth-enc", "oauth2-introspection", "saml", "vault-auth", "header-cert-auth", "ldap-auth-advanced"] {
		count(no_anonymous_auth.deny) == 1 with input as plugin({"plugin": p, "config": {"anonymous": "9f2b1f8c-4c1e-4f6e-9d8e-0d3c3c6b1a11"}})
	}
	count(no_anonymous_auth.deny) == 1 with input as plugin({"plugin": "key-auth", "config": {"anonymous": " "}})
}

# Kong's schema refuses "" (strings are non-empty by default) and null means unset.
test_empty_and_null_not_judged if {
	count(no_anonymous_auth.deny) == 0 with input as plugin({"plugin": "key-auth", "config": {"anonymous": ""}})
	count(no_anonymous_auth.deny) == 0 with input as plugin({"plugin": "key-auth", "config": {"anonymous": null}})
	count(no_anonymous_auth.deny) == 0 with input as plugin({"plugin": "key-auth", "config": {"key_names": ["apikey"]}})
	count(no_anonymous_auth.deny) == 0 with input as plugin({"plugin": "key-auth"})
}

# A value of another type is still set (Kong would refuse it, but it is not unset).
test_non_string_anonymous_denied if {
	count(no_anonymous_auth.deny) == 1 with input as plugin({"plugin": "key-auth", "config": {"anonymous": true}})
}

test_non_auth_plugin_not_judged if {
	count(no_anonymous_auth.deny) == 0 with input as plugin({"plugin": "rate-limiting", "config": {"anonymous": "guest"}})
	count(no_anonymous_auth.deny) == 1 with input as plugin({"plugin": "my-auth", "config": {"anonymous": "guest"}}) with data.apiguard.config as {"kong": {"authPlugins": ["my-auth"]}}
}

# configPatches adds /anonymous from a Secret: its only effect is anonymous access.
test_anonymous_patch_denied if {
	count(no_anonymous_auth.deny) == 1 with input as plugin({"plugin": "jwt", "configPatches": [{"path": "/anonymous", "valueFrom": secret_ref}]})
	count(no_anonymous_auth.deny) == 0 with input as plugin({"plugin": "jwt", "configPatches": [{"path": "/key_claim_name", "valueFrom": secret_ref}]})
}

test_whole_config_from_secret_warned if {
	r := plugin({"plugin": "openid-connect", "configFrom": secret_ref})
	count(no_anonymous_auth.deny) == 0 with input as r
	no_anonymous_auth.warn == {"KongPlugin shop/auth: the configuration of authentication plugin openid-connect comes from a Secret (configFrom.secretKeyRef), which apiguard cannot read, so whether config.anonymous lets unauthenticated requests through cannot be judged; keep the non-secret configuration in config and only secrets in configPatches"} with input as r
	count(no_anonymous_auth.warn) == 1 with input as plugin({"plugin": "openid-connect", "configPatches": [{"path": "", "valueFrom": secret_ref}]})
	count(no_anonymous_auth.warn) == 0 with input as plugin({"plugin": "openid-connect", "configPatches": [{"path": "/client_secret", "valueFrom": secret_ref}]})
}

test_allowances if {
	anon := {"plugin": "key-auth", "config": {"anonymous": "guest"}}
	count(no_anonymous_auth.deny) == 0 with input as plugin(anon) with data.apiguard.config as {"kong": {"anonymousNamespaces": ["shop"]}}
	cluster := request("CREATE", "KongClusterPlugin", anon)
	no_anonymous_auth.deny == {"KongClusterPlugin auth: plugin key-auth sets config.anonymous (\"guest\"), so a request without valid credentials is not refused but proxied as that consumer (or as none when it does not exist); remove config.anonymous, or have the platform allow it with apiguard.config.kong.allowClusterAnonymous"} with input as cluster with data.apiguard.config as {"kong": {"anonymousNamespaces": ["*"]}}
	count(no_anonymous_auth.deny) == 0 with input as cluster with data.apiguard.config as {"kong": {"allowClusterAnonymous": true}}
}

test_disabled_delete_other_group_not_judged if {
	count(no_anonymous_auth.deny) == 0 with input as plugin({"plugin": "key-auth", "disabled": true, "config": {"anonymous": "guest"}})
	r := request("DELETE", "KongPlugin", {"plugin": "key-auth", "config": {"anonymous": "guest"}})
	count(no_anonymous_auth.deny) == 0 with input as json.patch(r, [{"op": "add", "path": "/request/oldObject", "value": r.request.object}, {"op": "remove", "path": "/request/object"}])
	count(no_anonymous_auth.deny) == 0 with input as json.patch(plugin({"plugin": "key-auth", "config": {"anonymous": "guest"}}), [{"op": "replace", "path": "/request/kind/group", "value": "example.com"}])
}
