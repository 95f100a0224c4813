package k8s.service

warn contains {"msg": msg} if {
	input.kind == "Service"
	input.spec.type == "NodePort"
	msg := sprintf("Service %s: NodePort exposes every node", [input.metadata.name])
}
