# A conftest policy that runs apiguard's own Ingress policies, so conftest and apiguard
# judge the same manifests with the same Rego. conftest hands each manifest over as
# input; the policies expect the AdmissionRequest the webhook gets, so the shim wraps
# the manifest in one, as `apiguard check` does (CREATE, no user).
package main

request := {
	"uid": "bench",
	"kind": {"group": "networking.k8s.io", "version": "v1", "kind": input.kind},
	"resource": {"group": "networking.k8s.io", "version": "v1", "resource": "ingresses"},
	"operation": "CREATE",
	"namespace": object.get(input.metadata, "namespace", "default"),
	"name": input.metadata.name,
	"userInfo": {"username": ""},
	"object": input,
}

deny contains msg if {
	input.kind == "Ingress"
	some name
	some msg in data.ingress[name].deny with input as {"request": request}
}

deny contains msg if {
	input.kind == "Ingress"
	some name
	some msg in data.ingress[name].violation with input as {"request": request}
}

warn contains msg if {
	input.kind == "Ingress"
	some name
	some msg in data.ingress[name].warn with input as {"request": request}
}
