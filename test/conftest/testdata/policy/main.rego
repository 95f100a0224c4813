# A typical conftest policy for Deployments, in the default package main.
package main

# String messages from the bare rule name.
deny contains msg if {
	input.kind == "Deployment"
	not input.spec.template.spec.securityContext.runAsNonRoot
	msg := sprintf("%s: containers must not run as root", [input.metadata.name])
}

# Object messages: {"msg": ...} with extra fields.
violation contains {"msg": msg, "details": {"container": c.name}} if {
	input.kind == "Deployment"
	some c in input.spec.template.spec.containers
	endswith(c.image, ":latest")
	msg := sprintf("%s: container %s uses the latest tag", [input.metadata.name, c.name])
}

# A _suffix rule; exceptions name it "missing_owner".
deny_missing_owner contains msg if {
	input.kind in {"Deployment", "Service"}
	not input.metadata.labels.owner
	msg := sprintf("%s %s: label owner is required", [input.kind, input.metadata.name])
}

# Registries come from --data (data.registries.allowed).
deny_registry contains msg if {
	input.kind == "Deployment"
	some c in input.spec.template.spec.containers
	allowed := data.registries.allowed
	not allowed_image(c.image, allowed)
	msg := sprintf("%s: image %s is not from an allowed registry", [input.metadata.name, c.image])
}

allowed_image(image, allowed) if {
	some prefix in allowed
	startswith(image, prefix)
}

warn contains msg if {
	input.kind == "Deployment"
	input.spec.replicas < 2
	msg := sprintf("%s: fewer than 2 replicas", [input.metadata.name])
}

warn_json_file contains msg if {
	endswith(data.conftest.file.name, ".json")
	msg := sprintf("%s is JSON; prefer YAML", [data.conftest.file.name])
}

# conftest evaluates a List as one input; this proves we do too.
deny_list contains msg if {
	input.kind == "List"
	msg := sprintf("List with %d items: apply objects one by one", [count(input.items)])
}

# A boolean rule never fails under conftest: only sets of messages count.
deny_boolean if input.kind == "Deployment"

# An empty message is a pass.
warn_empty contains "" if input.kind == "Deployment"

exception contains rules if {
	input.metadata.name == "legacy"
	rules := ["missing_owner"]
}
