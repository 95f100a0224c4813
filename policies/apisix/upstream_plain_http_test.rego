package apisix.upstream_plain_http_test

import data.apisix.upstream_plain_http

req(operation, spec) := {"request": {
	"uid": "1",
	"kind": {"group": "apisix.apache.org", "version": "v2", "kind": "ApisixUpstream"},
	"name": "provider",
	"namespace": "shop",
	"operation": operation,
	"object": {
		"apiVersion": "apisix.apache.org/v2",
		"kind": "ApisixUpstream",
		"metadata": {"name": "provider", "namespace": "shop"},
		"spec": spec,
	},
}}

domain(name) := {"externalNodes": [{"type": "Domain", "name": name, "port": 80}]}

warn_count(spec) := n if {
	n := count(upstream_plain_http.warn) with input as req("CREATE", spec)
}

# scheme defaults to http (translateApisixUpstreamScheme).
test_default_scheme_to_external_domain_warned if {
	upstream_plain_http.warn == {"ApisixUpstream shop/provider: spec.externalNodes[0] sends traffic to \"api.payments.example.net\" outside the cluster with scheme http (the default), so requests, credentials and responses cross the network unencrypted; set spec.scheme: https (or grpcs) and use the backend's TLS port"} with input as req("CREATE", domain("api.payments.example.net"))
	warn_count(object.union(domain("203.0.113.10"), {"scheme": "http"})) == 1
	warn_count(object.union(domain("api.payments.example.net"), {"scheme": "grpc"})) == 1
	count(upstream_plain_http.warn) == 1 with input as req("AUDIT", domain("api.payments.example.net"))
}

test_tls_schemes_allowed if {
	every s in ["https", "grpcs", "tls"] {
		warn_count(object.union(domain("api.payments.example.net"), {"scheme": s})) == 0
	}
}

test_in_cluster_names_allowed if {
	every h in ["payments", "payments.shop.svc", "payments.shop.svc.cluster.local", "payments.shop.svc.cluster.local."] {
		warn_count(domain(h)) == 0
	}
	warn_count(domain("payments.shop")) == 1
	warn_count(domain("payments.shop.svc.corp.internal")) == 0 with data.apiguard.config as {"service": {"clusterDomains": ["corp.internal"]}}
}

# A node of any other type names an ExternalName Service.
test_external_name_service_warned if {
	some msg in upstream_plain_http.warn with input as req("CREATE", {"externalNodes": [{"type": "Service", "name": "payments-alias"}]})
	contains(msg, "to ExternalName Service \"payments-alias\"")
	warn_count({"externalNodes": [{"name": "payments-alias"}]}) == 1
	warn_count({"externalNodes": [{"type": "domain", "name": "payments-alias"}]}) == 1
	warn_count({"scheme": "https", "externalNodes": [{"type": "Service", "name": "payments-alias"}]}) == 0
}

test_service_upstream_allowed if {
	warn_count({"loadbalancer": {"type": "roundrobin"}}) == 0
}

test_delete_and_other_groups_not_judged if {
	count(upstream_plain_http.warn) == 0 with input as req("DELETE", domain("api.payments.example.net"))
	other := json.patch(req("CREATE", domain("api.payments.example.net")), [{"op": "replace", "path": "/request/kind/group", "value": "example.com"}])
	count(upstream_plain_http.warn) == 0 with input as other
}
