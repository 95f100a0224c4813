package tyk.oas_ip_access_test

import data.lib.tykoas_test as t
import data.tyk.oas_ip_access

ipac(v) := t.gw_with({"server": object.union(t.secure_gw.server, {"ipAccessControl": v})})

test_allow_everything_warned if {
	oas_ip_access.warn == {concat("", [t.where, `.server.ipAccessControl.allow contains "0.0.0.0/0", which allows every address; list the client networks instead`])} with input as t.api_input(ipac({"enabled": true, "allow": ["10.0.0.0/8", "0.0.0.0/0"]}), {})
	count(oas_ip_access.warn) == 1 with input as t.api_input(ipac({"enabled": true, "allow": ["::/0"]}), {})
}

test_narrow_or_disabled_passes if {
	count(oas_ip_access.warn) == 0 with input as t.api_input(ipac({"enabled": true, "allow": ["10.0.0.0/8"]}), {})
	count(oas_ip_access.warn) == 0 with input as t.api_input(ipac({"enabled": false, "allow": ["0.0.0.0/0"]}), {})
	count(oas_ip_access.warn) == 0 with input as t.api_input(ipac({"allow": ["0.0.0.0/0"]}), {})
}
