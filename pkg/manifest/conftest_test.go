package manifest

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestSplitConftestYAML(t *testing.T) {
	tests := map[string]struct {
		in        string
		want      []string
		wantLines []int
	}{
		"single":           {in: "a: 1\n", want: []string{"a: 1\n"}, wantLines: []int{1}},
		"leading marker":   {in: "---\na: 1\n", want: []string{"---\na: 1\n"}, wantLines: []int{1}},
		"two documents":    {in: "---\na: 1\n---\nb: 2\n", want: []string{"---\na: 1", "b: 2\n"}, wantLines: []int{1, 4}},
		"trailing marker":  {in: "a: 1\n---\n", want: []string{"a: 1", ""}, wantLines: []int{1, 3}},
		"crlf":             {in: "a: 1\r\n---\r\nb: 2\r\n", want: []string{"a: 1", "b: 2\r\n"}, wantLines: []int{1, 3}},
		"directive":        {in: "%YAML 1.2\n---\na: 1\n---\nb: 2\n", want: []string{"%YAML 1.2\n---\na: 1", "b: 2\n"}, wantLines: []int{1, 5}},
		"marker with text": {in: "a: 1\n--- # next\nb: 2\n", want: []string{"a: 1\n--- # next\nb: 2\n"}, wantLines: []int{1}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			parts, lines := splitConftestYAML([]byte(tc.in))
			var got []string
			for _, p := range parts {
				got = append(got, string(p))
			}
			if !slices.Equal(got, tc.want) || !slices.Equal(lines, tc.wantLines) {
				t.Errorf("got %q at %v, want %q at %v", got, lines, tc.want, tc.wantLines)
			}
		})
	}
}

func TestParseConftestFileExpandsTopLevelArrays(t *testing.T) {
	// conftest evaluates each element of a top-level array separately, like documents.
	for name, content := range map[string]string{
		"list.json": `[{"kind": "A"}, {"kind": "B"}]`,
		"list.yaml": "- kind: A\n- kind: B\n",
	} {
		docs, err := parseConftestFile(name, []byte(content))
		if err != nil {
			t.Fatal(err)
		}
		var kinds []string
		for _, d := range docs {
			m, _ := d.Value.(map[string]any)
			kinds = append(kinds, m["kind"].(string))
		}
		if !slices.Equal(kinds, []string{"A", "B"}) {
			t.Errorf("%s: %v", name, kinds)
		}
	}
}

// Directories are walked as conftest walks them: hidden files too, YAML and JSON only,
// in lexical order, less what Ignore matches; an explicit file must be YAML or JSON.
func TestReadConftestWalks(t *testing.T) {
	dir := t.TempDir()
	for name, content := range map[string]string{
		"b.yaml":         "kind: B\n---\nkind: C\n",
		"a.json":         `{"kind": "A"}`,
		".hidden.yml":    "kind: Hidden\n",
		"skip/x.yaml":    "kind: Skipped\n",
		"notes.txt":      "kind: Text\n",
		"sub/deep.YAML":  "kind: Deep\n",
		"sub/skip.yaml":  "kind: SkippedByName\n",
		"sub/list.yaml":  "kind: List\nitems: [{kind: Inner}]\n",
		"sub/empty.yaml": "",
	} {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	docs, err := ReadConftest([]string{dir}, nil, []string{"skip", "skip.yaml"})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, d := range docs {
		kind := "null"
		if m, ok := d.Value.(map[string]any); ok {
			kind, _ = m["kind"].(string)
		}
		rel, _ := filepath.Rel(dir, d.File)
		got = append(got, fmt.Sprintf("%s#%d@%d:%s", filepath.ToSlash(rel), d.Index, d.Line, kind))
	}
	want := []string{".hidden.yml#0@1:Hidden", "a.json#0@1:A", "b.yaml#0@1:B", "b.yaml#1@3:C", "sub/deep.YAML#0@1:Deep", "sub/empty.yaml#0@1:null", "sub/list.yaml#0@1:List"}
	if !slices.Equal(got, want) {
		t.Errorf("got  %q\nwant %q", got, want)
	}
	if _, err := ReadConftest([]string{filepath.Join(dir, "notes.txt")}, nil, nil); err == nil || !strings.Contains(err.Error(), "YAML (.yaml, .yml) and JSON (.json) files only") {
		t.Errorf("a .txt file: err = %v", err)
	}
	if _, err := ReadConftest([]string{dir}, nil, []string{"["}); err == nil || !strings.Contains(err.Error(), `ignore pattern "["`) {
		t.Errorf("bad pattern: err = %v", err)
	}
	if docs, err := ReadConftest([]string{"-"}, strings.NewReader("kind: In\n"), nil); err != nil || len(docs) != 1 || docs[0].File != "-" {
		t.Errorf("stdin: %v, %v", docs, err)
	}
}
