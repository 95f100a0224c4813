// Package difftest checks in tests that a unified diff applies: with git apply and with
// patch -p1, each turning the old text into exactly the new one.
package difftest

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// Apply writes old to f.yaml in a fresh directory, applies diff (whose names are a/f.yaml
// and b/f.yaml) with each tool installed, and fails t unless the result is new. A tool
// that is not installed is logged and skipped.
func Apply(t testing.TB, old, new, diff string) {
	t.Helper()
	for _, tool := range [][]string{{"git", "apply", "--check"}, {"git", "apply"}, {"patch", "-p1", "--quiet", "--no-backup-if-mismatch"}} {
		if _, err := exec.LookPath(tool[0]); err != nil {
			t.Logf("%s not installed", tool[0])
			continue
		}
		dir := t.TempDir()
		file := filepath.Join(dir, "f.yaml")
		if err := os.WriteFile(file, []byte(old), 0o644); err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command(tool[0], tool[1:]...)
		cmd.Dir = dir
		cmd.Stdin = strings.NewReader(diff)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("%s: %v\n%s\ndiff:\n%s", strings.Join(tool, " "), err, out, diff)
		}
		if tool[len(tool)-1] == "--check" {
			continue
		}
		got, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != new {
			t.Fatalf("%s produced %q, want %q\ndiff:\n%s", strings.Join(tool, " "), got, new, diff)
		}
	}
}
