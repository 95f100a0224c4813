package gitops.reviewed_change_test

import data.gitops.reviewed_change

ingress(annotations) := {
	"apiVersion": "networking.k8s.io/v1",
	"kind": "Ingress",
	"metadata": {"name": "shop", "namespace": "demo", "annotations": annotations, "finalizers": []},
	"spec": {"ingressClassName": "nginx", "rules": [{"host": "shop.example.com"}]},
}

request(operation, user, groups, obj, old) := {"request": {
	"uid": "1",
	"kind": {"group": "networking.k8s.io", "version": "v1", "kind": "Ingress"},
	"name": "shop",
	"namespace": "demo",
	"operation": operation,
	"userInfo": {"username": user, "groups": groups},
	"object": obj,
	"oldObject": old,
}}

create(user, groups) := request("CREATE", user, groups, ingress({}), null)

flux := "system:serviceaccount:flux-system:kustomize-controller"

config := {"gitops": {"identities": [flux]}}

repo_config := {"gitops": {
	"identities": [flux],
	"repository": "https://git.example.com/platform/apps",
	"breakGlassGroups": ["sre-oncall", "platform-admins"],
}}

break_glass := {"apiguard.io/break-glass-reason": "  INC-42 gateway outage  "}

test_not_enforced_without_identities if {
	every cfg in [{}, {"gitops": {}}, {"gitops": {"identities": []}}, {"gitops": {"identities": "x"}}, {"gitops": {"repository": "r", "breakGlassGroups": ["sre"]}}] {
		count(reviewed_change.deny) == 0 with input as create("alice", []) with data.apiguard.config as cfg
	}
	count(reviewed_change.deny) == 0 with input as create("alice", [])
}

# enabled is the engine's activation rule (read once per revision, without
# input): the same configurations as above leave the policy inert.
test_enabled_only_with_identities_or_groups if {
	every cfg in [{}, {"gitops": {}}, {"gitops": {"identities": []}}, {"gitops": {"identities": "x"}}, {"gitops": {"identities": [1]}}, {"gitops": {"repository": "r", "breakGlassGroups": ["sre"]}}] {
		not reviewed_change.enabled with data.apiguard.config as cfg
	}
	not reviewed_change.enabled
	reviewed_change.enabled with data.apiguard.config as config
	reviewed_change.enabled with data.apiguard.config as {"gitops": {"identities": ["defaults"]}}
	reviewed_change.enabled with data.apiguard.config as {"gitops": {"identityGroups": ["gitops"]}}
}

test_other_user_denied if {
	denies := reviewed_change.deny with input as create("alice", ["system:authenticated"]) with data.apiguard.config as config
	denies == {"Ingress demo/shop: creation by \"alice\" is not allowed outside GitOps; commit the change to the GitOps repository and open a pull request"}
	count(reviewed_change.warn) == 0 with input as create("alice", []) with data.apiguard.config as config
}

test_message_names_repository_and_break_glass_groups if {
	denies := reviewed_change.deny with input as create("alice", []) with data.apiguard.config as repo_config
	denies == {"Ingress demo/shop: creation by \"alice\" is not allowed outside GitOps; commit the change to https://git.example.com/platform/apps and open a pull request; in an emergency, a member of sre-oncall, platform-admins may set the annotation apiguard.io/break-glass-reason"}
}

test_malformed_repository_ignored if {
	denies := reviewed_change.deny with input as create("alice", []) with data.apiguard.config as {"gitops": {"identities": [flux], "repository": 42}}
	some msg in denies
	contains(msg, "commit the change to the GitOps repository")
}

test_identity_allowed if {
	every op in ["CREATE", "UPDATE", "DELETE"] {
		count(reviewed_change.deny) == 0
			with input as request(op, flux, [], ingress({}), ingress({"changed": "yes"}))
			with data.apiguard.config as config
	}
}

test_defaults_entry_adds_flux_and_argo if {
	cfg := {"gitops": {"identities": ["defaults"]}}
	every user in [
		flux,
		"system:serviceaccount:flux-system:helm-controller",
		"system:serviceaccount:argocd:argocd-application-controller",
	] {
		count(reviewed_change.deny) == 0 with input as create(user, []) with data.apiguard.config as cfg
	}
	count(reviewed_change.deny) == 1 with input as create("alice", []) with data.apiguard.config as cfg
}

test_defaults_are_not_implied if {
	count(reviewed_change.deny) == 1
		with input as create("system:serviceaccount:argocd:argocd-application-controller", [])
		with data.apiguard.config as config
}

test_glob_identities if {
	cfg := {"gitops": {"identities": ["system:serviceaccount:flux-system:*", 7]}}
	count(reviewed_change.deny) == 0 with input as create("system:serviceaccount:flux-system:a.b", []) with data.apiguard.config as cfg
	count(reviewed_change.deny) == 1 with input as create("system:serviceaccount:flux-system-evil:x", []) with data.apiguard.config as cfg
	count(reviewed_change.deny) == 1 with input as create("alice", []) with data.apiguard.config as cfg
}

test_identity_groups if {
	cfg := {"gitops": {"identityGroups": ["system:serviceaccounts:flux-system", "gitops-*"]}}
	count(reviewed_change.deny) == 0 with input as create("flux-x", ["system:serviceaccounts:flux-system"]) with data.apiguard.config as cfg
	count(reviewed_change.deny) == 0 with input as create("bot", ["gitops-bots"]) with data.apiguard.config as cfg
	count(reviewed_change.deny) == 1 with input as create("alice", ["developers"]) with data.apiguard.config as cfg
	count(reviewed_change.deny) == 1 with input as create("alice", "developers") with data.apiguard.config as cfg
}

test_break_glass_warns_with_audit_annotations if {
	req := create("bob", ["system:authenticated", "sre-oncall"])
	patched := json.patch(req, [{"op": "replace", "path": "/request/object/metadata/annotations", "value": break_glass}])
	count(reviewed_change.deny) == 0 with input as patched with data.apiguard.config as repo_config
	warns := reviewed_change.warn with input as patched with data.apiguard.config as repo_config
	warns == {{
		"msg": "Ingress demo/shop: break-glass creation by \"bob\" bypasses GitOps review (reason: \"INC-42 gateway outage\"); commit the change to https://git.example.com/platform/apps and open a pull request to bring Git back in line, or the GitOps controller will revert it",
		"auditAnnotations": {"break-glass-reason": "INC-42 gateway outage", "break-glass-user": "bob"},
	}}
}

test_break_glass_needs_group_and_reason if {
	with_reason := request("UPDATE", "bob", ["developers"], ingress(break_glass), ingress({}))
	count(reviewed_change.deny) == 1 with input as with_reason with data.apiguard.config as repo_config
	count(reviewed_change.warn) == 0 with input as with_reason with data.apiguard.config as repo_config
	every annotations in [{}, {"apiguard.io/break-glass-reason": "   "}, {"apiguard.io/break-glass-reason": true}] {
		req := request("UPDATE", "bob", ["sre-oncall"], ingress(annotations), ingress({"x": "y"}))
		count(reviewed_change.deny) == 1 with input as req with data.apiguard.config as repo_config
		count(reviewed_change.warn) == 0 with input as req with data.apiguard.config as repo_config
	}
}

test_delete_denied if {
	req := request("DELETE", "alice", [], null, ingress({}))
	denies := reviewed_change.deny with input as req with data.apiguard.config as config
	denies == {"Ingress demo/shop: deletion by \"alice\" is not allowed outside GitOps; commit the change to the GitOps repository and open a pull request"}
}

test_delete_break_glass_reads_old_object if {
	req := request("DELETE", "bob", ["sre-oncall"], null, ingress(break_glass))
	count(reviewed_change.deny) == 0 with input as req with data.apiguard.config as repo_config
	warns := reviewed_change.warn with input as req with data.apiguard.config as repo_config
	some w in warns
	startswith(w.msg, "Ingress demo/shop: break-glass deletion by \"bob\"")
	w.auditAnnotations["break-glass-reason"] == "INC-42 gateway outage"
	no_reason := request("DELETE", "bob", ["sre-oncall"], ingress(break_glass), ingress({}))
	count(reviewed_change.deny) == 1 with input as no_reason with data.apiguard.config as repo_config
}

test_update_denied if {
	req := request("UPDATE", "alice", [], ingress({"a": "1"}), ingress({}))
	denies := reviewed_change.deny with input as req with data.apiguard.config as config
	denies == {"Ingress demo/shop: change by \"alice\" is not allowed outside GitOps; commit the change to the GitOps repository and open a pull request"}
}

test_spec_and_label_updates_denied if {
	old := ingress({})
	spec_change := json.patch(old, [{"op": "replace", "path": "/spec/ingressClassName", "value": "other"}])
	label_change := json.patch(old, [{"op": "add", "path": "/metadata/labels", "value": {"team": "x"}}])
	count(reviewed_change.deny) == 1 with input as request("UPDATE", "alice", [], spec_change, old) with data.apiguard.config as config
	count(reviewed_change.deny) == 1 with input as request("UPDATE", "alice", [], label_change, old) with data.apiguard.config as config
}

test_bookkeeping_update_not_judged if {
	old := ingress({})
	new := json.patch(old, [
		{"op": "replace", "path": "/metadata/finalizers", "value": ["tyk.tyk.io/finalizer"]},
		{"op": "add", "path": "/metadata/resourceVersion", "value": "42"},
		{"op": "add", "path": "/status", "value": {"loadBalancer": {}}},
	])
	count(reviewed_change.deny) == 0 with input as request("UPDATE", "operator", [], new, old) with data.apiguard.config as config
}

ghost_owner := {
	"apiVersion": "v1",
	"kind": "ConfigMap",
	"name": "ghost",
	"uid": "6a1c1a2e-0000-4000-8000-000000000001",
}

with_owners(owners) := json.patch(ingress({}), [{"op": "add", "path": "/metadata/ownerReferences", "value": owners}])

test_owner_reference_changes_denied if {
	other_uid := object.union(ghost_owner, {"uid": "6a1c1a2e-0000-4000-8000-000000000002"})
	every change in [
		# An owner that does not exist: the garbage collector deletes the Ingress.
		[with_owners([ghost_owner]), ingress({})],
		# A real owner's uid swapped for one that does not exist.
		[with_owners([other_uid]), with_owners([ghost_owner])],
		# Owner removed: the object outlives what it belonged to.
		[ingress({}), with_owners([ghost_owner])],
		[with_owners([]), with_owners([ghost_owner])],
		# A second owner added.
		[with_owners([ghost_owner, other_uid]), with_owners([ghost_owner])],
		# blockOwnerDeletion and controller decide how the owner's deletion proceeds.
		[with_owners([object.union(ghost_owner, {"blockOwnerDeletion": true})]), with_owners([ghost_owner])],
		[with_owners([object.union(ghost_owner, {"controller": true})]), with_owners([ghost_owner])],
		[with_owners([ghost_owner]), with_owners([object.union(ghost_owner, {"blockOwnerDeletion": true})])],
	] {
		denies := reviewed_change.deny with input as request("UPDATE", "alice", [], change[0], change[1]) with data.apiguard.config as config
		denies == {"Ingress demo/shop: change of metadata.ownerReferences (which decides when the garbage collector deletes the object) by \"alice\" is not allowed outside GitOps; commit the change to the GitOps repository and open a pull request"}
	}
}

test_owner_reference_noise_is_bookkeeping if {
	other := object.union(ghost_owner, {"name": "other", "uid": "6a1c1a2e-0000-4000-8000-000000000002"})
	every change in [
		# Reordered: the garbage collector reads a set.
		[with_owners([other, ghost_owner]), with_owners([ghost_owner, other])],
		# false spelled out equals false left out.
		[with_owners([object.union(ghost_owner, {"blockOwnerDeletion": false, "controller": false})]), with_owners([ghost_owner])],
		# Empty list equals none.
		[with_owners([]), ingress({})],
	] {
		count(reviewed_change.deny) == 0 with input as request("UPDATE", "alice", [], change[0], change[1]) with data.apiguard.config as config
	}
}

test_owner_reference_by_gitops_or_garbage_collector_allowed if {
	req := request("UPDATE", flux, [], with_owners([ghost_owner]), ingress({}))
	count(reviewed_change.deny) == 0 with input as req with data.apiguard.config as config
	gc := request("UPDATE", "system:serviceaccount:kube-system:generic-garbage-collector", [], ingress({}), with_owners([ghost_owner]))
	count(reviewed_change.deny) == 0 with input as gc with data.apiguard.config as config
}

test_owner_reference_break_glass_warns if {
	cfg := {"gitops": {"identities": [flux], "breakGlassGroups": ["sre"]}}
	new := json.patch(with_owners([ghost_owner]), [{"op": "add", "path": "/metadata/annotations", "value": break_glass}])
	old := json.patch(ingress({}), [{"op": "add", "path": "/metadata/annotations", "value": break_glass}])
	count(reviewed_change.deny) == 0 with input as request("UPDATE", "bob", ["sre"], new, old) with data.apiguard.config as cfg
	some w in reviewed_change.warn with input as request("UPDATE", "bob", ["sre"], new, old) with data.apiguard.config as cfg
	contains(w.msg, "break-glass change of metadata.ownerReferences")
}

test_never_for_audit_connect_or_anonymous_cli if {
	every req in [
		request("AUDIT", "alice", [], ingress({}), null),
		request("CONNECT", "alice", [], ingress({}), null),
		create("", []),
		json.patch(create("x", []), [{"op": "remove", "path": "/request/userInfo"}]),
		json.patch(create("x", []), [{"op": "replace", "path": "/request/userInfo/username", "value": 5}]),
	] {
		count(reviewed_change.deny) == 0 with input as req with data.apiguard.config as config
		count(reviewed_change.warn) == 0 with input as req with data.apiguard.config as config
	}
}

test_subresources_not_judged if {
	req := json.patch(request("UPDATE", "alice", [], ingress({"a": "1"}), ingress({})), [{"op": "add", "path": "/request/subResource", "value": "status"}])
	count(reviewed_change.deny) == 0 with input as req with data.apiguard.config as config
	empty := json.patch(create("alice", []), [{"op": "add", "path": "/request/subResource", "value": ""}])
	count(reviewed_change.deny) == 1 with input as empty with data.apiguard.config as config
}

test_kubernetes_controllers_allowed if {
	every user in [
		"system:serviceaccount:kube-system:namespace-controller",
		"system:serviceaccount:kube-system:generic-garbage-collector",
		"system:kube-controller-manager",
	] {
		count(reviewed_change.deny) == 0 with input as request("DELETE", user, [], null, ingress({})) with data.apiguard.config as config
	}
}

test_every_exposure_kind_judged if {
	every gk in [
		["networking.k8s.io", "Ingress"],
		["", "Service"],
		["networking.k8s.io", "NetworkPolicy"],
		["gateway.networking.k8s.io", "Gateway"],
		["gateway.networking.k8s.io", "HTTPRoute"],
		["gateway.networking.k8s.io", "GRPCRoute"],
		["tyk.tyk.io", "ApiDefinition"],
		["tyk.tyk.io", "SecurityPolicy"],
	] {
		req := json.patch(create("alice", []), [{"op": "replace", "path": "/request/kind", "value": {"group": gk[0], "version": "v1", "kind": gk[1]}}])
		denies := reviewed_change.deny with input as req with data.apiguard.config as config
		some msg in denies
		startswith(msg, sprintf("%s demo/shop: ", [gk[1]]))
	}
}

test_other_kinds_ignored if {
	every gk in [["apps", "Deployment"], ["", "ConfigMap"], ["example.com", "Ingress"], ["networking.k8s.io", "IngressClass"]] {
		req := json.patch(create("alice", []), [{"op": "replace", "path": "/request/kind", "value": {"group": gk[0], "version": "v1", "kind": gk[1]}}])
		count(reviewed_change.deny) == 0 with input as req with data.apiguard.config as config
	}
}
