package demo.owner_test

import data.demo.owner

configmap(labels) := {"request": {
	"operation": "CREATE",
	"object": {"metadata": {"name": "settings", "labels": labels}},
}}

test_owner_label_passes if {
	count(owner.deny) == 0 with input as configmap({"owner": "team-a"})
}

test_missing_owner_denies if {
	count(owner.deny) == 1 with input as configmap({})
}

test_patch_adds_annotations if {
	some op in owner.patch with input as configmap({})
	op.path == "/metadata/annotations"
}

# Deliberately failing: the policy denies, and this test claims it does not.
test_deliberately_fails if {
	denies := owner.deny with input as configmap({})
	print("deny:", denies)
	count(denies) == 0
}

# Deliberately erroring: both definitions match 7 and give different values, which is
# an evaluation error, not a failure.
level(x) := "low" if x < 10

level(x) := "high" if x > 5

test_deliberately_errors if {
	level(7) == "low"
}

todo_test_later if {
	false
}
