package ingress.allowed_class_test

import data.ingress.allowed_class

request(operation, annotations, spec) := {"request": {
	"uid": "1",
	"kind": {"group": "networking.k8s.io", "version": "v1", "kind": "Ingress"},
	"name": "web",
	"namespace": "demo",
	"operation": operation,
	"object": {
		"apiVersion": "networking.k8s.io/v1",
		"kind": "Ingress",
		"metadata": {"name": "web", "namespace": "demo", "annotations": annotations},
		"spec": object.union({"rules": [{"host": "a.example.com"}]}, spec),
	},
}}

allowed := {"ingress": {"allowedClasses": ["nginx", "nginx-internal"]}}

required := {"ingress": {"requireClass": true}}

test_default_config_allows_any_class if {
	count(allowed_class.deny) == 0 with input as request("CREATE", {}, {"ingressClassName": "traefik"})
	count(allowed_class.deny) == 0 with input as request("CREATE", {}, {})
}

test_allowed_class_passes if {
	count(allowed_class.deny) == 0 with input as request("CREATE", {}, {"ingressClassName": "nginx-internal"})
		with data.apiguard.config as allowed
}

test_disallowed_class_denied if {
	denies := allowed_class.deny with input as request("CREATE", {}, {"ingressClassName": "traefik"})
		with data.apiguard.config as allowed
	denies == {`Ingress demo/web: ingress class "traefik" is not allowed; set spec.ingressClassName to one of: nginx, nginx-internal`}
}

test_legacy_annotation_checked if {
	count(allowed_class.deny) == 1 with input as request("CREATE", {"kubernetes.io/ingress.class": "traefik"}, {})
		with data.apiguard.config as allowed
	count(allowed_class.deny) == 0 with input as request("CREATE", {"kubernetes.io/ingress.class": "nginx"}, {})
		with data.apiguard.config as allowed
}

test_class_name_wins_over_annotation if {
	req := request("CREATE", {"kubernetes.io/ingress.class": "traefik"}, {"ingressClassName": "nginx"})
	count(allowed_class.deny) == 0 with input as req with data.apiguard.config as allowed
}

test_missing_class_passes_unless_required if {
	count(allowed_class.deny) == 0 with input as request("CREATE", {}, {}) with data.apiguard.config as allowed
	count(allowed_class.deny) == 0 with input as request("CREATE", {}, {"ingressClassName": ""})
		with data.apiguard.config as allowed
}

test_missing_class_denied_when_required if {
	denies := allowed_class.deny with input as request("CREATE", null, {}) with data.apiguard.config as required
	denies == {"Ingress demo/web: has no ingress class; set spec.ingressClassName to the class of the ingress controller that should serve it"}
}

test_missing_class_message_lists_allowed if {
	cfg := {"ingress": {"requireClass": true, "allowedClasses": ["nginx"]}}
	denies := allowed_class.deny with input as request("CREATE", {"kubernetes.io/ingress.class": ""}, {}) with data.apiguard.config as cfg
	denies == {"Ingress demo/web: has no ingress class; set spec.ingressClassName to one of: nginx"}
}

test_require_class_must_be_true if {
	count(allowed_class.deny) == 0 with input as request("CREATE", {}, {})
		with data.apiguard.config as {"ingress": {"requireClass": "true"}}
}

test_required_class_present_passes if {
	count(allowed_class.deny) == 0 with input as request("CREATE", {}, {"ingressClassName": "any"})
		with data.apiguard.config as required
}

test_empty_or_malformed_list_allows_any if {
	count(allowed_class.deny) == 0 with input as request("CREATE", {}, {"ingressClassName": "traefik"})
		with data.apiguard.config as {"ingress": {"allowedClasses": []}}
	count(allowed_class.deny) == 0 with input as request("CREATE", {}, {"ingressClassName": "traefik"})
		with data.apiguard.config as {"ingress": {"allowedClasses": "nginx"}}
	count(allowed_class.deny) == 0 with input as request("CREATE", {}, {"ingressClassName": "traefik"})
		with data.apiguard.config as {"ingress": {"allowedClasses": [1, ""]}}
}

test_update_and_audit_judged if {
	count(allowed_class.deny) == 1 with input as request("UPDATE", {}, {"ingressClassName": "traefik"})
		with data.apiguard.config as allowed
	count(allowed_class.deny) == 1 with input as request("AUDIT", {}, {"ingressClassName": "traefik"})
		with data.apiguard.config as allowed
}

test_delete_not_denied if {
	req := {"request": {
		"kind": {"group": "networking.k8s.io", "version": "v1", "kind": "Ingress"},
		"name": "web",
		"namespace": "demo",
		"operation": "DELETE",
		"object": null,
		"oldObject": request("CREATE", {}, {"ingressClassName": "traefik"}).request.object,
	}}
	count(allowed_class.deny) == 0 with input as req with data.apiguard.config as allowed
}

test_other_kind_ignored if {
	req := json.patch(request("CREATE", {}, {"ingressClassName": "traefik"}), [{
		"op": "replace",
		"path": "/request/kind",
		"value": {"group": "networking.k8s.io", "version": "v1", "kind": "IngressClass"},
	}])
	count(allowed_class.deny) == 0 with input as req with data.apiguard.config as allowed
}

# enabled is the engine's activation rule: while it is not true the policy is
# never evaluated, so every configuration under which a deny can hold enables it.
test_enabled_only_when_configured if {
	every cfg in [
		{}, {"ingress": {}}, {"ingress": {"allowedClasses": []}},
		{"ingress": {"allowedClasses": "nginx"}}, {"ingress": {"allowedClasses": [1, ""]}},
		{"ingress": {"requireClass": false}}, {"ingress": {"requireClass": "true"}},
	] {
		not allowed_class.enabled with data.apiguard.config as cfg
	}
	not allowed_class.enabled
	allowed_class.enabled with data.apiguard.config as allowed
	allowed_class.enabled with data.apiguard.config as required
}

# While not enabled, no request is denied: the engine's dropping changes no verdict.
test_not_enabled_denies_nothing if {
	every cfg in [{}, {"ingress": {"allowedClasses": [1, ""]}}, {"ingress": {"requireClass": "true"}}] {
		every spec in [{}, {"ingressClassName": "traefik"}, {"ingressClassName": ""}] {
			count(allowed_class.deny) == 0 with input as request("CREATE", {}, spec) with data.apiguard.config as cfg
		}
		count(allowed_class.deny) == 0 with input as request("CREATE", {"kubernetes.io/ingress.class": "x"}, {})
			with data.apiguard.config as cfg
	}
}
