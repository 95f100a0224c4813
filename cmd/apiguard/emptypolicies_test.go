package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestCheckRefusesAPolicySourceThatEnforcesNothing: a --policy that holds no policy (an
// empty directory, a library without rules, a tree whose files are symlinks the loader
// once skipped) must not pass everything with exit 0.
func TestCheckRefusesAPolicySourceThatEnforcesNothing(t *testing.T) {
	dir := t.TempDir()
	bad := writeFile(t, dir, "bad.yaml", badIngress)
	empty := filepath.Join(dir, "empty")
	libOnly := filepath.Join(dir, "lib-only")
	for _, d := range []string{empty, filepath.Join(libOnly, "lib")} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	writeFile(t, filepath.Join(libOnly, "lib"), "helpers.rego", "package lib.helpers\n\nhost(r) := r.host\n")
	cases := map[string]string{"empty directory": empty, "library without rules": libOnly}
	for name, policyDir := range cases {
		t.Run(name, func(t *testing.T) {
			code, out, errOut := run(t, "", "check", "--policy", policyDir, bad)
			if code != 2 || !strings.Contains(errOut, "no policies found") {
				t.Fatalf("exit %d, stderr %q, stdout %q: want exit 2 and an error saying no policies were found", code, errOut, out)
			}
		})
	}
}

// TestCheckReadsAConfigMapVolume: `apiguard check --policy` on a mounted ConfigMap (keys
// as symlinks through ..data, as the kubelet writes them) judges with its policies.
func TestCheckReadsAConfigMapVolume(t *testing.T) {
	dir := t.TempDir()
	bad := writeFile(t, dir, "bad.yaml", badIngress)
	vol := filepath.Join(dir, "policies")
	ts := filepath.Join(vol, "..2026_12_07_06_00_00.1")
	if err := os.MkdirAll(ts, 0o755); err != nil {
		t.Fatal(err)
	}
	src, err := os.ReadFile(filepath.Join("..", "..", "policies", "ingress", "require_tls.rego"))
	if err != nil {
		t.Fatal(err)
	}
	lib, err := os.ReadFile(filepath.Join("..", "..", "policies", "lib", "kubernetes.rego"))
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, ts, "require_tls.rego", string(src))
	writeFile(t, ts, "kubernetes.rego", string(lib))
	if err := os.Symlink(filepath.Base(ts), filepath.Join(vol, "..data")); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"require_tls.rego", "kubernetes.rego"} {
		if err := os.Symlink(filepath.Join("..data", name), filepath.Join(vol, name)); err != nil {
			t.Fatal(err)
		}
	}
	code, out, errOut := run(t, "", "check", "--policy", vol, bad)
	if code != 1 || !strings.Contains(out, "[ingress.require_tls]") {
		t.Fatalf("exit %d, stdout %q, stderr %q: want the ConfigMap's policy to deny", code, out, errOut)
	}
}
