package k8s.ingress

deny contains msg if {
	input.kind == "Ingress"
	count(object.get(input.spec, "tls", [])) == 0
	msg := sprintf("Ingress %s: TLS is required", [input.metadata.name])
}
