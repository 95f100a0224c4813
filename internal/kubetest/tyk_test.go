package kubetest

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"
)

func TestSharedDirFromEnv(t *testing.T) {
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "reference"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "reference", "README.md"), []byte("# index\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv("APIGUARD_SHARED", dir)
	got, err := SharedDir()
	if err != nil || got != dir {
		t.Fatalf("SharedDir() = %q, %v; want %q", got, err, dir)
	}
}

// A folder with only an empty reference/ (left behind by some run) is not the shared
// folder: its index README.md decides.
func TestSharedDirEnvWithoutReferenceFails(t *testing.T) {
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "reference"), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("APIGUARD_SHARED", dir)
	if _, err := SharedDir(); err == nil || !strings.Contains(err.Error(), "no reference/README.md") {
		t.Fatalf("SharedDir() error = %v, want a missing reference/README.md", err)
	}
}

// TestTykCRDs: the real bundle yields the exposure kinds' CRDs, none keeping the
// kustomize inject-ca-from placeholder.
func TestTykCRDs(t *testing.T) {
	if _, err := SharedDir(); err != nil {
		t.Fatal(err)
	}
	docs, err := TykCRDs()
	if err != nil {
		t.Fatal(err)
	}
	plurals := map[string]bool{}
	for _, d := range docs {
		if bytes.Contains(d, []byte(injectCA)) {
			t.Errorf("a CRD keeps %s:\n%.200s", injectCA, d)
		}
		var crd struct {
			Spec struct {
				Group string
				Names struct{ Plural string }
			}
		}
		if err := yaml.Unmarshal(d, &crd); err != nil {
			t.Fatal(err)
		}
		if crd.Spec.Group == "tyk.tyk.io" {
			plurals[crd.Spec.Names.Plural] = true
		}
	}
	for _, r := range TykResources() {
		if !plurals[r] {
			t.Errorf("%s: no CRD in %s", r, TykCRDsFile)
		}
	}
}
