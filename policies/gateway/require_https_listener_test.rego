package gateway.require_https_listener_test

import data.gateway.require_https_listener as policy

request(operation, kind, spec) := {"request": {
	"uid": "1",
	"kind": {"group": "gateway.networking.k8s.io", "version": "v1", "kind": kind},
	"name": "web",
	"namespace": "demo",
	"operation": operation,
	"object": {
		"apiVersion": "gateway.networking.k8s.io/v1",
		"kind": kind,
		"metadata": {"name": "web", "namespace": "demo"},
		"spec": spec,
	},
}}

delete_request(kind, spec) := {"request": {
	"kind": {"group": "gateway.networking.k8s.io", "version": "v1", "kind": kind},
	"name": "web",
	"namespace": "demo",
	"operation": "DELETE",
	"object": null,
	"oldObject": {"metadata": {"name": "web", "namespace": "demo"}, "spec": spec},
}}

gw(listeners) := {"gatewayClassName": "public", "listeners": listeners}

https_listener := {
	"name": "https",
	"protocol": "HTTPS",
	"port": 443,
	"tls": {"mode": "Terminate", "certificateRefs": [{"name": "web-tls"}]},
}

http_listener := {"name": "http", "protocol": "HTTP", "port": 80}

# --- Gateway: certificates ------------------------------------------------

test_https_with_certificates_allowed if {
	r := request("CREATE", "Gateway", gw([https_listener]))
	count(policy.deny) == 0 with input as r
	count(policy.warn) == 0 with input as r
}

test_https_without_tls_denied if {
	denies := policy.deny with input as request("CREATE", "Gateway", gw([{"name": "https", "protocol": "HTTPS", "port": 443}]))
	denies == {`Gateway demo/web: listener "https" (protocol HTTPS) has no tls.certificateRefs, so it cannot terminate TLS; add tls.certificateRefs referencing a kubernetes.io/tls Secret`}
}

test_https_with_options_only_denied if {
	l := {"name": "https", "protocol": "HTTPS", "port": 443, "tls": {"mode": "Terminate", "options": {"example.com/x": "y"}}}
	count(policy.deny) == 1 with input as request("CREATE", "Gateway", gw([l]))
}

test_https_empty_certificate_refs_denied if {
	l := {"name": "https", "protocol": "HTTPS", "port": 443, "tls": {"certificateRefs": []}}
	count(policy.deny) == 1 with input as request("CREATE", "Gateway", gw([l]))
}

test_tls_terminate_without_certificates_denied if {
	l := {"name": "tls", "protocol": "TLS", "port": 8443, "tls": {"mode": "Terminate"}}
	denies := policy.deny with input as request("CREATE", "Gateway", gw([l]))
	some msg in denies
	contains(msg, `Gateway demo/web: listener "tls" (protocol TLS)`)
}

test_tls_passthrough_allowed if {
	l := {"name": "tls", "protocol": "TLS", "port": 8443, "tls": {"mode": "Passthrough"}}
	count(policy.deny) == 0 with input as request("CREATE", "Gateway", gw([l]))
}

test_unnamed_listener_named_by_index if {
	denies := policy.deny with input as request("CREATE", "Gateway", gw([https_listener, {"protocol": "HTTPS", "port": 8443}]))
	some msg in denies
	contains(msg, `listener "spec.listeners[1]"`)
}

test_one_message_per_listener if {
	ls := [{"name": "a", "protocol": "HTTPS", "port": 443}, {"name": "b", "protocol": "TLS", "port": 8443, "tls": {"mode": "Terminate"}}]
	count(policy.deny) == 2 with input as request("CREATE", "Gateway", gw(ls))
}

test_certificates_required_for_non_public_class if {
	l := {"name": "https", "protocol": "HTTPS", "port": 443}
	count(policy.deny) == 1
		with input as request("CREATE", "Gateway", {"gatewayClassName": "internal", "listeners": [l]})
		with data.apiguard.config as {"gateway": {"publicClasses": ["public"]}}
}

# --- Gateway: plain HTTP listeners -------------------------------------------

test_http_listener_warned_by_default if {
	r := request("CREATE", "Gateway", gw([http_listener, https_listener]))
	warns := policy.warn with input as r
	warns == {`Gateway demo/web: listener "http" accepts plain HTTP on public GatewayClass "public"; make sure every route attached to it only redirects to HTTPS (a single RequestRedirect filter with scheme: https and no backendRefs), or remove the listener`}
	count(policy.deny) == 0 with input as r
}

test_http_listener_without_class_warned_by_default if {
	count(policy.warn) == 1 with input as request("CREATE", "Gateway", {"listeners": [http_listener]})
}

test_http_listener_public_class_configured_warned if {
	count(policy.warn) == 1
		with input as request("CREATE", "Gateway", gw([http_listener]))
		with data.apiguard.config as {"gateway": {"publicClasses": ["public"]}}
}

test_http_listener_internal_class_not_warned if {
	count(policy.warn) == 0
		with input as request("CREATE", "Gateway", {"gatewayClassName": "internal", "listeners": [http_listener]})
		with data.apiguard.config as {"gateway": {"publicClasses": ["public"]}}
}

test_empty_public_classes_means_none_public if {
	count(policy.warn) == 0
		with input as request("CREATE", "Gateway", gw([http_listener]))
		with data.apiguard.config as {"gateway": {"publicClasses": []}}
}

test_malformed_public_classes_means_all_public if {
	count(policy.warn) == 1
		with input as request("CREATE", "Gateway", gw([http_listener]))
		with data.apiguard.config as {"gateway": {"publicClasses": "internal"}}
}

test_gateway_update_and_audit_checked if {
	l := {"name": "https", "protocol": "HTTPS", "port": 443}
	count(policy.deny) == 1 with input as request("UPDATE", "Gateway", gw([l]))
	count(policy.deny) == 1 with input as request("AUDIT", "Gateway", gw([l]))
	count(policy.warn) == 1 with input as request("AUDIT", "Gateway", gw([http_listener]))
}

test_gateway_delete_not_judged if {
	spec := gw([http_listener, {"name": "https", "protocol": "HTTPS", "port": 443}])
	count(policy.deny) == 0 with input as delete_request("Gateway", spec)
	count(policy.warn) == 0 with input as delete_request("Gateway", spec)
}

test_other_group_ignored if {
	r := json.patch(request("CREATE", "Gateway", gw([{"name": "https", "protocol": "HTTPS", "port": 443}])), [{
		"op": "replace",
		"path": "/request/kind/group",
		"value": "example.com",
	}])
	count(policy.deny) == 0 with input as r
}

# --- HTTPRoute -------------------------------------------------------------

inventory := {"gateways": {
	"infra/edge": {"gatewayClassName": "public", "listeners": [
		{"name": "http", "protocol": "HTTP", "port": 80},
		{"name": "https", "protocol": "HTTPS", "port": 443},
	]},
	"infra/internal": {"gatewayClassName": "internal", "listeners": [{"name": "http", "protocol": "HTTP", "port": 80}]},
	"demo/local": {"gatewayClassName": "public", "listeners": [
		{"name": "http-shop", "protocol": "HTTP", "port": 80, "hostname": "*.shop.example.com"},
		{"name": "http-other", "protocol": "HTTP", "port": 8080, "hostname": "other.example.com"},
		{"name": "https", "protocol": "HTTPS", "port": 443},
	]},
}}

forward_rule := {"backendRefs": [{"name": "web", "port": 8080}]}

redirect_rule := {"filters": [{"type": "RequestRedirect", "requestRedirect": {"scheme": "https", "statusCode": 301}}]}

route(parent_refs, rules) := {"parentRefs": parent_refs, "hostnames": ["www.shop.example.com"], "rules": rules}

edge := {"name": "edge", "namespace": "infra"}

test_route_on_https_section_allowed if {
	spec := route([object.union(edge, {"sectionName": "https"})], [forward_rule])
	count(policy.deny) == 0 with input as request("CREATE", "HTTPRoute", spec) with data.apiguard.inventory as inventory
}

test_route_on_whole_gateway_denied if {
	spec := route([edge], [forward_rule])
	denies := policy.deny with input as request("CREATE", "HTTPRoute", spec) with data.apiguard.inventory as inventory
	denies == {`HTTPRoute demo/web: spec.parentRefs[0] attaches to plain-HTTP listener "http" of public Gateway infra/edge, and spec.rules[0] forward traffic instead of redirecting to HTTPS; set parentRefs[0].sectionName to an HTTPS listener, or make every rule redirect-only (a single RequestRedirect filter with scheme: https and no backendRefs)`}
}

test_route_on_http_section_denied if {
	spec := route([object.union(edge, {"sectionName": "http"})], [redirect_rule, forward_rule])
	denies := policy.deny with input as request("CREATE", "HTTPRoute", spec) with data.apiguard.inventory as inventory
	count(denies) == 1
	some msg in denies
	contains(msg, "and spec.rules[1] forward traffic")
}

test_route_on_http_port_denied if {
	spec := route([object.union(edge, {"port": 80})], [forward_rule])
	count(policy.deny) == 1 with input as request("CREATE", "HTTPRoute", spec) with data.apiguard.inventory as inventory
}

test_route_on_https_port_allowed if {
	spec := route([object.union(edge, {"port": 443})], [forward_rule])
	count(policy.deny) == 0 with input as request("CREATE", "HTTPRoute", spec) with data.apiguard.inventory as inventory
}

test_section_and_port_must_both_match if {
	spec := route([object.union(edge, {"sectionName": "http", "port": 443})], [forward_rule])
	count(policy.deny) == 0 with input as request("CREATE", "HTTPRoute", spec) with data.apiguard.inventory as inventory
}

test_redirect_only_route_on_http_allowed if {
	spec := route([object.union(edge, {"sectionName": "http"})], [redirect_rule])
	count(policy.deny) == 0 with input as request("CREATE", "HTTPRoute", spec) with data.apiguard.inventory as inventory
}

test_redirect_to_http_not_redirect_only if {
	rule := {"filters": [{"type": "RequestRedirect", "requestRedirect": {"scheme": "http"}}]}
	spec := route([edge], [rule])
	count(policy.deny) == 1 with input as request("CREATE", "HTTPRoute", spec) with data.apiguard.inventory as inventory
}

test_redirect_with_backend_not_redirect_only if {
	rule := object.union(redirect_rule, forward_rule)
	count(policy.deny) == 1 with input as request("CREATE", "HTTPRoute", route([edge], [rule])) with data.apiguard.inventory as inventory
}

test_redirect_with_extra_filter_not_redirect_only if {
	rule := {"filters": [
		{"type": "RequestRedirect", "requestRedirect": {"scheme": "https"}},
		{"type": "RequestHeaderModifier", "requestHeaderModifier": {"set": [{"name": "x", "value": "y"}]}},
	]}
	count(policy.deny) == 1 with input as request("CREATE", "HTTPRoute", route([edge], [rule])) with data.apiguard.inventory as inventory
}

test_missing_rules_default_catch_all_denied if {
	spec := {"parentRefs": [edge], "hostnames": ["www.shop.example.com"]}
	count(policy.deny) == 1 with input as request("CREATE", "HTTPRoute", spec) with data.apiguard.inventory as inventory
}

test_empty_rules_allowed if {
	count(policy.deny) == 0 with input as request("CREATE", "HTTPRoute", route([edge], [])) with data.apiguard.inventory as inventory
}

test_internal_gateway_allowed_when_classes_configured if {
	spec := route([{"name": "internal", "namespace": "infra"}], [forward_rule])
	count(policy.deny) == 0
		with input as request("CREATE", "HTTPRoute", spec)
		with data.apiguard.inventory as inventory
		with data.apiguard.config as {"gateway": {"publicClasses": ["public"]}}
}

test_internal_gateway_public_by_default if {
	spec := route([{"name": "internal", "namespace": "infra"}], [forward_rule])
	count(policy.deny) == 1 with input as request("CREATE", "HTTPRoute", spec) with data.apiguard.inventory as inventory
}

test_parent_namespace_defaults_to_route_namespace if {
	spec := route([{"name": "local", "sectionName": "http-shop"}], [forward_rule])
	denies := policy.deny with input as request("CREATE", "HTTPRoute", spec) with data.apiguard.inventory as inventory
	some msg in denies
	contains(msg, `listener "http-shop" of public Gateway demo/local`)
}

test_listener_hostname_must_intersect if {
	# Without sectionName the route attaches to http-shop (*.shop.example.com
	# covers www.shop.example.com) but not to http-other.
	spec := route([{"name": "local"}], [forward_rule])
	denies := policy.deny with input as request("CREATE", "HTTPRoute", spec) with data.apiguard.inventory as inventory
	count(denies) == 1
	some msg in denies
	contains(msg, `"http-shop"`)
}

test_route_wildcard_hostname_intersects_listener if {
	spec := {"parentRefs": [{"name": "local", "sectionName": "http-other"}], "hostnames": ["*.example.com"], "rules": [forward_rule]}
	count(policy.deny) == 1 with input as request("CREATE", "HTTPRoute", spec) with data.apiguard.inventory as inventory
}

test_route_without_hostnames_attaches_everywhere if {
	spec := {"parentRefs": [{"name": "local"}], "rules": [forward_rule]}
	count(policy.deny) == 2 with input as request("CREATE", "HTTPRoute", spec) with data.apiguard.inventory as inventory
}

test_disjoint_hostname_does_not_attach if {
	spec := {"parentRefs": [{"name": "local", "sectionName": "http-other"}], "hostnames": ["shop.example.org"], "rules": [forward_rule]}
	count(policy.deny) == 0 with input as request("CREATE", "HTTPRoute", spec) with data.apiguard.inventory as inventory
}

test_unknown_gateway_not_judged if {
	spec := route([{"name": "elsewhere", "namespace": "infra"}], [forward_rule])
	count(policy.deny) == 0 with input as request("CREATE", "HTTPRoute", spec) with data.apiguard.inventory as inventory
}

test_no_inventory_not_judged if {
	count(policy.deny) == 0 with input as request("CREATE", "HTTPRoute", route([edge], [forward_rule]))
}

test_non_gateway_parent_ignored if {
	spec := route([{"group": "", "kind": "Service", "name": "edge", "namespace": "infra"}], [forward_rule])
	count(policy.deny) == 0 with input as request("CREATE", "HTTPRoute", spec) with data.apiguard.inventory as inventory
}

test_explicit_gateway_group_and_kind_checked if {
	spec := route([object.union(edge, {"group": "gateway.networking.k8s.io", "kind": "Gateway"})], [forward_rule])
	count(policy.deny) == 1 with input as request("CREATE", "HTTPRoute", spec) with data.apiguard.inventory as inventory
}

test_route_update_and_audit_checked if {
	spec := route([edge], [forward_rule])
	count(policy.deny) == 1 with input as request("UPDATE", "HTTPRoute", spec) with data.apiguard.inventory as inventory
	count(policy.deny) == 1 with input as request("AUDIT", "HTTPRoute", spec) with data.apiguard.inventory as inventory
}

test_route_delete_not_denied if {
	count(policy.deny) == 0
		with input as delete_request("HTTPRoute", route([edge], [forward_rule]))
		with data.apiguard.inventory as inventory
}

test_grpcroute_ignored if {
	count(policy.deny) == 0
		with input as request("CREATE", "GRPCRoute", route([edge], [forward_rule]))
		with data.apiguard.inventory as inventory
}

test_listener_without_protocol_ignored if {
	r := request("CREATE", "Gateway", gw([{"name": "x", "port": 80}]))
	count(policy.deny) == 0 with input as r
	count(policy.warn) == 0 with input as r
}

test_inventory_gateway_without_class_public_by_default if {
	inv := {"gateways": {"infra/edge": {"listeners": [http_listener]}}}
	count(policy.deny) == 1 with input as request("CREATE", "HTTPRoute", route([edge], [forward_rule])) with data.apiguard.inventory as inv
}

test_exact_listener_hostname_attaches if {
	inv := {"gateways": {"infra/edge": {"gatewayClassName": "public", "listeners": [object.union(http_listener, {"hostname": "WWW.shop.example.com"})]}}}
	count(policy.deny) == 1 with input as request("CREATE", "HTTPRoute", route([edge], [forward_rule])) with data.apiguard.inventory as inv
}

# --- ListenerSet ------------------------------------------------------------

listenerset(parent, listeners) := {"parentRef": parent, "listeners": listeners}

parent_inventory := {"gateways": {
	"infra/edge": {"gatewayClassName": "internet", "listeners": [{"name": "https", "protocol": "HTTPS", "port": 443}]},
	"infra/internal": {"gatewayClassName": "internal", "listeners": []},
}}

public_internet := {"gateway": {"publicClasses": ["internet"]}}

test_listenerset_https_without_certificates_denied if {
	l := {"name": "shop", "protocol": "HTTPS", "port": 443, "hostname": "shop.example.com"}
	denies := policy.deny with input as request("CREATE", "ListenerSet", listenerset({"name": "edge", "namespace": "infra"}, [l]))
	denies == {`ListenerSet demo/web: listener "shop" (protocol HTTPS) has no tls.certificateRefs, so it cannot terminate TLS; add tls.certificateRefs referencing a kubernetes.io/tls Secret`}

	# Whatever the parent's class: a listener without a certificate is broken everywhere.
	count(policy.deny) == 1 with input as request("CREATE", "ListenerSet", listenerset({"name": "internal", "namespace": "infra"}, [l]))
		with data.apiguard.inventory as parent_inventory
		with data.apiguard.config as public_internet
}

test_listenerset_tls_terminate_without_certificates_denied_passthrough_allowed if {
	terminate := {"name": "db", "protocol": "TLS", "port": 8443, "hostname": "db.example.com", "tls": {"mode": "Terminate"}}
	passthrough := {"name": "pt", "protocol": "TLS", "port": 9443, "hostname": "pt.example.com", "tls": {"mode": "Passthrough"}}
	denies := policy.deny with input as request("CREATE", "ListenerSet", listenerset({"name": "edge"}, [terminate, passthrough]))
	count(denies) == 1
	some msg in denies
	contains(msg, `listener "db" (protocol TLS)`)
}

test_listenerset_with_certificates_allowed if {
	l := {"name": "shop", "protocol": "HTTPS", "port": 443, "hostname": "shop.example.com", "tls": {"mode": "Terminate", "certificateRefs": [{"kind": "Secret", "group": "", "name": "shop-tls"}]}}
	r := request("CREATE", "ListenerSet", listenerset({"name": "edge", "namespace": "infra"}, [l]))
	count(policy.deny) == 0 with input as r with data.apiguard.inventory as parent_inventory
	count(policy.warn) == 0 with input as r with data.apiguard.inventory as parent_inventory
}

test_listenerset_plain_http_on_public_parent_warned if {
	l := {"name": "shop-http", "protocol": "HTTP", "port": 80, "hostname": "shop.example.com"}
	warns := policy.warn with input as request("CREATE", "ListenerSet", listenerset({"name": "edge", "namespace": "infra"}, [l]))
		with data.apiguard.inventory as parent_inventory
		with data.apiguard.config as public_internet
	warns == {`ListenerSet demo/web: listener "shop-http" accepts plain HTTP on public Gateway infra/edge (GatewayClass "internet"); make sure every route attached to it only redirects to HTTPS (a single RequestRedirect filter with scheme: https and no backendRefs), or remove the listener`}
}

test_listenerset_plain_http_on_private_parent_not_warned if {
	l := {"name": "shop-http", "protocol": "HTTP", "port": 80, "hostname": "shop.example.com"}
	count(policy.warn) == 0 with input as request("CREATE", "ListenerSet", listenerset({"name": "internal", "namespace": "infra"}, [l]))
		with data.apiguard.inventory as parent_inventory
		with data.apiguard.config as public_internet
}

test_listenerset_plain_http_on_unknown_parent_warned if {
	l := {"name": "shop-http", "protocol": "HTTP", "port": 80}

	# Not in the inventory (the offline CLI without the Gateway, or a Gateway not yet
	# created): it cannot be shown private, so it is warned about.
	warns := policy.warn with input as request("CREATE", "ListenerSet", listenerset({"name": "edge"}, [l]))
		with data.apiguard.config as public_internet
	count(warns) == 1
	some msg in warns
	contains(msg, "Gateway demo/edge (not in apiguard's inventory, so treated as public)")

	# A parent of another kind cannot be resolved to a class either.
	warns2 := policy.warn with input as request("CREATE", "ListenerSet", listenerset({"name": "edge", "group": "example.com", "kind": "Proxy"}, [l]))
		with data.apiguard.config as public_internet
	count(warns2) == 1
}

test_listenerset_delete_not_judged if {
	l := {"name": "shop", "protocol": "HTTPS", "port": 443}
	count(policy.deny) == 0 with input as delete_request("ListenerSet", listenerset({"name": "edge"}, [l]))
}

# --- The one-walk shortcut (all_terminate_tls) decides nothing on its own ----

test_lower_case_https_without_certificates_denied if {
	l := {"name": "https", "protocol": "https", "port": 443}
	denies := policy.deny with input as request("CREATE", "Gateway", gw([https_listener, l]))
	denies == {`Gateway demo/web: listener "https" (protocol https) has no tls.certificateRefs, so it cannot terminate TLS; add tls.certificateRefs referencing a kubernetes.io/tls Secret`}
}

test_lower_case_http_listener_warned if {
	count(policy.warn) == 1 with input as request("CREATE", "Gateway", gw([https_listener, {"name": "http", "protocol": "http", "port": 80}]))
}

test_malformed_certificate_refs_denied if {
	some refs in ["web-tls", {"name": "web-tls"}, null]
	l := {"name": "https", "protocol": "HTTPS", "port": 443, "tls": {"certificateRefs": refs}}
	count(policy.deny) == 1 with input as request("CREATE", "Gateway", gw([https_listener, l]))
}

test_any_certificate_ref_entry_counts if {
	l := {"name": "https", "protocol": "HTTPS", "port": 443, "tls": {"certificateRefs": [false]}}
	count(policy.deny) == 0 with input as request("CREATE", "Gateway", gw([l]))
}

test_many_terminating_listeners_and_one_plain_http if {
	ls := [object.union(https_listener, {"name": sprintf("https-%d", [i])}) | some i in numbers.range(1, 50)]
	r := request("CREATE", "Gateway", gw(array.concat(ls, [http_listener])))
	count(policy.deny) == 0 with input as r
	count(policy.warn) == 1 with input as r
}

test_empty_and_malformed_listeners_allowed if {
	some listeners in [[], "x", {"a": https_listener}]
	r := request("CREATE", "Gateway", {"gatewayClassName": "public", "listeners": listeners})
	count(policy.deny) == 0 with input as r
	count(policy.warn) == 0 with input as r
}
