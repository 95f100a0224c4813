# METADATA
# title: Tyk ApiDefinitions get hardened defaults
# description: >-
#   On a Tyk ApiDefinition (tyk.tyk.io), adds spec.strip_auth_data: true (the
#   gateway does not forward the client's credentials upstream) and
#   spec.proxy.transport.ssl_min_version: 771 (TLS 1.2 as the minimum for upstream
#   connections) when they are not set. A value the user set, even false or a
#   lower version, is never changed.
# custom:
#   kinds: [tyk.tyk.io/ApiDefinition]
#   severity: medium
#   remediation: >-
#     Nothing to do: the defaults are added for you. Set strip_auth_data or
#     proxy.transport.ssl_min_version explicitly to choose another value.
package tyk.default_hardening

import data.lib.kubernetes as k8s

# 771 is 0x0303, Go's tls.VersionTLS12, as Tyk expects it.
tls12 := 771

# Without a spec map, both defaults are added in one operation.
patch contains op if {
	applies
	unset(obj, "spec")
	op := {"op": "add", "path": "/spec", "value": {
		"strip_auth_data": true,
		"proxy": {"transport": {"ssl_min_version": tls12}},
	}}
}

patch contains op if {
	applies
	is_object(obj.spec)
	unset(obj.spec, "strip_auth_data")
	op := {"op": "add", "path": "/spec/strip_auth_data", "value": true}
}

# The deepest missing map is added whole; a non-map value in the way is left alone.
patch contains op if {
	applies
	is_object(obj.spec)
	unset(obj.spec, "proxy")
	op := {"op": "add", "path": "/spec/proxy", "value": {"transport": {"ssl_min_version": tls12}}}
}

patch contains op if {
	applies
	is_object(obj.spec.proxy)
	unset(obj.spec.proxy, "transport")
	op := {"op": "add", "path": "/spec/proxy/transport", "value": {"ssl_min_version": tls12}}
}

patch contains op if {
	applies
	is_object(obj.spec.proxy.transport)
	unset(obj.spec.proxy.transport, "ssl_min_version")
	op := {"op": "add", "path": "/spec/proxy/transport/ssl_min_version", "value": tls12}
}

applies if {
	k8s.is_write
	k8s.group == "tyk.tyk.io"
	k8s.kind == "ApiDefinition"
	k8s.version == "v1alpha1"
	is_object(obj)
}

obj := input.request.object

# A key counts as unset when it is absent or null.
unset(map, key) if object.get(map, key, null) == null
