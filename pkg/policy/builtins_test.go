package policy

import (
	"context"
	"errors"
	"strings"
	"testing"
)

// restrictedCalls are a policy module calling each builtin the issue names, with the row
// of the call.
var restrictedCalls = map[string]struct {
	src string
	row string
}{
	"http.send":          {src: "package p\n\ndeny contains r.body if {\n\tr := http.send({\"method\": \"get\", \"url\": \"http://x\"})\n}\n", row: ":4"},
	"net.lookup_ip_addr": {src: "package p\n\ndeny contains \"resolves\" if {\n\tcount(net.lookup_ip_addr(\"example.com\")) > 0\n}\n", row: ":4"},
	"opa.runtime":        {src: "package p\n\ndeny contains \"env\" if {\n\topa.runtime().env.HOME\n}\n", row: ":4"},
	"trace":              {src: "package p\n\ndeny contains \"x\" if {\n\ttrace(\"checking\")\n}\n", row: ":4"},
	// Nested in another term and in a comprehension: the test runner's own check must
	// see through both, as the type checker does.
	"trace nested":             {src: "package p\n\ndeny contains \"x\" if {\n\tok := trace(\"n\")\n\tok\n}\n", row: ":4"},
	"trace in a comprehension": {src: "package p\n\ndeny contains \"x\" if {\n\txs := [x | some x in [1]; trace(\"c\")]\n\tcount(xs) > 0\n}\n", row: ":4"},
}

// TestRestrictedBuiltinsAreRefusedEverywhere: evaluation (webhook and check), the
// conftest mode and the test runner (apiguard test and the activation gate) refuse a
// policy calling any of them, naming file:row and the reason.
func TestRestrictedBuiltinsAreRefusedEverywhere(t *testing.T) {
	loaders := map[string]func(files map[string]string) error{
		"Load": func(files map[string]string) error {
			_, err := Load(context.Background(), mapFS(files), LoadOptions{})
			return err
		},
		"RunTests": func(files map[string]string) error {
			_, err := RunTests(context.Background(), mapFS(files), LoadOptions{})
			return err
		},
		"RunTestsWith trace": func(files map[string]string) error {
			_, err := RunTestsWith(context.Background(), mapFS(files), LoadOptions{}, TestOptions{Trace: true, Print: true})
			return err
		},
	}
	for name, call := range restrictedCalls {
		builtin, _, _ := strings.Cut(name, " ")
		for loader, load := range loaders {
			t.Run(name+"/"+loader, func(t *testing.T) {
				files := map[string]string{
					"p/p.rego":      call.src,
					"p/p_test.rego": "package p_test\n\ntest_nothing if true\n",
				}
				err := load(files)
				var ce *CompileError
				if !errors.As(err, &ce) {
					t.Fatalf("err = %v, want a *CompileError", err)
				}
				for _, want := range []string{"p/p.rego" + call.row, "builtin " + builtin + " is not allowed in apiguard policies", RemovedBuiltins()[builtin]} {
					if !strings.Contains(err.Error(), want) {
						t.Errorf("error %q does not say %q", err, want)
					}
				}
			})
		}
	}
}

// traceTree has tests that call trace: a failing one whose note explains it, and a
// passing one.
var traceTree = map[string]string{
	"p/p.rego": "package p\n\ndeny contains \"no owner\" if not input.owner\n",
	"p/p_test.rego": `package p_test

import data.p

test_owner_allows if {
	trace("owner set, expecting no denial")
	count(p.deny) == 0 with input as {"owner": "team"}
}

test_missing_owner_allows if {
	d := p.deny with input as {}
	trace(sprintf("deny is %v", [d]))
	count(d) == 0
}
`,
}

// TestTestsMayTrace: *_test.rego files may call trace, and with Trace the note is in the
// failing test's detail, as opa test -v shows it. Without Trace the call is a no-op.
func TestTestsMayTrace(t *testing.T) {
	for name, topts := range map[string]TestOptions{"traced": {Trace: true}, "plain": {}} {
		t.Run(name, func(t *testing.T) {
			report, err := RunTestsWith(context.Background(), mapFS(traceTree), LoadOptions{}, topts)
			if err != nil {
				t.Fatal(err)
			}
			if report.Passed != 1 || report.Failed != 1 {
				t.Fatalf("report %s, want 1 passed and 1 failed", report)
			}
			for _, r := range report.Results {
				switch {
				case r.Outcome == TestPass && r.Detail != "":
					t.Errorf("passing %s has a detail:\n%s", r.Name, r.Detail)
				case r.Outcome == TestFail && topts.Trace:
					for _, want := range []string{`Note "deny is {"no owner"}"`, "p/p_test.rego:12"} {
						if !strings.Contains(r.Detail, want) {
							t.Errorf("trace of %s lacks %q:\n%s", r.Name, want, r.Detail)
						}
					}
				case r.Outcome == TestFail && r.Detail != "":
					t.Errorf("untraced %s has a detail:\n%s", r.Name, r.Detail)
				}
			}
		})
	}
}

// TestTestOnlyBuiltinStaysOutOfEvaluation: allowing trace in tests changes neither the
// capabilities evaluation compiles against nor their hash, which the CLI prints so two
// builds can be compared.
func TestTestOnlyBuiltinStaysOutOfEvaluation(t *testing.T) {
	for _, b := range capabilities().Builtins {
		if b.Name == testOnlyBuiltin {
			t.Fatalf("evaluation capabilities include %s", testOnlyBuiltin)
		}
	}
	found := false
	for _, b := range testCapabilities().Builtins {
		found = found || b.Name == testOnlyBuiltin
	}
	if !found {
		t.Fatalf("test capabilities lack %s", testOnlyBuiltin)
	}
	if capabilitiesHash(testCapabilities()) == CapabilitiesHash() {
		t.Error("the published hash covers the test capabilities, not evaluation's")
	}
}
