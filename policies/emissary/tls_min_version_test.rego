package emissary.tls_min_version_test

import data.emissary.tls_min_version

tlscontext(operation, spec) := {"request": {
	"uid": "1",
	"kind": {"group": "getambassador.io", "version": "v3alpha1", "kind": "TLSContext"},
	"name": "edge",
	"namespace": "shop",
	"operation": operation,
	"object": {
		"apiVersion": "getambassador.io/v3alpha1",
		"kind": "TLSContext",
		"metadata": {"name": "edge", "namespace": "shop"},
		"spec": object.union({"hosts": ["shop.example.com"], "secret": "edge-tls"}, spec),
	},
}}

host(operation, tls) := {"request": {
	"uid": "1",
	"kind": {"group": "getambassador.io", "version": "v3alpha1", "kind": "Host"},
	"name": "edge",
	"namespace": "shop",
	"operation": operation,
	"object": {
		"apiVersion": "getambassador.io/v3alpha1",
		"kind": "Host",
		"metadata": {"name": "edge", "namespace": "shop"},
		"spec": {"hostname": "shop.example.com", "tlsSecret": {"name": "edge-tls"}, "tls": tls},
	},
}}

ctx_msg := "TLSContext shop/edge: spec.min_tls_version is \"v1.0\", so clients may negotiate TLS 1.0, below TLS 1.2, whose weaknesses allow downgrade and decryption attacks; set min_tls_version to \"v1.2\" or \"v1.3\""

host_msg := "Host shop/edge: spec.tls.max_tls_version is \"v1.1\", so clients may negotiate TLS 1.1, below TLS 1.2, whose weaknesses allow downgrade and decryption attacks; set min_tls_version to \"v1.2\" or \"v1.3\" and max_tls_version to \"v1.3\" or leave it out"

test_tlscontext_weak_denied if {
	every op in ["CREATE", "UPDATE", "AUDIT"] {
		tls_min_version.deny == {ctx_msg} with input as tlscontext(op, {"min_tls_version": "v1.0"})
	}
	count(tls_min_version.deny) == 1 with input as tlscontext("CREATE", {"min_tls_version": "v1.1"})

	# A maximum below 1.2 forces old TLS whatever the minimum says.
	count(tls_min_version.deny) == 1 with input as tlscontext("CREATE", {"max_tls_version": "v1.1"})
	count(tls_min_version.deny) == 2 with input as tlscontext("CREATE", {"min_tls_version": "v1.0", "max_tls_version": "v1.1"})

	# An origination context (no hosts) weakens the upstream connection: denied too.
	count(tls_min_version.deny) == 1 with input as tlscontext("CREATE", {"hosts": [], "min_tls_version": "v1.1"})
}

test_host_inline_weak_denied if {
	tls_min_version.deny == {host_msg} with input as host("CREATE", {"max_tls_version": "v1.1"})
	count(tls_min_version.deny) == 1 with input as host("CREATE", {"min_tls_version": "v1.0"})
}

test_strong_or_absent_allowed if {
	count(tls_min_version.deny) == 0 with input as tlscontext("CREATE", {"min_tls_version": "v1.2", "max_tls_version": "v1.3"})
	count(tls_min_version.deny) == 0 with input as tlscontext("CREATE", {"min_tls_version": "v1.3"})
	count(tls_min_version.deny) == 0 with input as tlscontext("CREATE", {})
	count(tls_min_version.deny) == 0 with input as host("CREATE", {"min_tls_version": "v1.2"})
	count(tls_min_version.deny) == 0 with input as host("CREATE", {})
}

# Other spellings in a Host's free-form tls: Emissary refuses the whole Host
# ("Invalid min_tls_version set in Host.tls"), so it serves nothing.
test_unreadable_spellings_not_judged if {
	every v in ["1.0", "TLSv1_0", "V1.0", " v1.0", "v1.0 "] {
		count(tls_min_version.deny) == 0 with input as host("CREATE", {"min_tls_version": v})
	}
}

test_delete_other_group_and_kind_not_judged if {
	req := tlscontext("DELETE", {"min_tls_version": "v1.0"})
	del := json.patch(req, [{"op": "add", "path": "/request/oldObject", "value": req.request.object}])
	count(tls_min_version.deny) == 0 with input as del
	other := json.patch(tlscontext("CREATE", {"min_tls_version": "v1.0"}), [{"op": "replace", "path": "/request/kind/group", "value": "example.com"}])
	count(tls_min_version.deny) == 0 with input as other
	mapping := json.patch(tlscontext("CREATE", {"min_tls_version": "v1.0"}), [{"op": "replace", "path": "/request/kind/kind", "value": "Mapping"}])
	count(tls_min_version.deny) == 0 with input as mapping
}
