package kindsgen

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/apiguard/apiguard/pkg/kinds"
)

// repoRoot is two directories up from this package.
func repoRoot(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	return root
}

// The generated files in the repository are exactly what the table gives: a kind added
// to pkg/kinds without `make generate`, or a generated file edited by hand, fails here.
func TestGeneratedFilesAreCurrent(t *testing.T) {
	root := repoRoot(t)
	files, err := Files(kinds.Table(), func(path string) ([]byte, error) { return os.ReadFile(filepath.Join(root, path)) })
	if err != nil {
		t.Fatal(err)
	}
	for path, want := range files {
		have, err := os.ReadFile(filepath.Join(root, path))
		if err != nil {
			t.Errorf("%s: %v (run make generate)", path, err)
			continue
		}
		if string(have) != string(want) {
			t.Errorf("%s is not what pkg/kinds gives: run make generate", path)
		}
	}
}

// A kind added to the table reaches every generated place: the chart's rules and
// ClusterRole, the judged versions and the every-kind policies' custom.kinds.
func TestAddedKindReachesEveryGeneratedFile(t *testing.T) {
	root := repoRoot(t)
	table := append(kinds.Table(), kinds.Kind{Pack: "contour", Group: "example.io", Version: "v2", Kind: "Widget", Resource: "widgets", AlsoJudged: []string{"v1"}})
	files, err := Files(table, func(path string) ([]byte, error) { return os.ReadFile(filepath.Join(root, path)) })
	if err != nil {
		t.Fatal(err)
	}
	chart := string(files[ChartKindsPath])
	if strings.Count(chart, `"widgets"`) != 2 || !strings.Contains(chart, `- apiGroups: ["example.io"]`) {
		t.Errorf("chart: the new kind is not in both the rules and the ClusterRole:\n%s", chart)
	}
	if !strings.Contains(string(files[RegoKindsPath]), `"example.io/Widget": {"example.io/v2", "example.io/v1"},`) {
		t.Errorf("lib.kinds lacks the new kind:\n%s", files[RegoKindsPath])
	}
	for _, path := range EveryKindPolicies() {
		if !strings.Contains(string(files[path]), "#     - example.io/Widget\n") {
			t.Errorf("%s: custom.kinds lacks example.io/Widget", path)
		}
	}
}

// Each kind is in the table once, and every pack it names is a chart switch.
func TestTableIsWellFormed(t *testing.T) {
	seen := map[string]bool{}
	for _, k := range kinds.Table() {
		key := k.Group + "/" + k.Kind
		if seen[key] {
			t.Errorf("%s is in the table twice", key)
		}
		seen[key] = true
		if !slices.Contains(kinds.Packs(), k.Pack) {
			t.Errorf("%s: pack %q is not one of kinds.Packs()", key, k.Pack)
		}
		if k.Version == "" || k.Resource == "" {
			t.Errorf("%s: version and resource are required", key)
		}
	}
}

func TestRewriteKindsNeedsABlockList(t *testing.T) {
	if _, err := RewriteKinds([]byte("# METADATA\n# custom:\n#   kinds: [Ingress]\npackage x\n"), []string{"a/B"}); err == nil {
		t.Error("a flow list was rewritten; want an error")
	}
	got, err := RewriteKinds([]byte("# custom:\n#   kinds:\n#     - A\n#     - B\n#   severity: high\n"), []string{"x/Y"})
	if err != nil || string(got) != "# custom:\n#   kinds:\n#     - x/Y\n#   severity: high\n" {
		t.Errorf("got %q, %v", got, err)
	}
}
