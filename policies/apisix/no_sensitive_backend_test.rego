package apisix.no_sensitive_backend_test

import data.apisix.no_sensitive_backend

req(operation, spec) := {"request": {
	"uid": "1",
	"kind": {"group": "apisix.apache.org", "version": "v2", "kind": "ApisixRoute"},
	"name": "tcp",
	"namespace": "shop",
	"operation": operation,
	"object": {
		"apiVersion": "apisix.apache.org/v2",
		"kind": "ApisixRoute",
		"metadata": {"name": "tcp", "namespace": "shop"},
		"spec": spec,
	},
}}

stream(name, port) := {"stream": [{"name": "s", "protocol": "TCP", "match": {"ingressPort": 9100}, "backend": {"serviceName": name, "servicePort": port}}]}

http(backends, upstreams) := {"http": [{"name": "h", "match": {"hosts": ["api.example.com"], "paths": ["/*"]}, "backends": backends, "upstreams": upstreams}]}

test_stream_sensitive_port_denied if {
	no_sensitive_backend.deny == {"ApisixRoute shop/tcp: spec.stream[0].backend sends traffic to Service \"orders\" port 5432, which looks like a sensitive service (port 5432 is in sensitivePorts); route it to the application in front of that service instead"} with input as req("CREATE", stream("orders", 5432))
	count(no_sensitive_backend.deny) == 1 with input as req("AUDIT", stream("cache", 6379))

	# A numeric string is read as the number (validateBackends: IntValue).
	count(no_sensitive_backend.deny) == 1 with input as req("CREATE", stream("orders", "5432"))
}

test_stream_sensitive_names_denied if {
	every pair in [["orders-db", 7000], ["Main-Postgres", 7000], ["etcd-client", 7000], ["api", "redis"], ["api", "MySQL-port"]] {
		count(no_sensitive_backend.deny) == 1 with input as req("CREATE", stream(pair[0], pair[1]))
	}
}

test_stream_application_allowed if {
	count(no_sensitive_backend.deny) == 0 with input as req("CREATE", stream("game-server", 7777))
	count(no_sensitive_backend.deny) == 0 with input as req("CREATE", stream("game-server", "game"))
}

test_http_backends_and_upstreams_denied if {
	some msg in no_sensitive_backend.deny with input as req("CREATE", http([{"serviceName": "web", "servicePort": 80}, {"serviceName": "search", "servicePort": 9200}], []))
	contains(msg, "spec.http[0].backends[1]")
	some msg2 in no_sensitive_backend.deny with input as req("CREATE", http([], [{"name": "billing-db"}]))
	contains(msg2, "ApisixUpstream \"billing-db\"")
	count(no_sensitive_backend.deny) == 0 with input as req("CREATE", http([{"serviceName": "web", "servicePort": 80}], [{"name": "payments"}]))
}

test_configured_lists if {
	cfg := {"sensitivePorts": [7777], "sensitiveServicePatterns": ["game-*"]}
	count(no_sensitive_backend.deny) == 1 with input as req("CREATE", stream("game-server", 7777)) with data.apiguard.config as cfg
	count(no_sensitive_backend.deny) == 0 with input as req("CREATE", stream("orders", 5432)) with data.apiguard.config as cfg
}

test_delete_and_other_groups_not_judged if {
	count(no_sensitive_backend.deny) == 0 with input as req("DELETE", stream("orders", 5432))
	other := json.patch(req("CREATE", stream("orders", 5432)), [{"op": "replace", "path": "/request/kind/group", "value": "example.com"}])
	count(no_sensitive_backend.deny) == 0 with input as other
}
