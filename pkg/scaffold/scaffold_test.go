package scaffold

import (
	"errors"
	"os"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"

	"github.com/apiguard/apiguard/policies"
)

func libraryReadme(t *testing.T) []byte {
	t.Helper()
	b, err := os.ReadFile("../../policies/README.md")
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// ConfigKeys reads the parameters columns: defaults in backticks, words, keys that
// several policies share, and never a value inside a note or inventory data.
func TestConfigKeys(t *testing.T) {
	readme := []byte("## Checks\n\n" +
		"| ID | kinds | action | parameters (defaults) | rationale |\n" +
		"|---|---|---|---|---|\n" +
		"| `a.one` | Ingress | deny | `a.flag` (`false`: `true` says so), `a.list` (`[]`, globs) | uses `not.a.key` |\n" +
		"| `a.two` | Ingress | deny | `a.list`, `b.classes` (unset: every class); reads `inventory.hosts` | x \\| y |\n" +
		"| `a.three` | Ingress | deny | top-level `ports` (22, 80), `a.age` (`\"31536000\"`) | — |\n" +
		"| `a.four` | Ingress | deny | — | — |\n\n" +
		"| flag | meaning |\n|---|---|\n| `--x` | `not.this` (`1`) |\n")
	got := map[string]ConfigKey{}
	var order []string
	for _, k := range ConfigKeys(readme) {
		got[k.Path] = k
		order = append(order, k.Path)
	}
	want := []string{"a.flag", "a.list", "b.classes", "ports", "a.age"}
	if strings.Join(order, " ") != strings.Join(want, " ") {
		t.Fatalf("keys %v, want %v", order, want)
	}
	for path, w := range map[string]struct{ def, note string }{
		"a.flag":    {"false", "`false`: `true` says so"},
		"a.list":    {"[]", "`[]`, globs"},
		"b.classes": {"", "unset: every class"},
		"ports":     {"", "22, 80"},
		"a.age":     {`"31536000"`, "`\"31536000\"`"},
	} {
		if got[path].Default != w.def || got[path].Note != w.note {
			t.Errorf("%s: default %q note %q, want %q %q", path, got[path].Default, got[path].Note, w.def, w.note)
		}
	}
	if p := got["a.list"].Policies; strings.Join(p, ",") != "a.one,a.two" {
		t.Errorf("a.list read by %v", p)
	}
}

// The real README: the keys policies read most are found, with their defaults, and the
// data.yaml written from them is valid YAML that sets nothing but an empty enforcement.
func TestDataYAMLFromTheLibrary(t *testing.T) {
	keys := ConfigKeys(libraryReadme(t))
	byPath := map[string]ConfigKey{}
	for _, k := range keys {
		byPath[k.Path] = k
	}
	for path, def := range map[string]string{
		"ingress.allowedClasses":           "[]",
		"ingress.allowedHostSuffixes":      "{}",
		"service.loadBalancerProviders":    "[]",
		"gitops.identities":                "[]",
		"networkpolicy.allowAllNamespaces": "[]",
		"gateway.publicClasses":            "",
		"sensitivePorts":                   "",
	} {
		k, ok := byPath[path]
		if !ok {
			t.Errorf("%s not found among %d keys", path, len(keys))
			continue
		}
		if k.Default != def {
			t.Errorf("%s default %q, want %q (note %q)", path, k.Default, def, k.Note)
		}
	}
	if len(keys) < 40 {
		t.Errorf("only %d keys", len(keys))
	}
	out := DataYAML(keys)
	var data map[string]any
	if err := yaml.Unmarshal(out, &data); err != nil {
		t.Fatalf("data.yaml: %v\n%s", err, out)
	}
	cfg, _ := data["apiguard"].(map[string]any)["config"].(map[string]any)
	if len(cfg) != 1 || cfg["enforcement"] == nil {
		t.Errorf("data.yaml sets %v, want only an empty enforcement", cfg)
	}
	text := string(out)
	for _, k := range keys {
		name := k.Path[strings.LastIndex(k.Path, ".")+1:]
		if !strings.Contains(text, "# "+name+":") && !strings.Contains(text, "#   "+name+":") {
			t.Errorf("data.yaml lacks %s", k.Path)
		}
	}
}

func TestWriteRefusesToOverwrite(t *testing.T) {
	dir := t.TempDir()
	res, err := Write(dir, Options{Library: policies.FS(), Version: "v0.1.0"})
	if err != nil {
		t.Fatal(err)
	}
	if !res.GitInit {
		t.Error("no Git repository created")
	}
	if _, err := os.Stat(dir + "/.git"); err != nil {
		t.Error(err)
	}
	for _, f := range []string{"policies/ingress/require_tls.rego", "policies/ingress/require_tls_test.rego", "policies/data.yaml",
		"policies/clusters/example/data.yaml", "README.md", ".github/workflows/apiguard.yaml", ".pre-commit-config.yaml"} {
		if _, err := os.Stat(dir + "/" + f); err != nil {
			t.Errorf("%s: %v", f, err)
		}
	}
	for _, f := range res.Files {
		if strings.HasSuffix(f, ".go") {
			t.Errorf("wrote %s", f)
		}
	}
	wf, _ := os.ReadFile(dir + "/.github/workflows/apiguard.yaml")
	if !strings.Contains(string(wf), "cmd/apiguard@v0.1.0") {
		t.Errorf("workflow does not pin the version:\n%s", wf)
	}

	// A file of the user's: a second run writes nothing and says which files exist.
	mine := dir + "/policies/data.yaml"
	if err := os.WriteFile(mine, []byte("apiguard: {config: {mine: true}}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Write(dir, Options{Library: policies.FS()}); !errors.Is(err, ErrExists) || !strings.Contains(err.Error(), "README.md") || !strings.Contains(err.Error(), "--force") {
		t.Errorf("second run: %v, want a refusal naming the files", err)
	}
	if b, _ := os.ReadFile(mine); !strings.Contains(string(b), "mine") {
		t.Error("the user's file was overwritten without --force")
	}
	res, err = Write(dir, Options{Library: policies.FS(), Force: true})
	if err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(mine); strings.Contains(string(b), "mine") || res.GitInit {
		t.Errorf("--force: data.yaml kept the user's content, or a second git init (%v)", res.GitInit)
	}
}
