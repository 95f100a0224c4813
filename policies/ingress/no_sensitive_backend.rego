# METADATA
# title: Ingress must not expose databases, caches or other sensitive services
# description: >-
#   Denies a backend (spec.rules[].http.paths[].backend.service or
#   spec.defaultBackend.service) whose port number is in
#   data.apiguard.config.sensitivePorts (default 22, 2379, 3306, 5432, 6379,
#   9200, 11211, 27017), or whose port name or Service name matches a glob in
#   data.apiguard.config.sensitiveServicePatterns (default "*-db",
#   "*postgres*", "*mysql*", "*redis*", "etcd*"; "*" matches any characters
#   and "?" one, compared case-insensitively; patterns with other characters
#   are ignored). Both keys are top-level in the config and
#   shared with other policy groups; a configured list replaces the default.
#   Such services speak their own protocols, trust their network, and should
#   not be reachable from the internet through the ingress controller.
# custom:
#   kinds: [Ingress]
#   severity: high
#   field: spec.rules
#   remediation: >-
#     Route the Ingress to the application that fronts the data store, not to
#     the data store itself.
package ingress.no_sensitive_backend

import data.lib.kubernetes as k8s

default_ports := [22, 2379, 3306, 5432, 6379, 9200, 11211, 27017]

default_patterns := ["*-db", "*postgres*", "*mysql*", "*redis*", "etcd*"]

deny contains msg if {
	applies
	some [i, j, service] in backends
	suspicious(service)
	why := reasons(service)
	count(why) > 0
	msg := sprintf(
		"%s: %s routes to Service %q port %s, which looks like a sensitive service (%s); route it to the application in front of that service instead",
		[k8s.display, location(i, j), service_name(service), port_text(service), concat("; ", sort(why))],
	)
}

# Writes and audits of networking.k8s.io Ingresses are judged; a DELETE never is.
applies if {
	k8s.is_check
	k8s.group == "networking.k8s.io"
	k8s.kind == "Ingress"
}

# Every Service backend, with the indexes of where it is in the object
# (location): spec.rules[i].http.paths[j], or [-1, -1] for spec.defaultBackend.
# A set of triples, not an object keyed by location: OPA checks each new key
# of a partial object against every key before it, which made 20,000 paths
# take half a minute (issue 14). The location text is built only for a
# backend found sensitive (issue 18: building it for every backend was a
# quarter of an Ingress decision).
backends contains [i, j, service] if {
	some i, rule in k8s.array_at(k8s.spec, "rules")
	some j, path in k8s.array_at(rule.http, "paths")
	service := path.backend.service
	is_object(service)
}

backends contains [-1, -1, service] if {
	service := k8s.spec.defaultBackend.service
	is_object(service)
}

location(-1, -1) := "spec.defaultBackend"

location(i, j) := sprintf("spec.rules[%d].http.paths[%d]", [i, j]) if i >= 0

# suspicious(service) is the cheap first test of a backend: its port number is
# listed, or its port name or Service name matches sensitive_glob. It holds
# exactly when reasons(service) is not empty.
suspicious(service) if service.port.number in sensitive_ports

suspicious(service) if {
	n := service.port.name
	is_string(n)
	glob.match(sensitive_glob, null, lower(n))
}

suspicious(service) if {
	n := service.name
	is_string(n)
	glob.match(sensitive_glob, null, lower(n))
}

# sensitive_glob matches a name that one of sensitive_patterns matches: the
# patterns as one alternation, one glob.match per name instead of one per
# pattern. The patterns hold only [A-Za-z0-9._*?-], so none can end the braces
# or add an alternative. Undefined without patterns (nothing matches).
sensitive_glob := concat("", ["{", concat(",", sort(sensitive_patterns)), "}"]) if count(sensitive_patterns) > 0

reasons(service) := {r |
	some r in ((port_number_reasons(service) | port_name_reasons(service)) | service_name_reasons(service))
}

port_number_reasons(service) := {sprintf("port %v is in sensitivePorts", [n]) |
	n := service.port.number
	is_number(n)
	n in sensitive_ports
}

port_name_reasons(service) := {sprintf("port name %q matches %q", [n, p]) |
	n := service.port.name
	is_string(n)
	some p in sensitive_patterns
	glob.match(p, null, lower(n))
}

service_name_reasons(service) := {sprintf("Service name %q matches %q", [n, p]) |
	n := service.name
	is_string(n)
	some p in sensitive_patterns
	glob.match(p, null, lower(n))
}

service_name(service) := service.name if {
	is_string(service.name)
} else := ""

port_text(service) := sprintf("%v", [service.port.number]) if {
	is_number(service.port.number)
} else := sprintf("%q", [service.port.name]) if {
	is_string(service.port.name)
} else := "(unset)"

# A configured list replaces the default; entries of the wrong type are
# ignored, and a value that is not a list falls back to the default.
sensitive_ports := {n | some n in list; is_number(n)} if {
	list := k8s.setting(["sensitivePorts"], default_ports)
	is_array(list)
} else := {n | some n in default_ports}

# Only "*" and "?" wildcards are supported: other glob syntax could be
# malformed, and a malformed pattern would fail every evaluation.
sensitive_patterns := {lower(p) | some p in list; is_string(p); regex.match(`^[A-Za-z0-9._*?-]+$`, p)} if {
	list := k8s.setting(["sensitiveServicePatterns"], default_patterns)
	is_array(list)
} else := {p | some p in default_patterns}
