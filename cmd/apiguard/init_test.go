package main

import (
	"path/filepath"
	"strings"
	"testing"
)

// apiguard init writes a repository whose tests pass as written, with every cluster's
// values too, whose manifests pass check, and which a second init leaves alone.
func TestInit(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "platform-policies")
	code, out, errOut := run(t, "", "init", dir)
	if code != 0 || !strings.Contains(out, "initialized a Git repository") {
		t.Fatalf("init: exit %d\n%s%s", code, out, errOut)
	}
	tree := filepath.Join(dir, "policies")
	if code, out, errOut := run(t, "", "test", tree); code != 0 || !strings.Contains(out, "passed, 0 failed") {
		t.Errorf("test %s: exit %d\n%.2000s%s", tree, code, out, errOut)
	}
	if code, out, errOut := run(t, "", "test", "--cluster-name", "example", "--run", "require_tls", tree); code != 0 {
		t.Errorf("test --cluster-name example: exit %d\n%.2000s%s", code, out, errOut)
	}
	if code, out, errOut := run(t, "", "check", "--policy", tree, filepath.Join(dir, "manifests")); code != 0 || !strings.Contains(out, "1 object, 0 denied, 0 warnings, 0 patched") {
		t.Errorf("check the example manifests: exit %d\n%s%s", code, out, errOut)
	}
	code, out, errOut = run(t, "", "init", dir)
	if code != 2 || !strings.Contains(errOut, "nothing was written (--force overwrites them)") {
		t.Errorf("second init: exit %d\n%s%s", code, out, errOut)
	}
	if code, out, errOut := run(t, "", "init", "--force", dir); code != 0 || strings.Contains(out, "initialized a Git repository") {
		t.Errorf("init --force: exit %d\n%s%s", code, out, errOut)
	}
}
