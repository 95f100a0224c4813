package lib.kong_test

import data.lib.kong

plugin_request(obj) := {"request": {
	"kind": {"group": "configuration.konghq.com", "version": "v1", "kind": "KongPlugin"},
	"namespace": "shop",
	"operation": "CREATE",
	"object": object.union({"apiVersion": "configuration.konghq.com/v1", "kind": "KongPlugin", "metadata": {"name": "p", "namespace": "shop"}}, obj),
}}

# KIC splits on "," and trims each item (extractCommaDelimitedStrings).
test_annotation_list if {
	r := {"request": {"operation": "CREATE", "object": {"metadata": {"annotations": {"konghq.com/protocols": " https , ,http\t"}}}}}
	kong.annotation_list("konghq.com/protocols") == ["https", "http"] with input as r
	kong.annotation_list("konghq.com/missing") == [] with input as r
}

test_pointer_head if {
	kong.pointer_head("/anonymous") == "anonymous"
	kong.pointer_head("/origins/-") == "origins"
	kong.pointer_head("/a~1b/c") == "a/b"
	kong.pointer_head("/a~0b") == "a~b"
	not kong.pointer_head("")
}

test_hidden if {
	kong.hidden("anonymous") with input as plugin_request({"plugin": "key-auth", "configFrom": {"secretKeyRef": {"name": "s", "key": "k"}}})
	kong.hidden("anonymous") with input as plugin_request({"plugin": "key-auth", "configPatches": [{"path": "", "valueFrom": {"secretKeyRef": {"name": "s", "key": "k"}}}]})
	kong.hidden("anonymous") with input as plugin_request({"plugin": "key-auth", "configPatches": [{"path": "/anonymous", "valueFrom": {"secretKeyRef": {"name": "s", "key": "k"}}}]})
	not kong.hidden("anonymous") with input as plugin_request({"plugin": "key-auth", "configPatches": [{"path": "/key_names", "valueFrom": {"secretKeyRef": {"name": "s", "key": "k"}}}]})
}

test_display_cluster_plugin_has_no_namespace if {
	r := {"request": {
		"kind": {"group": "configuration.konghq.com", "version": "v1", "kind": "KongClusterPlugin"},
		"namespace": "default",
		"operation": "CREATE",
		"object": {"metadata": {"name": "global-cors"}, "plugin": "cors"},
	}}
	kong.display == "KongClusterPlugin global-cors" with input as r
	kong.display == "KongPlugin shop/p" with input as plugin_request({"plugin": "cors"})
}

test_auth_plugins_configurable if {
	kong.auth_plugin with input as plugin_request({"plugin": "key-auth"})
	not kong.auth_plugin with input as plugin_request({"plugin": "my-auth"})
	kong.auth_plugin with input as plugin_request({"plugin": "my-auth"}) with data.apiguard.config as {"kong": {"authPlugins": ["my-auth"]}}
}

# kongstate/route.go: the annotation's list when every item is known; force-ssl-redirect's
# https otherwise; Kong's default http, https without either; grpc mixed with http (or
# an unknown protocol) normalised to http, https.
test_route_protocols if {
	kong.route_protocols(["https"], false) == ["https"]
	kong.route_protocols(["https", "http"], false) == ["http", "https"]
	kong.route_protocols([], false) == ["http", "https"]
	kong.route_protocols([], true) == ["https"]
	kong.route_protocols(["http"], true) == ["http"]
	kong.route_protocols(["HTTP"], true) == ["https"]
	kong.route_protocols(["grpc", "HTTP"], true) == ["grpcs"]
	kong.route_protocols(["grpcs", "https"], false) == ["http", "https"]
	kong.route_protocols(["grpcs", "GRPCS"], false) == ["http", "https"]
	kong.route_protocols(["HTTPS"], false) == ["HTTPS"]
	kong.route_protocols(["wss", "https"], false) == ["https", "wss"]
}
