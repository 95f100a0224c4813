package contour.tls_min_version_test

import data.contour.tls_min_version

request(operation, tls) := {"request": {
	"uid": "1",
	"kind": {"group": "projectcontour.io", "version": "v1", "kind": "HTTPProxy"},
	"name": "web",
	"namespace": "shop",
	"operation": operation,
	"object": {
		"apiVersion": "projectcontour.io/v1",
		"kind": "HTTPProxy",
		"metadata": {"name": "web", "namespace": "shop"},
		"spec": {
			"virtualhost": {"fqdn": "shop.example.com", "tls": tls},
			"routes": [{"services": [{"name": "web", "port": 80}]}],
		},
	},
}}

tls(version) := {"secretName": "shop-tls", "minimumProtocolVersion": version}

deny_msg := "HTTPProxy shop/web: spec.virtualhost.tls.minimumProtocolVersion is \"1.1\", which asks for TLS 1.1, below TLS 1.2 (Contour before v1.12 negotiates it; later releases ignore the value and use 1.2), so clients may be offered a protocol with known weaknesses; set it to \"1.2\" or \"1.3\""

test_tls11_denied if {
	tls_min_version.deny == {deny_msg} with input as request("CREATE", tls("1.1"))
	tls_min_version.deny == {deny_msg} with input as request("UPDATE", tls("1.1"))
	tls_min_version.deny == {deny_msg} with input as request("AUDIT", tls("1.1"))
	count(tls_min_version.warn) == 0 with input as request("CREATE", tls("1.1"))
}

# The spellings of old versions an author (or attacker) would try.
test_old_version_spellings_denied if {
	every v in ["1.0", "1", "TLSv1_0", "TLSv1", "TLSv1_1", "tlsv1.1", "TLS1.1", " 1.1", "1.1.0", "VersionTLS10", "SSLv3", "sslv2"] {
		count(tls_min_version.deny) == 1 with input as request("CREATE", tls(v))
		count(tls_min_version.warn) == 0 with input as request("CREATE", tls(v))
	}
	msgs := tls_min_version.deny with input as request("CREATE", tls("SSLv3"))
	some msg in msgs
	contains(msg, "which asks for SSL, below TLS 1.2")
}

# annotation.TLSVersion keeps exactly "1.2" and "1.3"; absent and "" mean 1.2.
test_supported_versions_allowed if {
	every v in ["1.2", "1.3"] {
		count(tls_min_version.deny) == 0 with input as request("CREATE", tls(v))
		count(tls_min_version.warn) == 0 with input as request("CREATE", tls(v))
	}
	count(tls_min_version.deny) == 0 with input as request("CREATE", {"secretName": "shop-tls"})
	count(tls_min_version.warn) == 0 with input as request("CREATE", {"secretName": "shop-tls"})
	count(tls_min_version.warn) == 0 with input as request("CREATE", tls(""))
}

# A 1.2 spelling Contour does not read still gets 1.2: what it says, nothing to report.
test_other_12_spellings_silent if {
	every v in ["TLSv1_2", "1.2.0", " 1.2"] {
		count(tls_min_version.deny) == 0 with input as request("CREATE", tls(v))
		count(tls_min_version.warn) == 0 with input as request("CREATE", tls(v))
	}
}

# A 1.3 spelling Contour does not read silently becomes 1.2; unknown values too.
test_unread_values_warned if {
	every v in ["TLSv1_3", "1.3 ", "1.3.0", "v1.3"] {
		count(tls_min_version.deny) == 0 with input as request("CREATE", tls(v))
		warns := tls_min_version.warn with input as request("CREATE", tls(v))
		count(warns) == 1
		some msg in warns
		contains(msg, "which Contour does not read as 1.3")
	}
	warns := tls_min_version.warn with input as request("CREATE", tls("auto"))
	warns == {"HTTPProxy shop/web: spec.virtualhost.tls.minimumProtocolVersion is \"auto\", which is not a version Contour reads (only \"1.2\" and \"1.3\"), so Contour applies its default, TLS 1.2; write exactly \"1.3\" or \"1.2\""}
}

# Passthrough: Contour never reads the field (the backend negotiates TLS).
test_passthrough_not_judged if {
	count(tls_min_version.deny) == 0 with input as request("CREATE", {"passthrough": true, "minimumProtocolVersion": "1.1"})
	count(tls_min_version.deny) == 1 with input as request("CREATE", {"secretName": "shop-tls", "passthrough": false, "minimumProtocolVersion": "1.1"})
}

test_delete_and_other_group_not_judged if {
	del := json.patch(request("DELETE", tls("1.1")), [{"op": "add", "path": "/request/oldObject", "value": request("DELETE", tls("1.1")).request.object}])
	count(tls_min_version.deny) == 0 with input as del
	other := json.patch(request("CREATE", tls("1.1")), [{"op": "replace", "path": "/request/kind/group", "value": "example.com"}])
	count(tls_min_version.deny) == 0 with input as other
}
