package tyk.oas_ignore_auth_test

import data.lib.tykoas_test as t
import data.tyk.oas_ignore_auth

gw := t.gw_with({"middleware": {"operations": {
	"getHealth": {"ignoreAuthentication": {"enabled": true}},
	"listUsers": {"ignoreAuthentication": {"enabled": false}},
}}})

test_ignored_operation_is_denied if {
	oas_ignore_auth.deny == {concat("", [t.where, `.middleware.operations.getHealth.ignoreAuthentication.enabled is true, so operation "getHealth" is served without authentication; remove it, or list "demo/getHealth" in apiguard config tyk.publicOperations`])} with input as t.api_input(gw, {})
}

test_public_operation_allowed if {
	count(oas_ignore_auth.deny) == 0 with input as t.api_input(gw, {}) with data.apiguard.config as {"tyk": {"publicOperations": ["demo/getHealth"]}}
	count(oas_ignore_auth.deny) == 1 with input as t.api_input(gw, {}) with data.apiguard.config as {"tyk": {"publicOperations": ["other/getHealth"]}}
}

test_secure_passes if {
	count(oas_ignore_auth.deny) == 0 with input as t.api_input(t.secure_gw, {})
}
