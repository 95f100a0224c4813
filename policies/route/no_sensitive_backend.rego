# METADATA
# title: Gateway API routes must not expose databases, caches or other sensitive services
# description: >-
#   The route kinds of Gateway API (gateway.networking.k8s.io): TCPRoute,
#   UDPRoute and TLSRoute forward raw connections from a Gateway listener to
#   their backends, and HTTPRoute and GRPCRoute forward requests (and mirror
#   copies of them). A backend (spec.rules[].backendRefs[], and the backendRef
#   of RequestMirror filters on rules and on backendRefs) is denied when its
#   port is in data.apiguard.config.sensitivePorts or its name matches a glob in
#   data.apiguard.config.sensitiveServicePatterns: the lists, defaults and
#   parsing of ingress.no_sensitive_backend, read from that policy so that both
#   judge alike. Every backend kind is judged, not only Service: a ServiceImport
#   or an implementation's own backend kind named "orders-db" is as sensitive.
# custom:
#   kinds:
#     - gateway.networking.k8s.io/TCPRoute
#     - gateway.networking.k8s.io/UDPRoute
#     - gateway.networking.k8s.io/TLSRoute
#     - gateway.networking.k8s.io/HTTPRoute
#     - gateway.networking.k8s.io/GRPCRoute
#   severity: high
#   field: spec.rules
#   remediation: >-
#     Route the Gateway to the application that fronts the data store, not to the
#     data store itself; reach data stores from inside the cluster.
package route.no_sensitive_backend

import data.ingress.no_sensitive_backend as lists
import data.lib.gatewayapi as gw
import data.lib.kubernetes as k8s

deny contains msg if {
	k8s.kind in {"TCPRoute", "UDPRoute", "TLSRoute", "HTTPRoute", "GRPCRoute"}
	k8s.group == "gateway.networking.k8s.io"
	k8s.is_check
	some_sensitive
	some [where, ref] in backends
	why := reasons(ref)
	count(why) > 0
	msg := sprintf(
		"%s: %s sends traffic to %s %q port %s, which looks like a sensitive service (%s); route it to the application in front of that service instead",
		[k8s.display, where, object.get(ref, "kind", "Service"), name(ref), port_text(ref), concat("; ", sort(why))],
	)
}

# Cost (issue 18): one cheap pass over every backend first (some_sensitive, on
# lib.gatewayapi's walk);
# only a route with a sensitive backend goes on to format locations and
# reasons (backends, reasons). The pass may admit more than backends holds (it
# checks no types, and always tries the empty name a nameless backend is
# matched as): it only has to miss no sensitive backend.
some_sensitive if {
	some ref in gw.route_backend_refs
	ref.port in sensitive_ports
}

# The globs run once per distinct name.
some_sensitive if {
	some n in ({""} | {n | n := gw.route_backend_refs[_].name; is_string(n)})
	some p in sensitive_patterns
	glob.match(p, null, lower(n))
}

# The lists of ingress.no_sensitive_backend. Unless the configuration sets them,
# they are that policy's defaults, held here as constants (a test checks they
# agree) so that an evaluation does not derive them again.
sensitive_ports := lists.sensitive_ports if {
	k8s.config.sensitivePorts
} else := {22, 2379, 3306, 5432, 6379, 9200, 11211, 27017}

sensitive_patterns := lists.sensitive_patterns if {
	k8s.config.sensitiveServicePatterns
} else := {"*-db", "*postgres*", "*mysql*", "*redis*", "etcd*"}

# Every backend reference, with where it is in the object. A set of pairs, not an object
# keyed by location: OPA checks each new key of a partial object against every key
# before it, which made 10,000 backends quadratic (1.2 s; the pairs take 30 ms).
backends contains [where, ref] if {
	some i, rule in k8s.array_at(k8s.spec, "rules")
	some j, ref in k8s.array_at(rule, "backendRefs")
	is_object(ref)
	where := sprintf("spec.rules[%d].backendRefs[%d]", [i, j])
}

backends contains [where, ref] if {
	some i, rule in k8s.array_at(k8s.spec, "rules")
	some j, filter in k8s.array_at(rule, "filters")
	ref := filter.requestMirror.backendRef
	is_object(ref)
	where := sprintf("spec.rules[%d].filters[%d].requestMirror.backendRef", [i, j])
}

backends contains [where, ref] if {
	some i, rule in k8s.array_at(k8s.spec, "rules")
	some j, backend in k8s.array_at(rule, "backendRefs")
	some f, filter in k8s.array_at(backend, "filters")
	ref := filter.requestMirror.backendRef
	is_object(ref)
	where := sprintf("spec.rules[%d].backendRefs[%d].filters[%d].requestMirror.backendRef", [i, j, f])
}

reasons(ref) := port_reasons(ref) | name_reasons(ref)

port_reasons(ref) := {sprintf("port %v is in sensitivePorts", [p]) |
	p := ref.port
	is_number(p)
	p in lists.sensitive_ports
}

name_reasons(ref) := {sprintf("name %q matches %q", [n, p]) |
	n := name(ref)
	some p in lists.sensitive_patterns
	glob.match(p, null, lower(n))
}

name(ref) := n if {
	n := ref.name
	is_string(n)
} else := ""

port_text(ref) := sprintf("%v", [ref.port]) if {
	is_number(ref.port)
} else := "(unset)"
