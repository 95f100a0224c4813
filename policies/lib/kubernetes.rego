# METADATA
# title: Shared helpers for apiguard policies
# description: >-
#   Reading the admission request safely: the object under review (the old object for
#   DELETE), its name and namespace for messages, metadata maps, and configuration with
#   defaults. Not a policy: it defines no deny, violation, warn or patch rule.
package lib.kubernetes

# resource is the object under review: the new object, or the old one on DELETE, or {}.
resource := o if {
	input.request.operation != "DELETE"
	o := input.request.object
	is_object(o)
} else := o if {
	o := input.request.oldObject
	is_object(o)
} else := {}

is_delete if input.request.operation == "DELETE"

# is_write holds for CREATE and UPDATE: the operations that can introduce exposure.
is_write if input.request.operation in {"CREATE", "UPDATE"}

# is_audit holds when audit re-checks an existing object.
is_audit if input.request.operation == "AUDIT"

# is_check holds for the operations a deny check judges: writes and audits.
is_check if is_write

is_check if is_audit

kind := input.request.kind.kind

group := input.request.kind.group

# version is the API version the request is served in. Patch rules add the fields of
# one version's schema, so they check it: a default written for networking.k8s.io/v1
# must not be added to a v1beta1 object (known_api_version denies that one instead).
version := input.request.kind.version

name := n if {
	n := resource.metadata.name
	is_string(n)
	n != ""
} else := n if {
	n := input.request.name
	is_string(n)
	n != ""
} else := "<unnamed>"

namespace := n if {
	n := resource.metadata.namespace
	is_string(n)
	n != ""
} else := n if {
	n := input.request.namespace
	is_string(n)
} else := ""

# display is "Kind namespace/name", for messages.
display := sprintf("%s %s/%s", [kind, namespace, name]) if namespace != ""

else := sprintf("%s %s", [kind, name])

annotations := a if {
	a := resource.metadata.annotations
	is_object(a)
} else := {}

labels := l if {
	l := resource.metadata.labels
	is_object(l)
} else := {}

spec := s if {
	s := resource.spec
	is_object(s)
} else := {}

# config is data.apiguard.config, or {} when none is set.
config := c if {
	c := data.apiguard.config
	is_object(c)
} else := {}

# setting reads config at path (an array of keys), falling back to fallback.
setting(path, fallback) := object.get(config, path, fallback)

# array_at returns obj[key] when it is an array, else [].
array_at(obj, key) := v if {
	v := obj[key]
	is_array(v)
} else := []

# namespace_in holds when the object's namespace matches one of the glob patterns.
namespace_in(patterns) if {
	some p in patterns
	glob.match(p, [], namespace)
}
