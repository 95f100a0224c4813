package istio.peer_authn_mtls_test

import data.istio.peer_authn_mtls

request(op, group, spec) := {"request": {
	"uid": "1",
	"kind": {"group": group, "version": "v1", "kind": "PeerAuthentication"},
	"name": "default",
	"namespace": "shop",
	"operation": op,
	"object": {
		"apiVersion": sprintf("%s/v1", [group]),
		"kind": "PeerAuthentication",
		"metadata": {"name": "default", "namespace": "shop"},
		"spec": spec,
	},
}}

req(spec) := request("CREATE", "security.istio.io", spec)

test_disable_denied if {
	denies := peer_authn_mtls.deny with input as req({"mtls": {"mode": "DISABLE"}})
	denies == {"PeerAuthentication shop/default: spec.mtls.mode is DISABLE, so the workloads accept plain-text connections from anyone, unauthenticated and unencrypted; set it to STRICT or remove it to inherit the mesh's mode"}
}

test_permissive_warned_or_denied if {
	warns := peer_authn_mtls.warn with input as req({"mtls": {"mode": "PERMISSIVE"}})
	warns == {"PeerAuthentication shop/default: spec.mtls.mode is PERMISSIVE, so the workloads also accept plain-text connections, which carry no peer identity and are not encrypted; set it to STRICT once every client is in the mesh"}
	count(peer_authn_mtls.deny) == 0 with input as req({"mtls": {"mode": "PERMISSIVE"}})
	count(peer_authn_mtls.deny) == 1 with input as req({"mtls": {"mode": "PERMISSIVE"}})
		with data.apiguard.config as {"istio": {"denyPermissive": true}}
	count(peer_authn_mtls.warn) == 0 with input as req({"mtls": {"mode": "PERMISSIVE"}})
		with data.apiguard.config as {"istio": {"denyPermissive": true}}

	# only the boolean true turns it on
	count(peer_authn_mtls.deny) == 0 with input as req({"mtls": {"mode": "PERMISSIVE"}})
		with data.apiguard.config as {"istio": {"denyPermissive": "true"}}
}

# A port can undo the workload's STRICT.
test_port_level if {
	spec := {"selector": {"matchLabels": {"app": "web"}}, "mtls": {"mode": "STRICT"}, "portLevelMtls": {"8080": {"mode": "DISABLE"}, "9090": {"mode": "PERMISSIVE"}, "8443": {"mode": "STRICT"}}}
	denies := peer_authn_mtls.deny with input as req(spec)
	denies == {"PeerAuthentication shop/default: spec.portLevelMtls[\"8080\"].mode is DISABLE, so the workloads accept plain-text connections from anyone, unauthenticated and unencrypted; set it to STRICT or remove it to inherit the mesh's mode"}
	warns := peer_authn_mtls.warn with input as req(spec)
	count(warns) == 1
}

test_strict_unset_pass if {
	every spec in [{}, {"mtls": {}}, {"mtls": {"mode": "STRICT"}}, {"mtls": {"mode": "UNSET"}}, {"selector": {"matchLabels": {"a": "b"}}, "portLevelMtls": {"80": {"mode": "UNSET"}}}] {
		count(peer_authn_mtls.deny) == 0 with input as req(spec)
		count(peer_authn_mtls.warn) == 0 with input as req(spec)
	}
}

test_delete_group_exemption if {
	spec := {"mtls": {"mode": "DISABLE"}}
	count(peer_authn_mtls.deny) == 0 with input as request("DELETE", "security.istio.io", spec)
	count(peer_authn_mtls.deny) == 0 with input as request("CREATE", "security.example.io", spec)
	count(peer_authn_mtls.deny) == 1 with input as request("AUDIT", "security.istio.io", spec)
	count(peer_authn_mtls.deny) == 0 with input as req(spec)
		with data.apiguard.config as {"istio": {"mtlsExemptNamespaces": ["sho?"]}}
}
