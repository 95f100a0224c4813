package main

# In Rego v1 this defines an object {msg: true}, not a set of messages; conftest refuses
# it rather than never failing.
deny[msg] if {
	input.kind == "Deployment"
	msg := "never reported"
}
