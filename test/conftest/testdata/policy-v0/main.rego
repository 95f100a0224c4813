package main

deny[msg] {
	input.kind == "Service"
	input.spec.type == "LoadBalancer"
	msg := sprintf("Service %s: no public load balancers", [input.metadata.name])
}

warn_ports[msg] {
	input.kind == "Service"
	count(input.spec.ports) > 1
	msg := sprintf("Service %s: more than one port", [input.metadata.name])
}
