package istio.dr_tls_disable_strict_test

import data.istio.dr_tls_disable_strict as d

request(op, group, spec) := {"request": {
	"uid": "1",
	"kind": {"group": group, "version": "v1", "kind": "DestinationRule"},
	"name": "plain",
	"namespace": "shop",
	"operation": op,
	"object": {
		"apiVersion": sprintf("%s/v1", [group]),
		"kind": "DestinationRule",
		"metadata": {"name": "plain", "namespace": "shop"},
		"spec": spec,
	},
}}

req(host) := request("CREATE", "networking.istio.io", {"host": host, "trafficPolicy": {"tls": {"mode": "DISABLE"}}})

strict(ns) := {"istio": {"peerAuthentications": {ns: [{"name": "default", "mode": "STRICT"}]}}}

test_strict_namespace_warned if {
	warns := d.warn with input as req("payments.pay.svc.cluster.local") with data.apiguard.inventory as strict("pay")
	warns == {"DestinationRule shop/plain: spec.trafficPolicy.tls.mode is DISABLE toward \"payments.pay.svc.cluster.local\", whose namespace \"pay\" requires STRICT mutual TLS, so clients send plain text the workloads refuse, outside mTLS; remove the mode (auto mTLS) or set ISTIO_MUTUAL"}
}

test_host_forms if {
	every h in ["payments.pay.svc.cluster.local", "payments.pay.svc.cluster.local.", "Payments.Pay.svc", "payments.pay", "*.pay.svc.cluster.local", "*", "*.svc.cluster.local", "*.cluster.local"] {
		count(d.warn) == 1 with input as req(h) with data.apiguard.inventory as strict("pay")
	}

	# a short name is the rule's own namespace
	count(d.warn) == 1 with input as req("payments") with data.apiguard.inventory as strict("shop")
	count(d.warn) == 0 with input as req("payments") with data.apiguard.inventory as strict("pay")
	every h in ["payments.example.com", "payments.other.svc.cluster.local", "api.pay.svc.corp.local"] {
		count(d.warn) == 0 with input as req(h) with data.apiguard.inventory as strict("pay")
	}
	count(d.warn) == 1 with input as req("api.pay.svc.corp.local") with data.apiguard.inventory as strict("pay")
		with data.apiguard.config as {"service": {"clusterDomains": ["corp.local"]}}
}

# The root namespace's mode applies unless the namespace sets its own.
test_root_inheritance if {
	inv := strict("istio-system")
	count(d.warn) == 1 with input as req("payments.pay.svc.cluster.local") with data.apiguard.inventory as inv
	override := {"istio": {"peerAuthentications": {"istio-system": [{"name": "default", "mode": "STRICT"}], "pay": [{"name": "default", "mode": "PERMISSIVE"}]}}}
	count(d.warn) == 0 with input as req("payments.pay.svc.cluster.local") with data.apiguard.inventory as override
	unset := {"istio": {"peerAuthentications": {"istio-system": [{"name": "default", "mode": "STRICT"}], "pay": [{"name": "default", "mode": "UNSET"}, {"name": "x"}]}}}
	count(d.warn) == 1 with input as req("payments.pay.svc.cluster.local") with data.apiguard.inventory as unset
}

# Workload-level policies (with a selector) are not namespace-wide.
test_selector_policies_ignored if {
	inv := {"istio": {"peerAuthentications": {"pay": [{"name": "w", "selector": {"matchLabels": {"app": "x"}}, "mode": "STRICT"}]}}}
	count(d.warn) == 0 with input as req("payments.pay.svc.cluster.local") with data.apiguard.inventory as inv
	count(d.warn) == 0 with input as req("payments.pay.svc.cluster.local") with data.apiguard.inventory as {}
}

test_port_and_subset_locations if {
	spec := {"host": "payments.pay.svc.cluster.local", "subsets": [{"name": "v1", "labels": {"v": "1"}, "trafficPolicy": {"portLevelSettings": [{"port": {"number": 8080}, "tls": {"mode": "DISABLE"}}]}}]}
	warns := d.warn with input as request("CREATE", "networking.istio.io", spec) with data.apiguard.inventory as strict("pay")
	some msg in warns
	contains(msg, "spec.subsets[0].trafficPolicy.portLevelSettings[0].tls.mode is DISABLE")
	other := {"host": "payments.pay.svc.cluster.local", "trafficPolicy": {"tls": {"mode": "ISTIO_MUTUAL"}}}
	count(d.warn) == 0 with input as request("CREATE", "networking.istio.io", other) with data.apiguard.inventory as strict("pay")
}

test_not_judged if {
	spec := {"host": "payments.pay.svc.cluster.local", "trafficPolicy": {"tls": {"mode": "DISABLE"}}}
	count(d.warn) == 0 with input as request("DELETE", "networking.istio.io", spec) with data.apiguard.inventory as strict("pay")
	count(d.warn) == 0 with input as request("CREATE", "networking.example.io", spec) with data.apiguard.inventory as strict("pay")
}
