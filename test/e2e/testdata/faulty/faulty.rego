# METADATA
# title: Deliberately broken policies for failurePolicy tests
# description: >-
#   An Ingress named "conflict" makes two complete rules disagree (a runtime error);
#   an Ingress named "slow" runs a huge comprehension past --eval-timeout.
# custom:
#   kinds: [Ingress]
package e2e.faulty

verdict := "a" if input.request.object.metadata.name == "conflict"

verdict := "b" if input.request.object.metadata.name == "conflict"

deny contains verdict if input.request.operation == "CREATE"

deny contains "slow" if {
	input.request.object.metadata.name == "slow"
	count([1 | some i in numbers.range(1, 100000); some j in numbers.range(1, 100000)]) > 0
}
