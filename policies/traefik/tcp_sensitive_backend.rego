# METADATA
# title: Traefik TCP routes must not open databases to every connection
# description: >-
#   An IngressRouteTCP (traefik.io) route that matches every connection, on a public
#   entry point, whose Traefik forwards the raw bytes (spec.tls.passthrough: true, or
#   no spec.tls: plain TCP), to a backend with a data store's port or name
#   (data.apiguard.config.sensitivePorts and sensitiveServicePatterns, the lists and
#   parsing of ingress.no_sensitive_backend) is denied: anyone on the internet then
#   talks to the database's own protocol and authentication. A route matches every
#   connection with HostSNI(`*`) (traefik/traefik v3.7.13 pkg/muxer/tcp/matcher.go
#   hostSNI: "matching with an empty serverName or every serverName"), a HostSNIRegexp
#   that matches hosts nobody owns, or no HostSNI restricting every branch (read as
#   lib.traefik host_probe). A route Traefik terminates TLS for is not judged here
#   (its TLSOption decides whether clients need a certificate, traefik.tls_client_auth).
#   Public entry points are traefik.publicEntryPoints (default: all); namespaces in
#   traefik.tcpSensitiveNamespaces (globs) are exempt.
# custom:
#   kinds: [traefik.io/IngressRouteTCP]
#   severity: high
#   field: spec.routes[].services
#   remediation: >-
#     Match the route with HostSNI(`<host>`) and let Traefik terminate TLS with a
#     TLSOption that requires client certificates, or keep the data store off public
#     entry points.
package traefik.tcp_sensitive_backend

import data.ingress.no_sensitive_backend as lists
import data.lib.kubernetes as k8s
import data.lib.traefik

deny contains msg if {
	applies
	some i, route in k8s.spec.routes
	is_string(route.match)
	traefik.host_probe(route.match, "tcp", traefik.route_syntax(route)) != "F"
	some j, service in k8s.array_at(route, "services")
	why := reasons(service)
	count(why) > 0
	msg := sprintf(
		"%s: spec.routes[%d] (match %q) forwards %s from every client on %s to spec.routes[%d].services[%d] %q port %v, which looks like a data store (%s); match a HostSNI of your own and let Traefik terminate TLS with client certificates, or keep it off public entry points",
		[k8s.display, i, route.match, forwarding, concat(", ", public), i, j, object.get(service, "name", ""), object.get(service, "port", ""), concat("; ", sort(why))],
	)
}

public := [ep | some ep in traefik.entry_points(k8s.spec); traefik.public_entry_point(ep)]

forwarding := "TLS connections it does not terminate (tls.passthrough)" if k8s.spec.tls.passthrough == true

else := "plain TCP connections (no spec.tls)"

applies if {
	k8s.is_check
	traefik.kind("IngressRouteTCP")
	raw
	count(public) > 0
	not k8s.namespace_in(traefik.setting("tcpSensitiveNamespaces", []))
}

raw if k8s.spec.tls.passthrough == true

raw if not has_tls

has_tls if is_object(k8s.spec.tls)

reasons(service) := {r |
	some r in ((port_number_reasons(service) | port_name_reasons(service)) | name_reasons(service))
}

port_number_reasons(service) := {sprintf("port %v is in sensitivePorts", [n]) |
	n := service.port
	is_number(n)
	n in lists.sensitive_ports
}

# A port given as a string is a port name, or digits Traefik reads as the number.
port_name_reasons(service) := {r |
	p := service.port
	is_string(p)
	some r in string_port_reasons(p)
}

string_port_reasons(p) := {sprintf("port %s is in sensitivePorts", [p]) |
	regex.match(`^[0-9]+$`, p)
	to_number(p) in lists.sensitive_ports
} | {sprintf("port name %q matches %q", [p, pat]) |
	some pat in lists.sensitive_patterns
	glob.match(pat, null, lower(p))
}

name_reasons(service) := {sprintf("Service name %q matches %q", [n, p]) |
	n := service.name
	is_string(n)
	some p in lists.sensitive_patterns
	glob.match(p, null, lower(n))
}
