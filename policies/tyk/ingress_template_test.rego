package tyk.ingress_template_test

import data.tyk.ingress_template as it

ingress(annotations, labels, refs) := {
	"request": {
		"operation": "CREATE",
		"kind": {"group": "networking.k8s.io", "version": "v1", "kind": "Ingress"},
		"namespace": "demo",
		"name": "web",
		"object": {"metadata": {"name": "web", "namespace": "demo", "annotations": annotations, "labels": labels}, "spec": {}},
	},
	"references": refs,
}

classic(name) := {"kubernetes.io/ingress.class": "tyk", "tyk.io/template": name}

oas(name) := object.union(classic(name), {"tyk.io/template-kind": "TykOasApiDefinition"})

found(spec) := {"found": true, "source": "cluster", "object": {"spec": spec}}

api_refs(spec) := {"apidefinitions": {"demo/tpl": found(spec)}}

keyed := {"use_keyless": false, "use_standard_auth": true}

doc(gw) := json.marshal({"openapi": "3.0.3", "x-tyk-api-gateway": gw})

secure_gw := {"server": {"listenPath": {"value": "/"}, "authentication": {"enabled": true}}}

keyless_gw := {"server": {"listenPath": {"value": "/"}, "authentication": {"enabled": false}}}

oas_refs(gw) := {
	"tykoasapidefinitions": {"demo/tpl": found({"tykOAS": {"configmapRef": {"name": "doc", "keyName": "oas.json"}}})},
	"configmaps": {"demo/doc": {"found": true, "source": "cluster", "data": {"oas.json": doc(gw)}}},
}

approved := {"apiguard.io/public-api": "approved"}

public_cfg := {"tyk": {"keylessNamespaces": ["demo"]}}

test_keyed_templates_pass if {
	count(it.deny) + count(it.warn) == 0 with input as ingress(classic("tpl"), {}, api_refs(keyed))
	count(it.deny) + count(it.warn) == 0 with input as ingress(oas("tpl"), {}, oas_refs(secure_gw))

	# Tyk's own fallback: no auth flag is token auth, not keyless (tyk.require_auth).
	count(it.deny) == 0 with input as ingress(classic("tpl"), {}, api_refs({}))
}

test_keyless_classic_template_is_denied if {
	it.deny == {`Ingress demo/web: metadata.annotations["tyk.io/template"] names ApiDefinition demo/tpl, which sets spec.use_keyless: true; Tyk Operator copies it into every API it builds for this Ingress, so anyone who reaches the gateway can call them; name a template with use_keyless: false and an auth method; for an intentionally public API, label the Ingress apiguard.io/public-api: "approved" in a namespace listed in apiguard config tyk.keylessNamespaces`} with input as ingress(classic("tpl"), {}, api_refs({"use_keyless": true}))
}

test_keyless_oas_template_is_denied if {
	some m in it.deny with input as ingress(oas("tpl"), {}, oas_refs(keyless_gw))
	contains(m, `names TykOasApiDefinition demo/tpl, whose ConfigMap demo/doc key "oas.json": x-tyk-api-gateway.server.authentication.enabled is not true`)
	count(it.deny) == 1 with input as ingress(oas("tpl"), {}, oas_refs({"server": {}}))
}

test_no_template_is_the_builtin_keyless_one if {
	some m in it.deny with input as ingress({"kubernetes.io/ingress.class": "tyk"}, {}, {})
	contains(m, "built-in keyless template")
	count(it.deny) == 1 with input as ingress({"kubernetes.io/ingress.class": "tyk", "tyk.io/template": ""}, {}, {})
	some o in it.deny with input as ingress({"kubernetes.io/ingress.class": "tyk", "tyk.io/template-kind": "TykOasApiDefinition"}, {}, {})
	contains(o, "its built-in default Tyk OAS template, whose security apiguard cannot judge")
}

test_public_api_exception if {
	count(it.deny) == 1 with input as ingress(classic("tpl"), approved, api_refs({"use_keyless": true}))
	count(it.deny) == 0 with input as ingress(classic("tpl"), approved, api_refs({"use_keyless": true})) with data.apiguard.config as public_cfg
	count(it.deny) == 1 with input as ingress(classic("tpl"), {}, api_refs({"use_keyless": true})) with data.apiguard.config as public_cfg
	count(it.deny) == 0 with input as ingress(oas("tpl"), approved, oas_refs(keyless_gw)) with data.apiguard.config as public_cfg
	count(it.deny) == 0 with input as ingress({"kubernetes.io/ingress.class": "tyk"}, approved, {}) with data.apiguard.config as public_cfg
}

test_internal_template_is_not_exposure if {
	count(it.deny) == 0 with input as ingress(classic("tpl"), {}, api_refs({"use_keyless": true, "internal": true}))
	internal_gw := object.union(keyless_gw, {"info": {"state": {"active": true, "internal": true}}})
	count(it.deny) == 0 with input as ingress(oas("tpl"), {}, oas_refs(internal_gw))
}

test_auth_skipping_templates_are_denied if {
	ignored := object.union(keyed, {"version_data": {"versions": {"Default": {"paths": {"ignored": ["/.*"]}}}}})
	some m in it.deny with input as ingress(classic("tpl"), {}, api_refs(ignored))
	contains(m, `spec.version_data.versions["Default"].paths.ignored[0] is "/.*", which matches every request path`)
	ops := object.union(secure_gw, {"middleware": {"operations": {"getUsers": {"ignoreAuthentication": {"enabled": true}}}}})
	some o in it.deny with input as ingress(oas("tpl"), {}, oas_refs(ops))
	contains(o, `operation "getUsers"`)
	count(it.deny) == 0 with input as ingress(oas("tpl"), {}, oas_refs(ops)) with data.apiguard.config as {"tyk": {"publicOperations": ["demo/get*"]}}
}

test_other_classes_are_not_judged if {
	every c in ["nginx", "Tyk", " tyk", "tyk "] {
		count(it.deny) == 0 with input as ingress({"kubernetes.io/ingress.class": c, "tyk.io/template": "tpl"}, {}, api_refs({"use_keyless": true}))
	}
	count(it.deny) == 0 with input as ingress({"tyk.io/template": "tpl"}, {}, api_refs({"use_keyless": true}))
}

test_ingress_class_name_is_judged if {
	inp := ingress({"tyk.io/template": "tpl"}, {}, api_refs({"use_keyless": true}))
	count(it.deny) == 1 with input as json.patch(inp, [{"op": "add", "path": "/request/object/spec/ingressClassName", "value": "tyk"}])
}

test_misspelt_kind_reads_the_apidefinition if {
	annotations := object.union(classic("tpl"), {"tyk.io/template-kind": "tykoasapidefinition"})

	# The keyed TykOasApiDefinition of that name is not what the controller reads.
	refs := object.union(oas_refs(secure_gw), api_refs({"use_keyless": true}))
	some m in it.deny with input as ingress(annotations, {}, refs)
	contains(m, "names ApiDefinition demo/tpl, which sets spec.use_keyless: true")
}

test_unreadable_templates_are_denied if {
	some a in it.deny with input as ingress(classic("other/tpl"), {}, {})
	contains(a, "reads the template from the Ingress's own namespace only")
	some b in it.deny with input as ingress(classic("tpl"), {}, {})
	contains(b, "which the engine did not resolve")
	some c in it.deny with input as ingress(classic("tpl"), {}, {"apidefinitions": {"demo/tpl": {"found": false, "source": "cluster"}}})
	contains(c, "which does not exist")
	missing_cm := json.patch(oas_refs(secure_gw), [{"op": "replace", "path": "/configmaps/demo~1doc", "value": {"found": false, "source": "cluster"}}])
	some d in it.deny with input as ingress(oas("tpl"), {}, missing_cm)
	contains(d, `(ConfigMap demo/doc key "oas.json"), whose ConfigMap does not exist`)
	no_ref := {"tykoasapidefinitions": {"demo/tpl": found({"tykOAS": {}})}}
	some e in it.deny with input as ingress(oas("tpl"), {}, no_ref)
	contains(e, "(no ConfigMap), which has no spec.tykOAS.configmapRef.name")
}

test_offline_warns if {
	inp := ingress(classic("tpl"), {}, {"apidefinitions": {"demo/tpl": {"found": false, "source": "input"}}})
	count(it.deny) == 0 with input as inp
	it.warn == {`Ingress demo/web: metadata.annotations["tyk.io/template"] names ApiDefinition demo/tpl, which is not among the checked files: judged at admission`} with input as inp
	cm_absent := json.patch(oas_refs(secure_gw), [{"op": "replace", "path": "/configmaps/demo~1doc", "value": {"found": false, "source": "input"}}])
	count(it.deny) == 0 with input as ingress(oas("tpl"), {}, cm_absent)
	count(it.warn) == 1 with input as ingress(oas("tpl"), {}, cm_absent)
}

test_delete_is_not_judged if {
	inp := json.patch(ingress({"kubernetes.io/ingress.class": "tyk"}, {}, {}), [{"op": "replace", "path": "/request/operation", "value": "DELETE"}])
	count(it.deny) == 0 with input as inp
}

solver_spec(path, service) := {"rules": [{"host": "web.example.com", "http": {"paths": [{
	"path": path, "pathType": "ImplementationSpecific",
	"backend": {"service": {"name": service, "port": {"number": 8089}}},
}]}}]}

solver(path, service) := json.patch(ingress({"kubernetes.io/ingress.class": "tyk"}, {}, {}), [{"op": "replace", "path": "/request/object/spec", "value": solver_spec(path, service)}])

test_acme_solver_is_not_keyless_exposure if {
	count(it.deny) == 0 with input as solver("/.well-known/acme-challenge/abc123", "cm-acme-http-solver-x7k2p")
	count(it.deny) == 1 with input as solver("/", "cm-acme-http-solver-x7k2p")
	count(it.deny) == 1 with input as solver("/.well-known/acme-challenge/abc123", "admin")
	count(it.deny) == 1 with input as solver("/.well-known/acme-challenge/../admin", "cm-acme-http-solver-x7k2p")
	two := json.patch(solver("/.well-known/acme-challenge/abc123", "cm-acme-http-solver-x7k2p"), [{"op": "add", "path": "/request/object/spec/rules/0/http/paths/-", "value": {"path": "/admin", "pathType": "Prefix", "backend": {"service": {"name": "cm-acme-http-solver-x7k2p", "port": {"number": 8089}}}}}])
	count(it.deny) == 1 with input as two
}

# The template is not judged as an API (lib.tyk ingress_template), so its narrower ignored
# paths are warned on the Ingress, as tyk.ignored_paths warns them on a published API;
# a catch-all stays denied, a reply action is not an ignored path.
test_template_narrow_ignored_paths_are_warned if {
	ignored := object.union(keyed, {"version_data": {"versions": {"Default": {
		"paths": {"ignored": ["/health"]},
		"extended_paths": {"ignored": [
			{"path": "/status", "method_actions": {"GET": {"action": "no_action"}, "HEAD": {"action": "no_action"}}},
			{"path": "/mock", "method_actions": {"GET": {"action": "reply"}}},
		]},
	}}}})
	inp := ingress(classic("tpl"), {}, api_refs(ignored))
	count(it.deny) == 0 with input as inp
	it.warn == {
		`Ingress demo/web: metadata.annotations["tyk.io/template"] names ApiDefinition demo/tpl, whose spec.version_data.versions["Default"].paths.ignored[0] is "/health", so every API built for this Ingress serves every method on it without authentication (the pattern is not anchored: it matches every path containing it); make sure it is public and anchor it in the template, for example ^/health$`,
		`Ingress demo/web: metadata.annotations["tyk.io/template"] names ApiDefinition demo/tpl, whose spec.version_data.versions["Default"].extended_paths.ignored[0].path is "/status", so every API built for this Ingress serves GET, HEAD on it without authentication (the pattern is not anchored: it matches every path containing it); make sure it is public and anchor it in the template, for example ^/health$`,
	} with input as inp
	internal := object.union(ignored, {"internal": true})
	count(it.warn) == 0 with input as ingress(classic("tpl"), {}, api_refs(internal))
	catch_all := object.union(keyed, {"version_data": {"versions": {"Default": {"paths": {"ignored": ["/"]}}}}})
	count(it.warn) == 0 with input as ingress(classic("tpl"), {}, api_refs(catch_all))
	count(it.deny) == 1 with input as ingress(classic("tpl"), {}, api_refs(catch_all))
}

# The template label on the template (as Tyk Operator's samples set it) changes nothing
# about how the Ingress is judged: the controller reads the template whatever its labels.
test_template_label_does_not_change_the_ingress_verdict if {
	labelled := {"apidefinitions": {"demo/tpl": {"found": true, "source": "cluster", "object": {"metadata": {"labels": {"template": "true"}}, "spec": {"use_keyless": true}}}}}
	count(it.deny) == 1 with input as ingress(classic("tpl"), {}, labelled)
}
