package chart

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestNotes renders NOTES.txt, which helm template skips, by copying the chart and
// rendering NOTES.txt's text inside an ordinary template.
func TestNotes(t *testing.T) {
	t.Parallel()
	needHelm(t)
	dir := filepath.Join(t.TempDir(), "apiguard")
	if err := os.CopyFS(dir, os.DirFS(chartDir)); err != nil {
		t.Fatal(err)
	}
	notes, err := os.ReadFile(filepath.Join(dir, "templates", "NOTES.txt"))
	if err != nil {
		t.Fatal(err)
	}
	// helm template parses its output as YAML: wrap the notes in a ConfigMap.
	wrapped := `{{- define "test.notes" }}` + string(notes) + "{{- end }}\n" +
		"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: notes\ndata:\n  notes: {{ include \"test.notes\" . | toJson }}\n"
	if err := os.WriteFile(filepath.Join(dir, "templates", "notes-rendered.yaml"), []byte(wrapped), 0o644); err != nil {
		t.Fatal(err)
	}
	for name, tc := range map[string]struct {
		file string
		want []string
		not  []string
	}{
		"self-managed": {"default.yaml", []string{
			"kubectl -n apiguard-system get pods", "port-forward deploy/apiguard 8081:8081", "localhost:8081/status",
			"drift audit (every 5m)", "localhost:8081/audit", "apiguard status --context",
			"--dry-run=server", "creates its CA and certificate in the Secret\napiguard-tls", "Fail (validating) and Ignore (mutating)", "apiguard.io/ignore=true, and apiguard-system, kube-system.",
		}, nil},
		"warn stage":   {"default.yaml", []string{"should admit it with a warning", "ENFORCEMENT IS warn", "--set enforcement=deny", "Policies: https://git.example.com/platform/policies.git."}, []string{"should deny it"}},
		"deny stage":   {"deny.yaml", []string{"should deny it", "Policies: the library built into the image"}, []string{"ENFORCEMENT IS warn", "should admit it"}},
		"cert-manager": {"cert-manager.yaml", []string{"--dry-run=server"}, []string{"creates its CA and certificate"}},
		"audit off":    {"everything-off.yaml", []string{"localhost:8081/status"}, []string{"drift audit", "/audit"}},
	} {
		t.Run(name, func(t *testing.T) {
			out, err := helm(t, "template", release, dir, "--namespace", namespace,
				"--values", filepath.Join(root, "test", "chart", "testdata", tc.file), "--show-only", "templates/notes-rendered.yaml")
			if err != nil {
				t.Fatal(err)
			}
			docs := decode(t, out)
			if len(docs) != 1 {
				t.Fatalf("rendered %d documents", len(docs))
			}
			out, _ = get(docs[0], "data", "notes").(string)
			for _, w := range tc.want {
				if !strings.Contains(out, w) {
					t.Errorf("NOTES lack %q:\n%s", w, out)
				}
			}
			for _, w := range tc.not {
				if strings.Contains(out, w) {
					t.Errorf("NOTES contain %q:\n%s", w, out)
				}
			}
		})
	}
}
