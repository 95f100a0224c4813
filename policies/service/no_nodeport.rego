# METADATA
# title: Service must not open node ports
# description: >-
#   A NodePort Service opens its port on every node, bypassing the Ingress or
#   Gateway and whatever filters the nodes' addresses. Denied: type NodePort, and
#   type LoadBalancer with a spec.ports[].nodePort the author pinned. Namespaces
#   matching a glob in data.apiguard.config.service.nodePortNamespaces (default
#   []) are exempt. The API server allocates node ports for LoadBalancer Services
#   before validating admission runs, so a nodePort is only known to be pinned by
#   the author when the object has not been through the API server yet (no
#   metadata.uid, as in a manifest checked by the CLI), or on UPDATE when it
#   differs from the old object's nodePort for the same port. Allocated node
#   ports of LoadBalancer Services are not flagged.
# custom:
#   kinds: [Service]
#   severity: medium
#   field: spec.type
#   remediation: >-
#     Use type ClusterIP behind an Ingress or Gateway, and for a LoadBalancer
#     remove spec.ports[].nodePort so that Kubernetes allocates it.
package service.no_nodeport

import data.lib.kubernetes as k8s

deny contains msg if {
	applies
	k8s.spec.type == "NodePort"
	msg := sprintf(
		"%s: type NodePort opens the port on every node; use type ClusterIP behind an Ingress or Gateway",
		[k8s.display],
	)
}

deny contains msg if {
	applies
	k8s.spec.type == "LoadBalancer"
	some i, port in k8s.array_at(k8s.spec, "ports")
	pinned(port)
	msg := sprintf(
		"%s: spec.ports[%d].nodePort pins node port %v on every node; remove nodePort and let Kubernetes allocate it",
		[k8s.display, i, port.nodePort],
	)
}

applies if {
	k8s.is_check
	k8s.group == ""
	k8s.kind == "Service"
	not k8s.namespace_in(exempt_namespaces)
}

has_node_port(port) if {
	is_number(port.nodePort)
	port.nodePort != 0
}

# Not yet through the API server, so no port has been allocated: every
# nodePort was written by the author.
pinned(port) if {
	has_node_port(port)
	not from_api_server
}

# On UPDATE, a nodePort that differs from the old one for the same port was
# changed by the author (the API server keeps allocated ports as they are).
pinned(port) if {
	has_node_port(port)
	input.request.operation == "UPDATE"
	port_key(port) in old_keys
	not [port_key(port), port.nodePort] in old_node_ports
}

# The old object's ports as sets, so an UPDATE is judged in O(n log n) of its
# ports rather than comparing every port with every old one.
old_node_ports := {[port_key(old), old.nodePort] |
	input.request.operation == "UPDATE"
	some old in k8s.array_at(old_spec, "ports")
	has_node_port(old)
}

old_keys := {k | some [k, _] in old_node_ports}

from_api_server if {
	uid := k8s.resource.metadata.uid
	is_string(uid)
	uid != ""
}

old_spec := s if {
	s := input.request.oldObject.spec
	is_object(s)
} else := {}

# Ports are matched by name (required when there are several), else by port
# number and protocol.
port_key(p) := ["name", p.name] if {
	is_string(p.name)
	p.name != ""
} else := ["port", object.get(p, "port", 0), object.get(p, "protocol", "TCP")]

# Malformed configuration (not a list of strings) means no exemptions.
exempt_namespaces := globs if {
	globs := k8s.setting(["service", "nodePortNamespaces"], [])
	is_array(globs)
	every g in globs {
		is_string(g)
	}
} else := []
