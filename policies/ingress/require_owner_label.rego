# METADATA
# title: Ingress should name its owner in a label
# description: >-
#   Warns when an Ingress has no owner label, so whoever gets paged for a host
#   can find the team that exposed it. The label defaults to
#   app.kubernetes.io/owner and can be changed with
#   data.apiguard.config.ingress.ownerLabel. An empty value counts as missing.
# custom:
#   kinds: [Ingress]
#   severity: low
#   remediation: Add the label app.kubernetes.io/owner (or the configured owner label) with the owning team as value.
package ingress.require_owner_label

warn contains msg if {
	applies
	not has_owner
	msg := sprintf(
		"Ingress %s/%s: has no %q label; add metadata.labels[%q] naming the owning team",
		[namespace, name, owner_label, owner_label],
	)
}

# On DELETE the object is null and a warning would be noise.
applies if {
	input.request.operation != "DELETE"
	input.request.kind.group == "networking.k8s.io"
	input.request.kind.kind == "Ingress"
	is_object(input.request.object)
}

default owner_label := "app.kubernetes.io/owner"

owner_label := l if {
	l := data.apiguard.config.ingress.ownerLabel
	is_string(l)
	l != ""
}

has_owner if {
	value := input.request.object.metadata.labels[owner_label]
	is_string(value)
	value != ""
}

name := n if {
	n := input.request.object.metadata.name
	is_string(n)
	n != ""
} else := n if {
	n := input.request.name
	is_string(n)
	n != ""
} else := "<unnamed>"

namespace := ns if {
	ns := input.request.namespace
	is_string(ns)
	ns != ""
} else := ns if {
	ns := input.request.object.metadata.namespace
	is_string(ns)
	ns != ""
} else := "default"
