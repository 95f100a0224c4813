# METADATA
# title: NetworkPolicy states its policyTypes explicitly
# description: >-
#   When spec.policyTypes is unset (missing, null or []), adds the value the API
#   server would default it to (SetDefaults_NetworkPolicy in
#   k8s.io/kubernetes/pkg/apis/networking/v1): ["Ingress"], plus "Egress" when
#   spec.egress has at least one rule. An empty or missing spec.egress gives
#   ["Ingress"] only, as in Kubernetes. Making the value explicit shows the
#   policy's intent in Git diffs (an author who meant "deny all egress" sees
#   that Egress is missing). A value the user set is never changed. In a
#   cluster the API server has usually defaulted the field before the mutating
#   webhook runs, so the patch mostly applies to manifests checked by the CLI.
# custom:
#   kinds: [NetworkPolicy]
#   severity: low
#   remediation: >-
#     Nothing to do: spec.policyTypes is added for you. Set it yourself, e.g.
#     [Ingress, Egress] to also deny all egress.
package networkpolicy.default_policy_types

import data.lib.kubernetes as k8s

patch contains op if {
	applies
	not has_spec
	op := {"op": "add", "path": "/spec", "value": {"policyTypes": defaulted_types}}
}

# "add" on a null or empty policyTypes replaces it: the API server treats both
# as unset.
patch contains op if {
	applies
	has_spec
	policy_types_unset
	op := {"op": "add", "path": "/spec/policyTypes", "value": defaulted_types}
}

# A helper rule: "not is_object(k8s.resource.spec)" would be undefined, not
# true, when spec is missing.
has_spec if is_object(k8s.resource.spec)

applies if {
	k8s.is_write
	k8s.group == "networking.k8s.io"
	k8s.kind == "NetworkPolicy"
	k8s.version == "v1"
	is_object(k8s.resource)
}

policy_types_unset if not "policyTypes" in object.keys(k8s.spec)

policy_types_unset if k8s.spec.policyTypes == null

policy_types_unset if k8s.spec.policyTypes == []

defaulted_types := ["Ingress", "Egress"] if {
	count(k8s.array_at(k8s.spec, "egress")) > 0
} else := ["Ingress"]
