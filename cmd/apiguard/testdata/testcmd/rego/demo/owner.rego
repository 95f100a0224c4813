# METADATA
# title: ConfigMaps need an owner (a small policy for apiguard test's own tests)
# custom:
#   kinds: [ConfigMap]
package demo.owner

deny contains msg if {
	input.request.operation in {"CREATE", "UPDATE"}
	not input.request.object.metadata.labels.owner
	msg := sprintf("ConfigMap %s has no owner label", [input.request.object.metadata.name])
}

# A limit that is not a number is a builtin error: the engine fails the request
# rather than admit it, which the fixtures show as ERROR.
deny contains "limit above 100" if {
	to_number(input.request.object.data.limit) > 100
}

warn contains "ConfigMap holds a key named password" if {
	input.request.object.data.password
}

patch contains {"op": "add", "path": "/metadata/annotations", "value": {"demo/checked": "true"}} if {
	input.request.operation == "CREATE"
	not input.request.object.metadata.annotations
}
