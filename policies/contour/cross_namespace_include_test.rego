package contour.cross_namespace_include_test

import data.contour.cross_namespace_include

request(operation, namespace, spec) := {"request": {
	"uid": "1",
	"kind": {"group": "projectcontour.io", "version": "v1", "kind": "HTTPProxy"},
	"name": "namespace-include-root",
	"namespace": namespace,
	"operation": operation,
	"object": {
		"apiVersion": "projectcontour.io/v1",
		"kind": "HTTPProxy",
		"metadata": {"name": "namespace-include-root", "namespace": namespace},
		"spec": spec,
	},
}}

# Contour's own "Inclusion Across Namespaces" example (inclusion-delegation docs).
across := {
	"virtualhost": {"fqdn": "ns-root.bar.com"},
	"includes": [{"name": "blog", "namespace": "marketing", "conditions": [{"prefix": "/blog"}]}],
	"routes": [{"services": [{"name": "s1", "port": 80}]}],
}

deny_msg := "HTTPProxy default/namespace-include-root: spec.includes[0] includes HTTPProxy marketing/blog from another namespace, so this proxy serves that namespace's Services on its host without that namespace's consent; include an HTTPProxy of namespace \"default\", or have \"marketing\" allowed for namespace \"default\" in apiguard.config.contour.includeNamespaces"

test_cross_namespace_denied if {
	cross_namespace_include.deny == {deny_msg} with input as request("CREATE", "default", across)
	cross_namespace_include.deny == {deny_msg} with input as request("UPDATE", "default", across)
	cross_namespace_include.deny == {deny_msg} with input as request("AUDIT", "default", across)
}

test_same_namespace_allowed if {
	every include in [{"name": "service2"}, {"name": "service2", "namespace": ""}, {"name": "service2", "namespace": "default"}] {
		count(cross_namespace_include.deny) == 0 with input as request("CREATE", "default", object.union(across, {"includes": [include]}))
	}
}

# Included proxies include further down the tree: judged the same.
test_included_proxy_judged if {
	count(cross_namespace_include.deny) == 1 with input as request("CREATE", "default", {"includes": [{"name": "blog", "namespace": "marketing"}]})
}

# TCPProxy delegation: include, and the deprecated includes, read when include is unset.
tcp(tcpproxy) := {"virtualhost": {"fqdn": "tcp.bar.com", "tls": {"passthrough": true}}, "tcpproxy": tcpproxy}

test_tcpproxy_includes if {
	denies := cross_namespace_include.deny with input as request("CREATE", "default", tcp({"include": {"name": "db", "namespace": "data"}}))
	count(denies) == 1
	some msg in denies
	contains(msg, "spec.tcpproxy.include includes HTTPProxy data/db")
	count(cross_namespace_include.deny) == 1 with input as request("CREATE", "default", tcp({"includes": {"name": "db", "namespace": "data"}}))
	count(cross_namespace_include.deny) == 0 with input as request("CREATE", "default", tcp({"include": {"name": "db"}, "includes": {"name": "db", "namespace": "data"}}))
	count(cross_namespace_include.deny) == 0 with input as request("CREATE", "default", tcp({"includes": {"name": "db"}}))
}

test_every_include_judged if {
	spec := object.union(across, {"includes": [
		{"name": "blog", "namespace": "marketing"},
		{"name": "local"},
		{"name": "shop", "namespace": "sales"},
	]})
	count(cross_namespace_include.deny) == 2 with input as request("CREATE", "default", spec)
}

test_configured_namespaces if {
	cfg := {"contour": {"includeNamespaces": {"default": ["marketing", "team-*"], "*": ["shared"]}}}
	count(cross_namespace_include.deny) == 0 with input as request("CREATE", "default", across) with data.apiguard.config as cfg

	# The namespace's own entry wins over "*".
	shared := object.union(across, {"includes": [{"name": "x", "namespace": "shared"}]})
	count(cross_namespace_include.deny) == 1 with input as request("CREATE", "default", shared) with data.apiguard.config as cfg
	count(cross_namespace_include.deny) == 0 with input as request("CREATE", "other", shared) with data.apiguard.config as cfg
	count(cross_namespace_include.deny) == 1 with input as request("CREATE", "other", across) with data.apiguard.config as cfg

	# Globs; malformed configuration allows nothing.
	team := object.union(across, {"includes": [{"name": "x", "namespace": "team-a"}]})
	count(cross_namespace_include.deny) == 0 with input as request("CREATE", "default", team) with data.apiguard.config as cfg
	count(cross_namespace_include.deny) == 1 with input as request("CREATE", "default", across) with data.apiguard.config as {"contour": {"includeNamespaces": {"default": "marketing"}}}
	count(cross_namespace_include.deny) == 1 with input as request("CREATE", "default", across) with data.apiguard.config as {"contour": {"includeNamespaces": ["marketing"]}}
}

test_delete_and_other_group_not_judged if {
	del := json.patch(request("DELETE", "default", across), [{"op": "add", "path": "/request/oldObject", "value": request("DELETE", "default", across).request.object}])
	count(cross_namespace_include.deny) == 0 with input as del
	other := json.patch(request("CREATE", "default", across), [{"op": "replace", "path": "/request/kind/group", "value": "example.com"}])
	count(cross_namespace_include.deny) == 0 with input as other
}
