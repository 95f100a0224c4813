package tyk.oas_plugins_test

import data.lib.tykoas_test as t
import data.tyk.oas_plugins

plugged := t.gw_with({"middleware": {"global": {"pluginConfig": {"driver": "python"}, "postAuthenticationPlugins": [{"enabled": true, "functionName": "f", "path": "p.py"}]}}})

test_plugin_warned if {
	oas_plugins.warn == {concat("", [t.where, `.middleware.global.postAuthenticationPlugins enables a custom plugin (driver python), which runs code inside the gateway; have it reviewed and its namespace listed in apiguard config tyk.pluginNamespaces`])} with input as t.api_input(plugged, {})
	count(oas_plugins.deny) == 0 with input as t.api_input(plugged, {})
}

test_deny_mode_and_allow_list if {
	count(oas_plugins.deny) == 1 with input as t.api_input(plugged, {}) with data.apiguard.config as {"tyk": {"plugins": "deny"}}
	count(oas_plugins.deny) == 0 with input as t.api_input(plugged, {}) with data.apiguard.config as {"tyk": {"plugins": "deny", "pluginNamespaces": ["de*"]}}
	count(oas_plugins.warn) == 0 with input as t.api_input(plugged, {}) with data.apiguard.config as {"tyk": {"pluginNamespaces": ["demo"]}}
}

test_no_plugin_passes if {
	count(oas_plugins.warn) == 0 with input as t.api_input(t.secure_gw, {})
}
