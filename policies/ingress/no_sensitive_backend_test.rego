package ingress.no_sensitive_backend_test

import data.ingress.no_sensitive_backend

svc(name, port) := {"service": {"name": name, "port": port}}

rule(backends) := {"host": "a.example.com", "http": {"paths": [
{"path": sprintf("/%d", [i]), "pathType": "Prefix", "backend": b} |
	some i, b in backends
]}}

request(operation, spec) := {"request": {
	"uid": "1",
	"kind": {"group": "networking.k8s.io", "version": "v1", "kind": "Ingress"},
	"name": "web",
	"namespace": "demo",
	"operation": operation,
	"object": {
		"apiVersion": "networking.k8s.io/v1",
		"kind": "Ingress",
		"metadata": {"name": "web", "namespace": "demo"},
		"spec": spec,
	},
}}

denies(spec) := d if {
	d := no_sensitive_backend.deny with input as request("CREATE", spec)
}

test_web_backends_pass if {
	spec := {"rules": [rule([svc("web", {"number": 80}), svc("api", {"name": "http"})])]}
	count(denies(spec)) == 0
}

test_sensitive_port_number_denied if {
	spec := {"rules": [rule([svc("web", {"number": 80}), svc("store", {"number": 5432})])]}
	denies(spec) == {`Ingress demo/web: spec.rules[0].http.paths[1] routes to Service "store" port 5432, which looks like a sensitive service (port 5432 is in sensitivePorts); route it to the application in front of that service instead`}
}

test_every_default_port_denied if {
	every port in [22, 2379, 3306, 5432, 6379, 9200, 11211, 27017] {
		count(denies({"rules": [rule([svc("store", {"number": port})])]})) == 1
	}
}

test_service_name_pattern_denied if {
	spec := {"rules": [rule([svc("orders-db", {"number": 8080})])]}
	some m in denies(spec)
	contains(m, `(Service name "orders-db" matches "*-db")`)
}

test_port_name_pattern_denied if {
	spec := {"rules": [rule([svc("cache", {"name": "redis"})])]}
	some m in denies(spec)
	contains(m, `routes to Service "cache" port "redis", which looks like a sensitive service (port name "redis" matches "*redis*")`)
}

test_all_reasons_in_one_message if {
	spec := {"rules": [rule([svc("my-postgres", {"number": 5432})])]}
	d := denies(spec)
	count(d) == 1
	some m in d
	contains(m, `(Service name "my-postgres" matches "*postgres*"; port 5432 is in sensitivePorts)`)
}

test_default_backend_checked if {
	spec := {"defaultBackend": svc("etcd-main", {"number": 443}), "rules": [rule([svc("web", {"number": 80})])]}
	some m in denies(spec)
	startswith(m, `Ingress demo/web: spec.defaultBackend routes to Service "etcd-main" port 443`)
}

test_one_message_per_backend if {
	spec := {"rules": [
		rule([svc("a-db", {"number": 80}), svc("web", {"number": 3306})]),
		rule([svc("MySQL-Primary", {"number": 80})]),
	]}
	count(denies(spec)) == 3
}

test_resource_backends_and_malformed_ignored if {
	spec := {
		"defaultBackend": {"resource": {"apiGroup": "k8s.example.com", "kind": "Bucket", "name": "redis"}},
		"rules": [
			rule([{"resource": {"kind": "Bucket", "name": "x-db"}}, {"service": "redis"}]),
			{"host": "b.example.com"},
			"junk",
		],
	}
	count(denies(spec)) == 0
}

test_service_without_name_or_port if {
	spec := {"rules": [rule([{"service": {"port": {"number": 22}}}, {"service": {"name": "postgres"}}])]}
	d := denies(spec)
	count(d) == 2
	some m1 in d
	contains(m1, `routes to Service "" port 22`)
	some m2 in d
	contains(m2, `routes to Service "postgres" port (unset)`)
}

test_configured_ports_replace_default if {
	spec := {"rules": [rule([svc("web", {"number": 5432}), svc("admin", {"number": 8081})])]}
	d := no_sensitive_backend.deny
		with input as request("CREATE", spec)
		with data.apiguard.config as {"sensitivePorts": [8081, "22"]}
	count(d) == 1
	some m in d
	contains(m, "port 8081 is in sensitivePorts")
}

test_configured_patterns_replace_default if {
	spec := {"rules": [rule([svc("orders-db", {"number": 80}), svc("vault", {"name": "api"}), svc("x", {"name": "admin"})])]}
	d := no_sensitive_backend.deny
		with input as request("CREATE", spec)
		with data.apiguard.config as {"sensitiveServicePatterns": ["VAULT*", "adm?n", "[", 5, ""]}
	count(d) == 2
}

test_malformed_config_uses_defaults if {
	spec := {"rules": [rule([svc("orders-db", {"number": 80}), svc("web", {"number": 6379})])]}
	d := no_sensitive_backend.deny
		with input as request("CREATE", spec)
		with data.apiguard.config as {"sensitivePorts": 6379, "sensitiveServicePatterns": "*-db"}
	count(d) == 2
}

test_empty_lists_disable if {
	spec := {"rules": [rule([svc("orders-db", {"number": 5432})])]}
	count(no_sensitive_backend.deny) == 0
		with input as request("CREATE", spec)
		with data.apiguard.config as {"sensitivePorts": [], "sensitiveServicePatterns": []}
}

test_update_and_audit_judged if {
	spec := {"rules": [rule([svc("web", {"number": 22})])]}
	count(no_sensitive_backend.deny) == 1 with input as request("UPDATE", spec)
	count(no_sensitive_backend.deny) == 1 with input as request("AUDIT", spec)
}

test_delete_not_denied if {
	req := {"request": {
		"kind": {"group": "networking.k8s.io", "version": "v1", "kind": "Ingress"},
		"name": "web",
		"namespace": "demo",
		"operation": "DELETE",
		"object": null,
		"oldObject": request("CREATE", {"rules": [rule([svc("web", {"number": 22})])]}).request.object,
	}}
	count(no_sensitive_backend.deny) == 0 with input as req
}

test_other_kind_ignored if {
	req := json.patch(request("CREATE", {"rules": [rule([svc("web", {"number": 22})])]}), [{
		"op": "replace",
		"path": "/request/kind",
		"value": {"group": "gateway.networking.k8s.io", "version": "v1", "kind": "HTTPRoute"},
	}])
	count(no_sensitive_backend.deny) == 0 with input as req
}

# suspicious, the cheap first test, matches the patterns as one alternation: it
# holds for a name any one pattern matches, the second as well as the first,
# and for nothing else; reasons still names each pattern that matched.
test_one_glob_for_all_patterns if {
	no_sensitive_backend.sensitive_glob == "{*-db,*mysql*,*postgres*,*redis*,etcd*}"
	no_sensitive_backend.suspicious({"name": "orders-mysql-0", "port": {"number": 80}})
	no_sensitive_backend.suspicious({"name": "web", "port": {"name": "redis"}})
	not no_sensitive_backend.suspicious({"name": "web", "port": {"number": 80}})
	not no_sensitive_backend.suspicious({"name": "mysql", "port": {"number": 80}}) with data.apiguard.config.sensitiveServicePatterns as []
	spec := {"rules": [rule([svc("redis-db", {"number": 80})])]}
	denies(spec) == {`Ingress demo/web: spec.rules[0].http.paths[0] routes to Service "redis-db" port 80, which looks like a sensitive service (Service name "redis-db" matches "*-db"; Service name "redis-db" matches "*redis*"); route it to the application in front of that service instead`}
}
