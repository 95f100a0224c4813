# A second policy directory that also holds main.rego in package main: conftest loads
# both directories side by side.
package main

deny_public_lb contains msg if {
	input.kind == "Service"
	input.spec.type == "LoadBalancer"
	msg := sprintf("Service %s: no public load balancers", [input.metadata.name])
}
