package tyk.oas_reference_test

import data.lib.tykoas_test as t
import data.tyk.oas_reference

with_refs(entry) := object.union(t.api(t.ref), {"references": t.refs(entry)})

test_resolved_document_passes if {
	count(oas_reference.deny) == 0 with input as t.api_input(t.secure_gw, {})
	count(oas_reference.warn) == 0 with input as t.api_input(t.secure_gw, {})
}

test_unresolved_is_denied if {
	oas_reference.deny == {`TykOasApiDefinition demo/httpbin: spec.tykOAS.configmapRef names ConfigMap demo/httpbin-oas key "oas.json", which was not resolved by the engine, so its document cannot be judged; point it at the ConfigMap key holding the Tyk OAS document`} with input as t.api(t.ref)
}

test_missing_configmap_is_denied if {
	some msg in oas_reference.deny with input as with_refs({"found": false, "source": "cluster"})
	contains(msg, "which does not exist")
}

test_offline_absent_is_warned if {
	count(oas_reference.deny) == 0 with input as with_refs({"found": false, "source": "input"})
	oas_reference.warn == {`TykOasApiDefinition demo/httpbin: spec.tykOAS.configmapRef names ConfigMap demo/httpbin-oas key "oas.json", which is not among the checked files: judged at admission`} with input as with_refs({"found": false, "source": "input"})
}

test_missing_key_unparsable_and_no_extension_are_denied if {
	some a in oas_reference.deny with input as with_refs({"found": true, "source": "cluster", "data": {}})
	contains(a, "has no such key")
	some b in oas_reference.deny with input as with_refs({"found": true, "source": "cluster", "data": {"oas.json": "{"}})
	contains(b, "neither JSON nor YAML")
	some c in oas_reference.deny with input as with_refs({"found": true, "source": "cluster", "data": {"oas.json": "openapi: 3.0.3"}})
	contains(c, "no x-tyk-api-gateway")
}

test_missing_configmapref_is_denied if {
	inp := json.patch(t.api(t.ref), [{"op": "remove", "path": "/request/object/spec/tykOAS/configmapRef"}])
	some msg in oas_reference.deny with input as inp
	contains(msg, "spec.tykOAS.configmapRef is missing")
}

cross := object.union(t.api(object.union(t.ref, {"namespace": "shared"})), {"references": {"configmaps": {"shared/httpbin-oas": {"found": true, "source": "cluster", "data": {"oas.json": `{"x-tyk-api-gateway": {}}`}}}}})

test_cross_namespace_is_denied if {
	some msg in oas_reference.deny with input as cross
	contains(msg, `in namespace "shared", another team's namespace`)
}

test_cross_namespace_pair_allowed if {
	count(oas_reference.deny) == 0 with input as cross with data.apiguard.config as {"tyk": {"crossNamespaceConfigMaps": [{"from": "demo", "to": "shar*"}]}}
	count(oas_reference.deny) == 1 with input as cross with data.apiguard.config as {"tyk": {"crossNamespaceConfigMaps": [{"from": "other", "to": "shared"}]}}
}

test_streams_kind if {
	inp := json.patch(t.api(t.ref), [
		{"op": "replace", "path": "/request/kind/kind", "value": "TykStreamsApiDefinition"},
		{"op": "move", "from": "/request/object/spec/tykOAS", "path": "/request/object/spec/tykStreams"},
	])
	some msg in oas_reference.deny with input as inp
	startswith(msg, "TykStreamsApiDefinition demo/httpbin: spec.tykStreams.configmapRef names")
}
