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
#   field: metadata.labels
#   remediation: Add the label app.kubernetes.io/owner (or the configured owner label) with the owning team as value.
package ingress.require_owner_label

import data.lib.kubernetes as k8s

warn contains msg if {
	applies
	not has_owner
	msg := sprintf(
		"%s: has no %q label; add metadata.labels[%q] naming the owning team",
		[k8s.display, owner_label, owner_label],
	)
}

# Writes and audits are judged; on DELETE a warning would be noise.
applies if {
	k8s.is_check
	k8s.group == "networking.k8s.io"
	k8s.kind == "Ingress"
}

owner_label := l if {
	l := k8s.setting(["ingress", "ownerLabel"], "")
	is_string(l)
	l != ""
} else := "app.kubernetes.io/owner"

has_owner if {
	value := k8s.labels[owner_label]
	is_string(value)
	value != ""
}
