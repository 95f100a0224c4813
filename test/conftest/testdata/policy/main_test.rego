package main

# conftest loads test files with the policies; so does --conftest.
test_root_denied if {
	deny["web: containers must not run as root"] with input as {"kind": "Deployment", "metadata": {"name": "web"}, "spec": {"template": {"spec": {}}}}
}
