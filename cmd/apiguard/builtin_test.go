package main

import (
	"context"
	"strings"
	"testing"

	"github.com/apiguard/apiguard/pkg/source"
)

// With no --policy, check judges with the library built into the binary, wherever it
// runs: this test's directory holds no ./policies.
func TestBuiltinLibraryIsTheDefault(t *testing.T) {
	dir := t.TempDir()
	bad := writeFile(t, dir, "bad.yaml", badIngress)
	code, out, errOut := run(t, "", "check", bad)
	if code != 1 || !strings.Contains(out, "[ingress.require_tls]") {
		t.Errorf("check without --policy: exit %d\n%s%s", code, out, errOut)
	}
	// Named explicitly, and combined with a tree of one's own: both decide.
	own := t.TempDir()
	writeFile(t, own, "own.rego", `package own

import rego.v1

deny contains msg if {
	input.request.object.kind == "Ingress"
	msg := "own policy ran"
}
`)
	code, out, errOut = run(t, "", "check", "--policy", "builtin", "--policy", own, bad)
	if code != 1 || !strings.Contains(out, "[ingress.require_tls]") || !strings.Contains(out, "own policy ran") {
		t.Errorf("check --policy builtin --policy DIR: exit %d\n%s%s", code, out, errOut)
	}
	// --policy replaces it.
	code, out, errOut = run(t, "", "check", "--policy", own, bad)
	if code != 1 || strings.Contains(out, "[ingress.require_tls]") || !strings.Contains(out, "own policy ran") {
		t.Errorf("check --policy DIR: exit %d\n%s%s", code, out, errOut)
	}
}

// version names the built-in library by the revision a checkout of policies/ has, the
// one the webhook's /status shows for source builtin.
func TestVersionPrintsLibraryRevision(t *testing.T) {
	dir, err := source.Dir{Path: policies}.Snapshot(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	code, out, errOut := run(t, "", "version")
	if code != 0 || !strings.Contains(out, "\nlibrary "+dir.Revision+"\n") {
		t.Errorf("version: exit %d, want library %s\n%s%s", code, dir.Revision, out, errOut)
	}
}

// test with no tree runs the built-in library's own tests, and names their files as
// builtin:<path>.
func TestTestRunsTheBuiltinLibrary(t *testing.T) {
	code, out, errOut := run(t, "", "test", "-v", "--run", "require_tls_test")
	if code != 0 || !strings.Contains(out, "builtin:ingress/require_tls_test.rego") || !strings.Contains(out, "PASS") {
		t.Errorf("test: exit %d\n%s%s", code, out, errOut)
	}
}
