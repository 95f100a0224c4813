package main

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestCLIRefusesRestrictedBuiltins: a policy calling a builtin that reaches the network,
// reads the host or writes the trace is a policy error (exit 2) naming file:row and the
// reason, in check and in test alike.
func TestCLIRefusesRestrictedBuiltins(t *testing.T) {
	calls := map[string]string{
		"http.send":          "r := http.send({\"method\": \"get\", \"url\": \"http://x\"})\n\tr.status_code == 200",
		"net.lookup_ip_addr": "count(net.lookup_ip_addr(\"example.com\")) > 0",
		"opa.runtime":        "opa.runtime().env.HOME",
		"trace":              "trace(\"checking\")",
	}
	dir := t.TempDir()
	manifest := writeFile(t, dir, "cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n")
	for builtin, call := range calls {
		tree := filepath.Join(dir, builtin)
		writeTree(t, tree, map[string]string{
			"p/p.rego":      "package p\n\ndeny contains \"x\" if {\n\t" + call + "\n}\n",
			"p/p_test.rego": "package p_test\n\ntest_nothing if true\n",
		})
		for name, args := range map[string][]string{
			"check": {"check", "--policy", tree, manifest},
			"test":  {"test", tree},
		} {
			t.Run(builtin+"/"+name, func(t *testing.T) {
				code, out, errOut := run(t, "", args...)
				if code != 2 {
					t.Fatalf("exit %d, want 2\nstdout: %s\nstderr: %s", code, out, errOut)
				}
				for _, want := range []string{filepath.Join("p", "p.rego") + ":4", "builtin " + builtin + " is not allowed in apiguard policies"} {
					if !strings.Contains(errOut, want) {
						t.Errorf("stderr does not say %q:\n%s", want, errOut)
					}
				}
			})
		}
	}
}

// TestTestCommandShowsTraceNotes: tests (only tests) may call trace, and apiguard test -v
// prints the notes of a failing test, as opa test -v does. check ignores test files, so
// the same tree still checks.
func TestTestCommandShowsTraceNotes(t *testing.T) {
	dir := t.TempDir()
	tree := filepath.Join(dir, "tree")
	writeTree(t, tree, map[string]string{
		"p/p.rego": "package p\n\ndeny contains \"no owner\" if not input.request.object.metadata.labels.owner\n",
		"p/p_test.rego": `package p_test

import data.p

test_unowned_is_allowed if {
	d := p.deny with input as {"request": {"object": {"metadata": {}}}}
	trace(sprintf("deny for an unowned object: %v", [d]))
	count(d) == 0
}
`,
	})
	note := `Note "deny for an unowned object: {"no owner"}"`
	code, out, errOut := run(t, "", "test", "-v", tree)
	if code != 1 || !strings.Contains(out, note) || !strings.Contains(out, "p_test.rego:7") {
		t.Errorf("test -v: exit %d, want 1 and the note at p_test.rego:7\nstdout: %s\nstderr: %s", code, out, errOut)
	}
	code, out, errOut = run(t, "", "test", tree)
	if code != 1 || strings.Contains(out, `Note "`) {
		t.Errorf("test without -v: exit %d, want 1 and no trace\nstdout: %s\nstderr: %s", code, out, errOut)
	}
	manifest := writeFile(t, dir, "cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n  labels:\n    owner: a\n")
	if code, out, errOut := run(t, "", "check", "--policy", tree, manifest); code != 0 {
		t.Errorf("check of the same tree: exit %d, want 0\nstdout: %s\nstderr: %s", code, out, errOut)
	}
}
