# METADATA
# title: APISIX routes must not expose databases, caches or other sensitive services
# description: >-
#   An ApisixRoute's spec.stream[] rule forwards raw TCP or UDP connections from a
#   gateway port (match.ingressPort) to its backend Service (apache/apisix-ingress-controller
#   internal/adc/translator/apisixroute.go translateStreamRule), and an http[] rule
#   forwards requests to its backends[] and to the ApisixUpstreams named in
#   upstreams[]. A stream backend, an http backend, or an upstream whose port is in
#   data.apiguard.config.sensitivePorts or whose Service, port or upstream name
#   matches a glob in data.apiguard.config.sensitiveServicePatterns is denied: the
#   lists, defaults and parsing of ingress.no_sensitive_backend (22, 2379, 3306, 5432,
#   6379, 9200, 11211, 27017; "*-db", "*postgres*", "*mysql*", "*redis*", "etcd*").
#   servicePort is an integer or a port name; a numeric string is read as the number
#   (the controller's validateBackends reads it with IntValue). Data stores speak
#   their own protocols and trust their network: a gateway port makes them reachable
#   from wherever the gateway is.
# custom:
#   kinds: [apisix.apache.org/ApisixRoute]
#   severity: high
#   field: spec.stream[].backend
#   remediation: >-
#     Route the gateway to the application that fronts the data store, not to the data
#     store itself; reach data stores from inside the cluster.
package apisix.no_sensitive_backend

import data.ingress.no_sensitive_backend as lists
import data.lib.apisix
import data.lib.kubernetes as k8s

deny contains msg if {
	apisix.route
	k8s.is_check
	some [where, backend] in backends
	why := reasons(backend)
	count(why) > 0
	msg := sprintf(
		"%s: %s sends traffic to Service %q port %s, which looks like a sensitive service (%s); route it to the application in front of that service instead",
		[k8s.display, where, object.get(backend, "serviceName", ""), port_text(backend), concat("; ", sort(why))],
	)
}

deny contains msg if {
	apisix.route
	k8s.is_check
	some i, rule in k8s.array_at(k8s.spec, "http")
	some j, ref in k8s.array_at(rule, "upstreams")
	n := ref.name
	is_string(n)
	some p in lists.sensitive_patterns
	glob.match(p, null, lower(n))
	msg := sprintf(
		"%s: spec.http[%d].upstreams[%d] sends traffic to ApisixUpstream %q, whose name matches %q in sensitiveServicePatterns; route it to the application in front of that service instead",
		[k8s.display, i, j, n, p],
	)
}

backends contains [sprintf("spec.stream[%d].backend", [i]), b] if {
	some i, rule in k8s.array_at(k8s.spec, "stream")
	b := rule.backend
	is_object(b)
}

backends contains [sprintf("spec.http[%d].backends[%d]", [i, j]), b] if {
	some i, rule in k8s.array_at(k8s.spec, "http")
	some j, b in k8s.array_at(rule, "backends")
	is_object(b)
}

reasons(b) := {r |
	some r in (port_reasons(b) | name_reasons(b))
}

port_reasons(b) := {sprintf("port %v is in sensitivePorts", [n]) |
	n := port_number(b.servicePort)
	n in lists.sensitive_ports
} | {sprintf("port name %q matches %q", [n, p]) |
	n := b.servicePort
	is_string(n)
	not port_number(n)
	some p in lists.sensitive_patterns
	glob.match(p, null, lower(n))
}

name_reasons(b) := {sprintf("Service name %q matches %q", [n, p]) |
	n := b.serviceName
	is_string(n)
	some p in lists.sensitive_patterns
	glob.match(p, null, lower(n))
}

port_number(v) := v if is_number(v)

port_number(v) := to_number(v) if {
	is_string(v)
	regex.match(`^[0-9]+$`, v)
}

port_text(b) := sprintf("%v", [b.servicePort]) if is_number(b.servicePort)

else := sprintf("%q", [b.servicePort]) if is_string(b.servicePort)

else := "(unset)"
