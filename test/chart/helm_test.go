package chart

import (
	"bufio"
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/yaml"

	"github.com/apiguard/apiguard/internal/testenv"
)

const (
	helmVersion = "v3.22.0"
	release     = "apiguard"
	namespace   = "apiguard-system"
)

var (
	root      string // repository root (the directory holding go.mod)
	chartDir  string
	helmBin   string
	setupErr  error
	helmHomes []string // HELM_*_HOME settings, so tests never touch the user's helm config
)

func TestMain(m *testing.M) {
	flag.Parse()
	// Under -short (the unit tier) helm is not built: the tests that run it skip.
	setupErr = setup(!testing.Short())
	code := m.Run()
	for _, kv := range helmHomes {
		if dir, ok := strings.CutPrefix(kv, "HELM_CACHE_HOME="); ok {
			os.RemoveAll(filepath.Dir(dir))
		}
	}
	os.Exit(code)
}

func setup(buildHelm bool) error {
	wd, err := os.Getwd()
	if err != nil {
		return err
	}
	for dir := wd; ; dir = filepath.Dir(dir) {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			root = dir
			break
		}
		if filepath.Dir(dir) == dir {
			return fmt.Errorf("no go.mod above %s", wd)
		}
	}
	chartDir = filepath.Join(root, "charts", "apiguard")
	home, err := os.MkdirTemp("", "apiguard-chart-test-")
	if err != nil {
		return err
	}
	helmHomes = []string{
		"HELM_CACHE_HOME=" + filepath.Join(home, "cache"),
		"HELM_CONFIG_HOME=" + filepath.Join(home, "config"),
		"HELM_DATA_HOME=" + filepath.Join(home, "data"),
	}
	helmBin = filepath.Join(root, "bin", "helm")
	if _, err := os.Stat(helmBin); err == nil || !buildHelm {
		return nil
	}
	// Not there yet: build it like every other tool in bin/.
	cmd := exec.Command("go", "install", "helm.sh/helm/v3/cmd/helm@"+helmVersion)
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "GOBIN="+filepath.Join(root, "bin"), "GOTOOLCHAIN=local")
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go install helm %s: %v\n%s", helmVersion, err, out)
	}
	return nil
}

func needHelm(t *testing.T) {
	t.Helper()
	if setupErr != nil {
		t.Fatalf("setup: %v", setupErr)
	}
}

// helm runs bin/helm from the repository root and returns stdout, or an error that
// includes stderr.
func helm(t *testing.T, args ...string) (string, error) {
	t.Helper()
	testenv.Integration(t, testenv.BuiltTools+" (bin/helm)")
	needHelm(t)
	cmd := exec.Command(helmBin, args...)
	cmd.Dir = root
	cmd.Env = append(os.Environ(), helmHomes...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return stdout.String(), fmt.Errorf("helm %s: %w\n%s%s", strings.Join(args, " "), err, stderr.String(), stdout.String())
	}
	return stdout.String(), nil
}

// templateArgs is `helm template` of the chart as release apiguard in apiguard-system,
// with the given values files (relative to testdata/) and extra flags.
func templateArgs(valuesFiles []string, extra ...string) []string {
	args := []string{"template", release, chartDir, "--namespace", namespace}
	for _, f := range valuesFiles {
		args = append(args, "--values", filepath.Join(root, "test", "chart", "testdata", f))
	}
	return append(args, extra...)
}

// render runs helm template and fails the test on error.
func render(t *testing.T, valuesFile string, extra ...string) string {
	t.Helper()
	out, err := helm(t, templateArgs([]string{valuesFile}, extra...)...)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// manifest is one rendered document, decoded into plain maps.
type manifest map[string]any

func (m manifest) kind() string { s, _ := m["kind"].(string); return s }
func (m manifest) name() string { s, _ := get(m, "metadata", "name").(string); return s }

// decode splits a multi-document YAML stream and decodes every non-empty document.
func decode(t *testing.T, stream string) []manifest {
	t.Helper()
	r := utilyaml.NewYAMLReader(bufio.NewReader(strings.NewReader(stream)))
	var docs []manifest
	for {
		raw, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("split rendered YAML: %v", err)
		}
		var m manifest
		if err := yaml.Unmarshal(raw, &m); err != nil {
			t.Fatalf("decode rendered YAML: %v\n%s", err, raw)
		}
		if len(m) == 0 {
			continue
		}
		docs = append(docs, m)
	}
	return docs
}

// get walks nested maps; it returns nil when a key is missing.
func get(v any, path ...string) any {
	if m, ok := v.(manifest); ok {
		v = map[string]any(m)
	}
	for _, p := range path {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[p]
	}
	return v
}

func find(docs []manifest, kind, name string) manifest {
	for _, d := range docs {
		if d.kind() == kind && (name == "" || d.name() == name) {
			return d
		}
	}
	return nil
}

func mustFind(t *testing.T, docs []manifest, kind, name string) manifest {
	t.Helper()
	d := find(docs, kind, name)
	if d == nil {
		t.Fatalf("no %s %q rendered; have %v", kind, name, kinds(docs))
	}
	return d
}

// kinds lists "Kind/name" of every document, in order.
func kinds(docs []manifest) []string {
	var out []string
	for _, d := range docs {
		out = append(out, d.kind()+"/"+d.name())
	}
	return out
}

// into re-decodes a rendered document strictly into a typed API object, so a
// misspelt field in a template fails the test instead of being dropped silently.
func into(t *testing.T, m manifest, obj any) {
	t.Helper()
	raw, err := yaml.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.UnmarshalStrict(raw, obj); err != nil {
		t.Fatalf("%s/%s does not decode strictly into %T: %v", m.kind(), m.name(), obj, err)
	}
}
