package yamledit

import (
	"bytes"
	"testing"

	"github.com/apiguard/apiguard/internal/yamlstream"
	"github.com/apiguard/apiguard/pkg/manifest"
)

// TestSplitMatchesManifest holds the editor to pkg/manifest's document
// numbering: every object manifest reports must be found by the editor
// under the same index, starting on the same line.
func TestSplitMatchesManifest(t *testing.T) {
	const obj = "apiVersion: v1\nkind: ConfigMap\n"
	for _, src := range []string{
		obj,
		"---\n" + obj,
		"# header\n---\n" + obj + "---\n" + obj,
		"---\n---\n# only a comment\n---\n" + obj + "...\n# after end marker\n---\n" + obj,
		"--- # comment on the marker\n" + obj + "---\n\n\n" + obj,
		"--- {apiVersion: v1, kind: ConfigMap}\n--- {apiVersion: v1, kind: Secret}\n",
		"%YAML 1.1\n---\n" + obj,
		"---\r\n# Source: x\r\napiVersion: v1\r\nkind: ConfigMap\r\n---\r\napiVersion: v1\r\nkind: Secret\r\n",
		"\ufeff---\n" + obj,
		obj + "---",
		"apiVersion: v1\nkind: List\nitems:\n- " + "apiVersion: v1\n  kind: ConfigMap\n---\n" + obj,
		"{\"apiVersion\": \"v1\", \"kind\": \"ConfigMap\"}\n\n{\n  \"apiVersion\": \"v1\",\n  \"kind\": \"Secret\"\n} {\"apiVersion\": \"v1\", \"kind\": \"Pod\"}",
	} {
		docs, err := manifest.Decode("x", bytes.NewReader([]byte(src)))
		if err != nil {
			t.Fatalf("%q: %v", src, err)
		}
		if len(docs) == 0 {
			t.Fatalf("%q: no documents", src)
		}
		data, _ := bytes.CutPrefix([]byte(src), bom)
		segs := splitYAML(data)
		if yamlstream.LooksLikeJSON(data) {
			if segs, err = splitJSON(data); err != nil {
				t.Fatal(err)
			}
		}
		for _, d := range docs {
			s, ok := findSegment(segs, d.Index)
			if !ok {
				t.Errorf("%q: manifest has document %d, the editor does not", src, d.Index)
				continue
			}
			if s.line != d.Line || s.blank {
				t.Errorf("%q: document %d: line %d (blank %v), manifest says line %d", src, d.Index, s.line, s.blank, d.Line)
			}
		}
		objects := 0
		for _, s := range segs {
			if !s.blank {
				objects++
			}
		}
		indexes := map[int]bool{}
		for _, d := range docs {
			indexes[d.Index] = true
		}
		if objects != len(indexes) {
			t.Errorf("%q: the editor sees %d non-blank documents, manifest %d", src, objects, len(indexes))
		}
	}
}
