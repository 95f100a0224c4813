# A conftest policy over apiguard's bundled library: it wraps the raw manifest in the
# AdmissionRequest the webhook would receive and asks the bundled policies, so
# `conftest test -p policies -p shim` and `apiguard check` agree on the same files.
package main

# The request `apiguard check` builds offline: operation CREATE, namespace "default"
# for objects without one.
request := {
	"kind": {"group": group, "version": version, "kind": input.kind},
	"operation": "CREATE",
	"name": object.get(input, ["metadata", "name"], ""),
	"namespace": object.get(input, ["metadata", "namespace"], "default"),
	"object": input,
}

group := g if {
	[g, _] := split(input.apiVersion, "/")
} else := ""

version := v if {
	[_, v] := split(input.apiVersion, "/")
} else := input.apiVersion

deny_require_tls contains msg if {
	some msg in data.ingress.require_tls.deny with input as {"request": request}
}

deny_no_plain_http contains msg if {
	some msg in data.ingress.no_plain_http.deny with input as {"request": request}
}

deny_no_wildcard_host contains msg if {
	some msg in data.ingress.no_wildcard_host.deny with input as {"request": request}
}

deny_no_snippet_annotations contains msg if {
	some msg in data.ingress.no_snippet_annotations.deny with input as {"request": request}
}

warn_require_owner_label contains msg if {
	some msg in data.ingress.require_owner_label.warn with input as {"request": request}
}
