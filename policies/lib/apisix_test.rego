package lib.apisix_test

import data.lib.apisix

route_req(spec) := {"request": {
	"kind": {"group": "apisix.apache.org", "version": "v2", "kind": "ApisixRoute"},
	"namespace": "shop",
	"operation": "CREATE",
	"object": {"metadata": {"name": "r", "namespace": "shop"}, "spec": spec},
}}

# The controller keeps the last enabled entry of each name and skips disabled ones.
test_effective if {
	list := [
		{"name": "cors", "config": {"a": 1}},
		{"name": "cors", "enable": true, "config": {"a": 2}},
		{"name": "cors", "enable": false, "config": {"a": 3}},
		{"name": "key-auth", "enable": false},
		"not-a-plugin",
		{"enable": true},
	]
	apisix.effective(list) == {"cors": [1, {"name": "cors", "enable": true, "config": {"a": 2}}]}
	apisix.effective([]) == {}
}

test_running_plugins_paths if {
	spec := {
		"http": [{"name": "a", "plugins": [{"name": "cors"}]}],
		"stream": [{"name": "b", "plugins": [{"name": "limit-conn", "enable": true}]}],
	}
	got := {[w, n] | some [w, n, _] in apisix.running_plugins} with input as route_req(spec)
	got == {["spec.http[0].plugins[0]", "cors"], ["spec.stream[0].plugins[0]", "limit-conn"]}
}

test_public_class if {
	apisix.public_class with input as route_req({"ingressClassName": "internal"})
	not apisix.public_class with input as route_req({"ingressClassName": "internal"}) with data.apiguard.config as {"apisix": {"publicIngressClasses": ["apisix"]}}
	apisix.public_class with input as route_req({}) with data.apiguard.config as {"apisix": {"publicIngressClasses": ["apisix"]}}
	apisix.public_class with input as route_req({"ingressClassName": ""}) with data.apiguard.config as {"apisix": {"publicIngressClasses": []}}
	not apisix.public_class with input as route_req({}) with data.apiguard.config as {"apisix": {"publicIngressClasses": [], "defaultIngressClass": "apisix"}}
}

test_weakened if {
	apisix.weakened("key-auth", {"name": "key-auth", "config": {"anonymous_consumer": "anon"}})
	apisix.weakened("openid-connect", {"name": "openid-connect", "config": {"unauth_action": "pass"}})
	apisix.weakened("forward-auth", {"name": "forward-auth", "config": {"allow_degradation": true}})
	not apisix.weakened("key-auth", {"name": "key-auth", "config": {"header": "apikey"}})
	not apisix.weakened("openid-connect", {"name": "openid-connect", "config": {"unauth_action": "auth"}})
}

test_auth_plugins_configurable if {
	apisix.auth_plugins == {"my-auth"} with data.apiguard.config as {"apisix": {"authPlugins": ["my-auth", 7]}}
	"key-auth" in apisix.auth_plugins with data.apiguard.config as {"apisix": {"authPlugins": "my-auth"}}
}

test_in_cluster_host if {
	every h in ["web", "web.shop.svc", "web.shop.svc.cluster.local", "WEB.shop.SVC.cluster.local."] {
		apisix.in_cluster_host(h)
	}
	every h in ["web.shop", "example.com", "10.0.0.1", "web.shop.svc.cluster.local.evil.example"] {
		not apisix.in_cluster_host(h)
	}
}

test_glob_entry_matches if {
	apisix.glob_entry_matches({"namespace": "sh*"}, {"namespace": "shop", "name": "r"})
	not apisix.glob_entry_matches({"namespace": "shop", "name": 3}, {"namespace": "shop", "name": "r"})
	not apisix.glob_entry_matches("shop", {"namespace": "shop"})
}

# _meta.disable: APISIX skips the plugin; a later entry the controller keeps still
# replaces an earlier one, so [key-auth, key-auth {_meta.disable}] runs no key-auth.
test_meta_disable if {
	apisix.effective([{"name": "key-auth", "config": {"_meta": {"disable": true}}}]) == {}
	apisix.effective([{"name": "key-auth"}, {"name": "key-auth", "config": {"_meta": {"disable": true}}}]) == {}
	apisix.effective([{"name": "key-auth", "config": {"_meta": {"disable": false}}}]) == {"key-auth": [0, {"name": "key-auth", "config": {"_meta": {"disable": false}}}]}
	not apisix.enabled({"name": "key-auth", "config": {"_meta": {"disable": true}}})
	apisix.enabled({"name": "key-auth"})
}

test_meta_filter_weakens if {
	apisix.weakened("key-auth", {"name": "key-auth", "config": {"_meta": {"filter": [["arg_version", "==", "v2"]]}}})
	not apisix.weakened("key-auth", {"name": "key-auth", "config": {"_meta": {"priority": 1}}})
}
