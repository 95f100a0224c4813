package ingress.require_owner_label_test

import data.ingress.require_owner_label

request(operation, metadata) := {"request": {
	"uid": "1",
	"kind": {"group": "networking.k8s.io", "version": "v1", "kind": "Ingress"},
	"name": "web",
	"namespace": "demo",
	"operation": operation,
	"object": {
		"apiVersion": "networking.k8s.io/v1",
		"kind": "Ingress",
		"metadata": metadata,
		"spec": {"rules": [{"host": "a.example.com"}]},
	},
}}

test_owner_label_present if {
	md := {"name": "web", "namespace": "demo", "labels": {"app.kubernetes.io/owner": "team-a"}}
	count(require_owner_label.warn) == 0 with input as request("CREATE", md)
}

test_no_labels_warns if {
	md := {"name": "web", "namespace": "demo"}
	warns := require_owner_label.warn with input as request("CREATE", md)
	warns == {`Ingress demo/web: has no "app.kubernetes.io/owner" label; add metadata.labels["app.kubernetes.io/owner"] naming the owning team`}
}

test_other_labels_warns if {
	md := {"name": "web", "namespace": "demo", "labels": {"app": "web"}}
	count(require_owner_label.warn) == 1 with input as request("CREATE", md)
}

test_empty_owner_warns if {
	md := {"name": "web", "namespace": "demo", "labels": {"app.kubernetes.io/owner": ""}}
	count(require_owner_label.warn) == 1 with input as request("CREATE", md)
}

test_null_labels_warns if {
	md := {"name": "web", "namespace": "demo", "labels": null}
	count(require_owner_label.warn) == 1 with input as request("CREATE", md)
}

test_never_denies if {
	md := {"name": "web", "namespace": "demo"}
	not require_owner_label.deny with input as request("CREATE", md)
}

test_update_warns if {
	md := {"name": "web", "namespace": "demo"}
	count(require_owner_label.warn) == 1 with input as request("UPDATE", md)
}

test_delete_no_warning if {
	req := {"request": {
		"kind": {"group": "networking.k8s.io", "version": "v1", "kind": "Ingress"},
		"name": "web",
		"namespace": "demo",
		"operation": "DELETE",
		"object": null,
		"oldObject": {"metadata": {"name": "web", "namespace": "demo"}},
	}}
	count(require_owner_label.warn) == 0 with input as req
}

test_configured_label_present if {
	md := {"name": "web", "namespace": "demo", "labels": {"example.com/team": "team-a"}}
	count(require_owner_label.warn) == 0
		with input as request("CREATE", md)
		with data.apiguard.config as {"ingress": {"ownerLabel": "example.com/team"}}
}

test_configured_label_missing_warns if {
	md := {"name": "web", "namespace": "demo", "labels": {"app.kubernetes.io/owner": "team-a"}}
	warns := require_owner_label.warn
		with input as request("CREATE", md)
		with data.apiguard.config as {"ingress": {"ownerLabel": "example.com/team"}}
	warns == {`Ingress demo/web: has no "example.com/team" label; add metadata.labels["example.com/team"] naming the owning team`}
}

test_empty_configured_label_uses_default if {
	md := {"name": "web", "namespace": "demo", "labels": {"app.kubernetes.io/owner": "team-a"}}
	count(require_owner_label.warn) == 0
		with input as request("CREATE", md)
		with data.apiguard.config as {"ingress": {"ownerLabel": ""}}
}

test_other_config_uses_default if {
	md := {"name": "web", "namespace": "demo"}
	warns := require_owner_label.warn
		with input as request("CREATE", md)
		with data.apiguard.config as {"enforcement": {"ingress.require_tls": "warn"}}
	some msg in warns
	contains(msg, `"app.kubernetes.io/owner"`)
}

test_audit_warns if {
	md := {"name": "web", "namespace": "demo"}
	count(require_owner_label.warn) == 1 with input as request("AUDIT", md)
}

test_non_string_configured_label_uses_default if {
	md := {"name": "web", "namespace": "demo", "labels": {"app.kubernetes.io/owner": "team-a"}}
	count(require_owner_label.warn) == 0
		with input as request("CREATE", md)
		with data.apiguard.config as {"ingress": {"ownerLabel": ["example.com/team"]}}
}
