# METADATA
# title: Exposure objects change only through GitOps
# description: >-
#   CREATE, UPDATE and DELETE of exposure objects (Ingress, Service,
#   NetworkPolicy, Gateway API Gateway/HTTPRoute/GRPCRoute, Tyk
#   ApiDefinition/SecurityPolicy) are denied unless made by a GitOps identity:
#   a username in data.apiguard.config.gitops.identities (exact names or globs;
#   the entry "defaults" adds Flux's kustomize-controller and helm-controller
#   and Argo CD's application-controller) or a member of a group in
#   gitops.identityGroups. Inert while both lists are empty or absent: its
#   enabled rule reads only that configuration, and the engine then leaves the
#   policy out of every query until a revision or data change configures it.
#   A member of gitops.breakGlassGroups may change an object that carries the
#   annotation apiguard.io/break-glass-reason (on DELETE, the existing object's)
#   and gets a warning; the reason is written to the audit log. Kubernetes' own
#   controllers, requests without a username (the CLI without --user), audits,
#   subresources and UPDATEs that change nothing but finalizers, status or other
#   bookkeeping metadata are not judged. metadata.ownerReferences is not
#   bookkeeping here: an owner reference decides when the garbage collector
#   deletes the object (one to an owner that does not exist, or whose uid does
#   not match, gets it deleted within seconds), so adding, removing or changing
#   one (uid, name, kind, apiVersion, controller, blockOwnerDeletion) is a
#   change like any other. Reordering the list is not. The engine hands this
#   policy owner-reference-only UPDATEs because it declares
#   custom.judgesOwnerReferences; Kubernetes' garbage collector, which edits
#   owner references when it orphans dependents, is never judged.
# custom:
#   kinds:
#     - networking.k8s.io/Ingress
#     - extensions/Ingress
#     - networking.k8s.io/NetworkPolicy
#     - extensions/NetworkPolicy
#     - core/Service
#     - gateway.networking.k8s.io/Gateway
#     - gateway.networking.k8s.io/HTTPRoute
#     - gateway.networking.k8s.io/GRPCRoute
#     - gateway.networking.k8s.io/ListenerSet
#     - gateway.networking.k8s.io/TLSRoute
#     - gateway.networking.k8s.io/TCPRoute
#     - gateway.networking.k8s.io/UDPRoute
#     - gateway.networking.k8s.io/BackendTLSPolicy
#     - tyk.tyk.io/ApiDefinition
#     - tyk.tyk.io/SecurityPolicy
#     - tyk.tyk.io/TykOasApiDefinition
#     - tyk.tyk.io/TykStreamsApiDefinition
#     - tyk.tyk.io/TykMcpProxyDefinition
#     - security.istio.io/AuthorizationPolicy
#     - security.istio.io/PeerAuthentication
#     - security.istio.io/RequestAuthentication
#     - networking.istio.io/Gateway
#     - networking.istio.io/VirtualService
#     - networking.istio.io/DestinationRule
#     - gateway.envoyproxy.io/SecurityPolicy
#     - gateway.envoyproxy.io/ClientTrafficPolicy
#     - gateway.envoyproxy.io/Backend
#     - gateway.envoyproxy.io/EnvoyPatchPolicy
#     - projectcontour.io/HTTPProxy
#     - traefik.io/IngressRoute
#     - traefik.io/IngressRouteTCP
#     - traefik.io/Middleware
#     - traefik.io/ServersTransport
#     - traefik.io/TLSOption
#     - traefik.io/MiddlewareTCP
#     - traefik.io/ServersTransportTCP
#     - traefik.io/TLSStore
#     - traefik.io/TraefikService
#     - configuration.konghq.com/KongPlugin
#     - configuration.konghq.com/KongClusterPlugin
#     - configuration.konghq.com/KongConsumer
#     - apisix.apache.org/ApisixRoute
#     - apisix.apache.org/ApisixConsumer
#     - apisix.apache.org/ApisixTls
#     - apisix.apache.org/ApisixUpstream
#     - apisix.apache.org/ApisixPluginConfig
#     - apisix.apache.org/ApisixGlobalRule
#     - getambassador.io/Mapping
#     - getambassador.io/Host
#     - getambassador.io/TLSContext
#   severity: high
#   judgesOwnerReferences: true
#   remediation: >-
#     Commit the change to the GitOps repository and open a pull request; the
#     GitOps controller applies it once merged. In an emergency, a break-glass
#     user sets the annotation apiguard.io/break-glass-reason.
package gitops.reviewed_change

import data.lib.kubernetes as k8s

break_glass_annotation := "apiguard.io/break-glass-reason"

# The identities the entry "defaults" stands for.
default_identities := [
	"system:serviceaccount:flux-system:kustomize-controller",
	"system:serviceaccount:flux-system:helm-controller",
	"system:serviceaccount:argocd:argocd-application-controller",
]

# Kubernetes' own controllers: the namespace controller deletes everything in a
# namespace being deleted, the garbage collector deletes dependents and edits
# ownerReferences. Blocking them would leave namespaces stuck in Terminating.
system_controllers := {
	"system:kube-controller-manager",
	"system:serviceaccount:kube-system:namespace-controller",
	"system:serviceaccount:kube-system:generic-garbage-collector",
}

exposure_kinds := {
	["networking.k8s.io", "Ingress"],
	["", "Service"],
	["networking.k8s.io", "NetworkPolicy"],
	["gateway.networking.k8s.io", "Gateway"],
	["gateway.networking.k8s.io", "HTTPRoute"],
	["gateway.networking.k8s.io", "GRPCRoute"],
	["tyk.tyk.io", "ApiDefinition"],
	["tyk.tyk.io", "SecurityPolicy"],
}

deny contains msg if {
	judged
	not break_glass_reason
	msg := sprintf("%s: %s by %q is not allowed outside GitOps; %s%s", [
		k8s.display, what, username, pull_request_hint, break_glass_hint,
	])
}

warn contains result if {
	judged
	reason := break_glass_reason
	result := {
		"msg": sprintf("%s: break-glass %s by %q bypasses GitOps review (reason: %q); %s to bring Git back in line, or the GitOps controller will revert it", [
			k8s.display, what, username, reason, pull_request_hint,
		]),
		"auditAnnotations": {"break-glass-reason": reason, "break-glass-user": username},
	}
}

# judged holds for a change by a person or tool that is not a GitOps identity.
judged if {
	enabled
	input.request.operation in {"CREATE", "UPDATE", "DELETE"}
	[k8s.group, k8s.kind] in exposure_kinds
	not subresource
	username != ""
	not username in system_controllers
	not gitops_identity
	not bookkeeping_update
}

# Off until configured: a fresh install must not lock everyone out. enabled reads
# only data (the engine's contract for inert policies, docs/policy-contract.md):
# while it is false, deny and warn can never hold, since both need judged.
enabled if count(identities) + count(identity_groups) > 0

username := u if {
	u := input.request.userInfo.username
	is_string(u)
} else := ""

user_groups := [g | some g in k8s.array_at(object.get(input.request, "userInfo", {}), "groups"); is_string(g)]

subresource if {
	s := input.request.subResource
	is_string(s)
	s != ""
}

gitops_identity if {
	some pattern in identities
	matches(pattern, username)
}

gitops_identity if in_group(identity_groups)

in_group(patterns) if {
	some pattern in patterns
	some group in user_groups
	matches(pattern, group)
}

# An exact name, or a glob in which "*" also matches ":".
matches(pattern, value) if pattern == value

matches(pattern, value) if glob.match(pattern, null, value)

identities := array.concat(configured, expanded) if {
	configured := strings_at("identities")
	expanded := [id | "defaults" in configured; some id in default_identities]
}

identity_groups := strings_at("identityGroups")

break_glass_groups := strings_at("breakGlassGroups")

# A malformed setting (not an array) is empty; non-string entries are ignored.
strings_at(key) := [s | some s in k8s.array_at(k8s.config.gitops, key); is_string(s)]

# On DELETE, k8s.annotations reads the object being deleted (oldObject).
break_glass_reason := reason if {
	in_group(break_glass_groups)
	raw := k8s.annotations[break_glass_annotation]
	is_string(raw)
	reason := trim_space(raw)
	reason != ""
}

# An UPDATE that leaves spec, labels, annotations, owner references and every
# other top-level field but metadata and status as they were (a controller
# adding a finalizer, writing managedFields) changes nothing a review covers.
bookkeeping_update if {
	input.request.operation == "UPDATE"
	content(input.request.object) == content(input.request.oldObject)
	owners(input.request.object) == owners(input.request.oldObject)
}

# owners_only_update: the change is to metadata.ownerReferences alone.
owners_only_update if {
	input.request.operation == "UPDATE"
	content(input.request.object) == content(input.request.oldObject)
	owners(input.request.object) != owners(input.request.oldObject)
}

content(o) := {
	"body": object.remove(o, ["metadata", "status"]),
	"labels": object.get(o, ["metadata", "labels"], {}),
	"annotations": object.get(o, ["metadata", "annotations"], {}),
}

# owners is the set of owner references with the fields the garbage collector
# reads; an absent boolean is false, as the garbage collector reads it, and the
# order of the list does not matter to it.
owners(o) := {owner_key(r) | some r in k8s.array_at(o.metadata, "ownerReferences"); is_object(r)} if {
	is_object(o.metadata)
} else := set()

owner_key(r) := [
	object.get(r, "apiVersion", ""),
	object.get(r, "kind", ""),
	object.get(r, "name", ""),
	object.get(r, "uid", ""),
	object.get(r, "controller", false) == true,
	object.get(r, "blockOwnerDeletion", false) == true,
]

verb := {"CREATE": "creation", "UPDATE": "change", "DELETE": "deletion"}[input.request.operation]

# what names the change; an owner-reference change says why it matters.
what := "change of metadata.ownerReferences (which decides when the garbage collector deletes the object)" if {
	owners_only_update
} else := verb

pull_request_hint := sprintf("commit the change to %s and open a pull request", [repository]) if {
	repository := k8s.setting(["gitops", "repository"], "")
	is_string(repository)
	repository != ""
} else := "commit the change to the GitOps repository and open a pull request"

break_glass_hint := sprintf("; in an emergency, a member of %s may set the annotation %s", [concat(", ", break_glass_groups), break_glass_annotation]) if {
	count(break_glass_groups) > 0
} else := ""
