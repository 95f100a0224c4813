package main

import (
	"fmt"
	"strings"
)

// probeLabel marks the probe Ingresses whose verdict the soak's policy flips.
const probeLabel = "soak.apiguard.io/probe"

// probeRego denies probes while data.soak.verdict is "deny". Good commits flip the
// verdict, so every answer to a probe shows which revision decided it, and the oracle
// knows what that revision must say.
const probeRego = `# METADATA
# title: Soak probe (test/soak)
# description: Denies Ingresses labelled ` + probeLabel + `=true while data.soak.verdict is "deny".
# custom:
#   kinds: [Ingress]
package soak.probe

deny contains msg if {
	input.request.object.metadata.labels["` + probeLabel + `"] == "true"
	data.soak.verdict == "deny"
	msg := sprintf("probe denied by soak generation %d", [data.soak.generation])
}
`

const probeTest = `package soak.probe_test

import data.soak.probe

probe_input := {"request": {"object": {"metadata": {"labels": {"` + probeLabel + `": "true"}}}}}

test_deny_verdict_denies if {
	count(probe.deny) == 1 with input as probe_input with data.soak.verdict as "deny"
}

test_allow_verdict_admits if {
	count(probe.deny) == 0 with input as probe_input with data.soak.verdict as "allow"
}
`

const (
	probePath = "policies/soak/probe.rego"
	testPath  = "policies/soak/probe_test.rego"
	dataPath  = "policies/soak/data.json"
	// brokenPath holds a module that does not parse (a compile_failed commit).
	brokenPath = "policies/soak/broken.rego"
)

func dataFile(verdict string, generation int) string {
	return fmt.Sprintf(`{"verdict": %q, "generation": %d}`, verdict, generation)
}

// change is one commit's edits: path -> content, "" removes the path.
type change map[string]string

// goodChange repairs whatever a broken commit left (brokenFile: the module that does not
// compile is there) and sets the verdict.
func goodChange(verdict string, generation int, brokenFile bool) change {
	c := change{dataPath: dataFile(verdict, generation), testPath: probeTest}
	if brokenFile {
		c[brokenPath] = ""
	}
	return c
}

// brokenChange is refused by the gate one of two ways, alternately: a module that does
// not compile, or tests that fail. Both also flip the verdict, so a broken commit that
// got through would show in the probes' answers.
func brokenChange(verdict string, generation int, compile bool) (change, string) {
	c := change{dataPath: dataFile(verdict, generation)}
	if compile {
		c[brokenPath] = "package soak.broken\n\ndeny contains msg if {\n"
		return c, "compile_failed"
	}
	c[testPath] = strings.Replace(probeTest, "count(probe.deny) == 0", "count(probe.deny) == 1", 1)
	return c, "tests_failed"
}
