package manifest

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"
)

// summarize flattens the fields tests care about so a whole result fits in
// one comparable string per Document.
func summarize(docs []Document) []string {
	var out []string
	for _, d := range docs {
		out = append(out, fmt.Sprintf("%s#%d/%d@%d %s %s %s/%s",
			d.File, d.Index, d.Item, d.Line, d.APIVersion(), d.Kind(), d.Namespace(), d.Name()))
	}
	return out
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

func TestDecode(t *testing.T) {
	tests := map[string]struct {
		in      string
		want    []string
		wantErr string
	}{
		"single document": {
			in:   "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n  namespace: ns\n",
			want: []string{"in.yaml#0/-1@1 v1 ConfigMap ns/a"},
		},
		"leading separator": {
			in: "---\napiVersion: v1\nkind: A\n---\napiVersion: v1\nkind: B\n",
			want: []string{
				"in.yaml#0/-1@2 v1 A /",
				"in.yaml#1/-1@5 v1 B /",
			},
		},
		"separators with comments and whitespace": {
			in: "apiVersion: v1\nkind: A\n" +
				"--- # second\napiVersion: v1\nkind: B\n" +
				"---#third\napiVersion: v1\nkind: C\n" +
				"---\t\napiVersion: v1\nkind: D\n",
			want: []string{
				"in.yaml#0/-1@1 v1 A /",
				"in.yaml#1/-1@4 v1 B /",
				"in.yaml#2/-1@7 v1 C /",
				"in.yaml#3/-1@10 v1 D /",
			},
		},
		"empty and comment-only documents consume an index": {
			in: "apiVersion: v1\nkind: A\n" + // 1-2
				"---\n" + // 3: empty document 1
				"---\n# nothing here\n" + // 4-5: comment-only document 2
				"---\n\napiVersion: v1\nkind: B\n" + // 6-9: document 3 starts on the blank line 7
				"---\n", // 10: empty trailing document 4
			want: []string{
				"in.yaml#0/-1@1 v1 A /",
				"in.yaml#3/-1@7 v1 B /",
			},
		},
		"comment header before the first separator is not a document": {
			in: "# Copyright\n# header\n---\napiVersion: v1\nkind: A\n---\napiVersion: v1\nkind: B\n",
			want: []string{
				"in.yaml#0/-1@4 v1 A /",
				"in.yaml#1/-1@7 v1 B /",
			},
		},
		"helm template output": {
			in: "---\n# Source: chart/templates/sa.yaml\napiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: web\n" + // 1-6
				"---\n# Source: chart/templates/empty.yaml\n" + // 7-8
				"---\n# Source: chart/templates/deploy.yaml\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  namespace: prod\n", // 9-15
			want: []string{
				"in.yaml#0/-1@2 v1 ServiceAccount /web",
				"in.yaml#2/-1@10 apps/v1 Deployment prod/web",
			},
		},
		"document end markers": {
			in: "apiVersion: v1\nkind: A\n...\n" + // 1-3
				"---\napiVersion: v1\nkind: B\n...\n" + // 4-7
				"apiVersion: v1\nkind: C\n...\n# trailing\n", // 8-11
			want: []string{
				"in.yaml#0/-1@1 v1 A /",
				"in.yaml#1/-1@5 v1 B /",
				"in.yaml#2/-1@8 v1 C /",
			},
		},
		"markers indented inside a block scalar do not split": {
			in:   "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cfg\ndata:\n  script: |\n    ---\n    ...\n    echo hi\n---\napiVersion: v1\nkind: B\n",
			want: []string{"in.yaml#0/-1@1 v1 ConfigMap /cfg", "in.yaml#1/-1@11 v1 B /"},
		},
		"directive preamble": {
			in:   "%YAML 1.1\n---\napiVersion: v1\nkind: A\n",
			want: []string{"in.yaml#0/-1@3 v1 A /"},
		},
		"content on the marker line": {
			in:   "--- {apiVersion: v1, kind: A}\n--- \napiVersion: v1\nkind: B\n",
			want: []string{"in.yaml#0/-1@1 v1 A /", "in.yaml#1/-1@3 v1 B /"},
		},
		"CRLF line endings": {
			in:   "---\r\napiVersion: v1\r\nkind: A\r\n---\r\napiVersion: v1\r\nkind: B\r\n",
			want: []string{"in.yaml#0/-1@2 v1 A /", "in.yaml#1/-1@5 v1 B /"},
		},
		"byte order mark": {
			in:   "\ufeff---\napiVersion: v1\nkind: A\n",
			want: []string{"in.yaml#0/-1@2 v1 A /"},
		},
		"comment hiding content behind a bare CR": {
			in:   "---\n#a\rapiVersion: v1\rkind: A\n",
			want: []string{"in.yaml#0/-1@2 v1 A /"},
		},
		"comment hiding content behind a Unicode line separator": {
			in:   "# a\u2028apiVersion: v1\u2028kind: A\n",
			want: []string{"in.yaml#0/-1@1 v1 A /"},
		},
		"invalid comment is still parsed": {
			in:      "---\n# \xff\n",
			wantErr: "in.yaml: document 0 (line 2): yaml: invalid leading UTF-8 octet",
		},
		"no trailing newline": {
			in:   "apiVersion: v1\nkind: A",
			want: []string{"in.yaml#0/-1@1 v1 A /"},
		},
		"duplicate keys resolve like kubectl, last wins": {
			in:   "apiVersion: v1\nkind: A\nkind: B\n",
			want: []string{"in.yaml#0/-1@1 v1 B /"},
		},
		"empty input": {in: ""},
		"only comments": {
			in: "# nothing\n\n# here\n",
		},
		"lists are expanded": {
			in: "apiVersion: v1\nkind: ConfigMap\n" + // 1-2
				"---\napiVersion: v1\nkind: List\nitems:\n" + // 3-6
				"- apiVersion: v1\n  kind: Service\n  metadata: {name: s}\n" +
				"- apiVersion: apps/v1\n  kind: Deployment\n  metadata: {name: d, namespace: ns}\n" +
				"---\napiVersion: networking.k8s.io/v1\nkind: IngressList\nitems:\n" + // 13-16
				"- apiVersion: networking.k8s.io/v1\n  kind: Ingress\n",
			want: []string{
				"in.yaml#0/-1@1 v1 ConfigMap /",
				"in.yaml#1/0@4 v1 Service /s",
				"in.yaml#1/1@4 apps/v1 Deployment ns/d",
				"in.yaml#2/0@14 networking.k8s.io/v1 Ingress /",
			},
		},
		"empty and null lists yield nothing": {
			in: "apiVersion: v1\nkind: List\nitems: []\n---\napiVersion: v1\nkind: List\nitems:\n",
		},
		"kind ending in List without items is an ordinary object": {
			in:   "apiVersion: example.com/v1\nkind: AllowList\nspec: {}\n",
			want: []string{"in.yaml#0/-1@1 example.com/v1 AllowList /"},
		},
		"json object": {
			in:   `{"apiVersion":"v1","kind":"A","metadata":{"name":"x"}}`,
			want: []string{"in.yaml#0/-1@1 v1 A /x"},
		},
		"json stream": {
			in: "\n\n{\n  \"apiVersion\": \"v1\",\n  \"kind\": \"A\"\n}\n\n" + // 3-6
				`{"apiVersion": "v1", "kind": "B"} {"apiVersion":"v1","kind":"C"}` + "\n", // 8
			want: []string{
				"in.yaml#0/-1@3 v1 A /",
				"in.yaml#1/-1@8 v1 B /",
				"in.yaml#2/-1@8 v1 C /",
			},
		},
		"json list": {
			in: `{"apiVersion":"v1","kind":"List","items":[{"apiVersion":"v1","kind":"A"},{"apiVersion":"v1","kind":"B"}]}`,
			want: []string{
				"in.yaml#0/0@1 v1 A /",
				"in.yaml#0/1@1 v1 B /",
			},
		},
		"scalar document": {
			in:      "apiVersion: v1\nkind: A\n---\njust a string\n",
			want:    []string{"in.yaml#0/-1@1 v1 A /"},
			wantErr: "in.yaml: document 1 (line 4): document is a string, not a mapping",
		},
		"sequence document": {
			in:      "- a\n- b\n",
			wantErr: "in.yaml: document 0 (line 1): document is a sequence, not a mapping; to group objects use kind: List with items",
		},
		"json array": {
			in:      `[{"apiVersion":"v1","kind":"A"}]`,
			wantErr: "in.yaml: document 0 (line 1): document is an array, not an object; to group objects use kind: List with items",
		},
		"json scalar in stream": {
			in:      "{\"apiVersion\":\"v1\",\"kind\":\"A\"}\n42\n",
			want:    []string{"in.yaml#0/-1@1 v1 A /"},
			wantErr: "in.yaml: document 1 (line 2): document is a number, not an object",
		},
		"missing kind": {
			in: "apiVersion: v1\nkind: A\n---\napiVersion: v1\nkind: B\n" + // 1-5
				"---\n# comment\napiVersion: v1\nmetadata:\n  name: x\n", // 6-10
			want:    []string{"in.yaml#0/-1@1 v1 A /", "in.yaml#1/-1@4 v1 B /"},
			wantErr: "in.yaml: document 2 (line 7): missing kind",
		},
		"missing apiVersion": {
			in:      "kind: A\n",
			wantErr: "in.yaml: document 0 (line 1): missing apiVersion",
		},
		"missing apiVersion and kind": {
			in:      "metadata: {name: x}\n",
			wantErr: "in.yaml: document 0 (line 1): missing apiVersion and kind",
		},
		"empty kind": {
			in:      "apiVersion: v1\nkind: \"\"\n",
			wantErr: "in.yaml: document 0 (line 1): missing kind",
		},
		"kind not a string": {
			in:      "apiVersion: v1\nkind: 3\n",
			wantErr: "in.yaml: document 0 (line 1): kind is a number, not a string",
		},
		"apiVersion not a string": {
			in:      "apiVersion: [v1]\nkind: A\n",
			wantErr: "in.yaml: document 0 (line 1): apiVersion is a sequence, not a string",
		},
		"yaml syntax error reports the file line": {
			in: "apiVersion: v1\nkind: A\n" + // 1-2
				"---\napiVersion: v1\nkind: B\nmetadata:\n  name: x\n  bad: in: dent\n" + // 3-8
				"---\napiVersion: v1\nkind: C\n", // 9-11
			want:    []string{"in.yaml#0/-1@1 v1 A /", "in.yaml#2/-1@10 v1 C /"},
			wantErr: "in.yaml: document 1 (line 4): yaml: line 8: mapping values are not allowed in this context",
		},
		"yaml value json cannot hold": {
			in:      "apiVersion: v1\nkind: A\nx: .inf\n",
			wantErr: "in.yaml: document 0 (line 1): json: unsupported value: +Inf",
		},
		"json syntax error reports the file line": {
			in:      "{\n  \"apiVersion\": \"v1\",\n  \"kind\": \"A\"\n}\n{\n  \"apiVersion\": \"v1\"\n  \"kind\": \"B\"\n}\n",
			want:    []string{"in.yaml#0/-1@1 v1 A /"},
			wantErr: "in.yaml: document 1 (line 5): json: line 7: invalid character '\"' after object key:value pair",
		},
		"truncated json": {
			in:      "{\"apiVersion\": \"v1\",\n\"kind\":",
			wantErr: "in.yaml: document 0 (line 1): json: line 2: unexpected EOF",
		},
		"bad list items": {
			in: "apiVersion: v1\nkind: List\nitems:\n" +
				"- apiVersion: v1\n  kind: A\n" +
				"- just text\n" +
				"- apiVersion: v1\n  metadata: {}\n" +
				"- apiVersion: v1\n  kind: List\n  items: []\n",
			want: []string{"in.yaml#0/0@1 v1 A /"},
			wantErr: "in.yaml: document 0 (line 1): item 1: item is a string, not a mapping\n" +
				"in.yaml: document 0 (line 1): item 2: missing kind",
		},
		// kubectl's FlattenListVisitor expands while meta.IsListType holds, so the
		// items of an inner List are applied: they are numbered on, in order met.
		"nested lists are flattened": {
			in: "apiVersion: v1\nkind: List\nitems:\n" +
				"- {apiVersion: v1, kind: A}\n" +
				"- apiVersion: v1\n  kind: List\n  items:\n  - {apiVersion: v1, kind: B}\n  - {apiVersion: v1, kind: List, items: [{apiVersion: v1, kind: C}]}\n" +
				"- {apiVersion: v1, kind: D}\n",
			want: []string{"in.yaml#0/0@1 v1 A /", "in.yaml#0/2@1 v1 B /", "in.yaml#0/4@1 v1 C /", "in.yaml#0/5@1 v1 D /"},
		},
		// Unstructured.IsList is "items is an array", whatever the kind; the REST
		// mapper knows <Kind>List for every served kind.
		"typed list kind is expanded": {
			in:   "apiVersion: networking.k8s.io/v1\nkind: IngressList\nitems:\n- {apiVersion: networking.k8s.io/v1, kind: Ingress, metadata: {name: a}}\n",
			want: []string{"in.yaml#0/0@1 networking.k8s.io/v1 Ingress /a"},
		},
		"any kind with an items array is expanded, not judged as the wrapper": {
			in: "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {name: wrapper}\nitems:\n" +
				"- {apiVersion: v1, kind: Service, metadata: {name: lb}, spec: {type: LoadBalancer}}\n",
			want: []string{"in.yaml#0/0@1 v1 Service /lb"},
		},
		"items that are not an array leave a non-List kind as it is": {
			in:   "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\nitems: {a: 1}\n",
			want: []string{"in.yaml#0/-1@1 v1 ConfigMap /c"},
		},
		"null items is an empty List": {
			in: "apiVersion: v1\nkind: List\nitems:\n",
		},
		"items not a sequence": {
			in:      "apiVersion: v1\nkind: List\nitems: {a: 1}\n",
			wantErr: "in.yaml: document 0 (line 1): items is a mapping, not a sequence",
		},
		"list without apiVersion": {
			in:      "kind: List\nitems: []\n",
			wantErr: "in.yaml: document 0 (line 1): missing apiVersion",
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			docs, err := Decode("in.yaml", strings.NewReader(tc.in))
			if got := summarize(docs); !slices.Equal(got, tc.want) {
				t.Errorf("documents:\n got %q\nwant %q", got, tc.want)
			}
			if got := errText(err); got != tc.wantErr {
				t.Errorf("error:\n got %q\nwant %q", got, tc.wantErr)
			}
		})
	}
}

func TestDecodeValues(t *testing.T) {
	tests := map[string]struct {
		in      string
		wantRaw string
	}{
		"yaml keeps integers exact and scalars as kubectl reads them": {
			in:      "apiVersion: v1\nkind: X\nspec:\n  replicas: 3\n  big: 12345678901234567890\n  ratio: 0.5\n  html: \"<a&b>\"\n  enabled: yes\n  version: \"1.10\"\n",
			wantRaw: `{"apiVersion":"v1","kind":"X","spec":{"big":12345678901234567890,"enabled":true,"html":"<a&b>","ratio":0.5,"replicas":3,"version":"1.10"}}`,
		},
		"json keeps numbers as written": {
			in:      `{"kind":"X","apiVersion":"v1","spec":{"replicas":3,"big":12345678901234567890,"f":1.0}}`,
			wantRaw: `{"apiVersion":"v1","kind":"X","spec":{"big":12345678901234567890,"f":1.0,"replicas":3}}`,
		},
		"list items get their own raw": {
			in:      "apiVersion: v1\nkind: List\nitems:\n- {apiVersion: v1, kind: X, num: 1}\n",
			wantRaw: `{"apiVersion":"v1","kind":"X","num":1}`,
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			docs, err := Decode("in", strings.NewReader(tc.in))
			if err != nil || len(docs) != 1 {
				t.Fatalf("Decode: %d docs, err %v", len(docs), err)
			}
			if got := string(docs[0].Raw); got != tc.wantRaw {
				t.Errorf("Raw:\n got %s\nwant %s", got, tc.wantRaw)
			}
			var fromRaw map[string]any
			dec := json.NewDecoder(bytes.NewReader(docs[0].Raw))
			dec.UseNumber()
			if err := dec.Decode(&fromRaw); err != nil {
				t.Fatal(err)
			}
			a, _ := json.Marshal(fromRaw)
			b, _ := json.Marshal(docs[0].Object)
			if !bytes.Equal(a, b) {
				t.Errorf("Object and Raw disagree:\n%s\n%s", b, a)
			}
		})
	}
	t.Run("numbers are json.Number", func(t *testing.T) {
		docs, err := Decode("in", strings.NewReader("apiVersion: v1\nkind: X\nspec: {replicas: 3}\n"))
		if err != nil {
			t.Fatal(err)
		}
		spec := docs[0].Object["spec"].(map[string]any)
		if n, ok := spec["replicas"].(json.Number); !ok || n != "3" {
			t.Errorf("replicas = %#v, want json.Number(\"3\")", spec["replicas"])
		}
	})
	t.Run("block scalar content survives", func(t *testing.T) {
		docs, err := Decode("in", strings.NewReader("apiVersion: v1\nkind: ConfigMap\ndata:\n  script: |\n    ---\n    ...\n    echo hi\n"))
		if err != nil {
			t.Fatal(err)
		}
		got := docs[0].Object["data"].(map[string]any)["script"]
		if want := "---\n...\necho hi\n"; got != want {
			t.Errorf("script = %q, want %q", got, want)
		}
	})
}

func TestYAMLErrorLines(t *testing.T) {
	tests := map[string]struct {
		in    string
		first int
		want  string
	}{
		"parser error":     {"yaml: line 2: mapping values are not allowed in this context", 10, "yaml: line 11: mapping values are not allowed in this context"},
		"unmarshal errors": {"error converting YAML to JSON: yaml: unmarshal errors:\n  line 3: a\n  line 5: b", 10, "yaml: unmarshal errors: line 12: a; line 14: b"},
		"no line":          {"yaml: control characters are not allowed", 7, "yaml: control characters are not allowed"},
		"not a number":     {"yaml: line x: odd", 7, "yaml: line x: odd"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if got := yamlError(errors.New(tc.in), tc.first).Error(); got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

func writeTree(t *testing.T, root string, files map[string]string) {
	t.Helper()
	for name, content := range files {
		p := filepath.Join(root, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func TestRead(t *testing.T) {
	tmp := t.TempDir()
	writeTree(t, tmp, map[string]string{
		"app/deploy.yaml":         "---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n---\napiVersion: v1\nkind: Service\nmetadata:\n  name: web\n",
		"app/svc.YML":             "apiVersion: v1\nkind: Service\nmetadata:\n  name: svc\n",
		"app/z.json":              `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"z"}}`,
		"app/b/c.yaml":            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n",
		"app/notes.txt":           "not: [yaml",
		"app/.gitlab-ci.yml":      "stages: [test]\n",
		"app/.git/config.yaml":    "garbage: [\n",
		"app/.config/x.yaml":      "apiVersion: v1\nkind: Secret\n",
		"app/charts/sub/t.yaml":   "# template\nvalues: {}\n",
		"app/kustomization.yaml":  "resources:\n- deploy.yaml\n",
		"extra.txt":               "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: extra\n",
		"bad.yaml":                "apiVersion: v1\nkind: A\n---\napiVersion: v1\n",
		"empty/readme.md":         "# nothing\n",
		"app/b/nested/dir/d.json": `{"apiVersion":"v1","kind":"Pod"}`,
	})
	if err := os.Symlink("app", filepath.Join(tmp, "link")); err != nil {
		t.Fatal(err)
	}
	t.Chdir(tmp)

	skipJunk := []string{"charts", "kustomization.yaml"}
	walked := []string{
		"app/b/c.yaml#0/-1@1 v1 ConfigMap /c",
		"app/b/nested/dir/d.json#0/-1@1 v1 Pod /",
		"app/deploy.yaml#0/-1@2 apps/v1 Deployment /web",
		"app/deploy.yaml#1/-1@7 v1 Service /web",
		"app/svc.YML#0/-1@1 v1 Service /svc",
		"app/z.json#0/-1@1 v1 ConfigMap /z",
	}
	tests := map[string]struct {
		paths   []string
		opts    Options
		want    []string
		wantErr string
	}{
		"directory walk": {
			paths: []string{"app"},
			opts:  Options{Ignore: skipJunk},
			want:  walked,
		},
		"trailing slash": {
			paths: []string{"app/"},
			opts:  Options{Ignore: skipJunk},
			want:  walked,
		},
		"symlinked directory": {
			paths: []string{"link"},
			opts:  Options{Ignore: skipJunk},
			want: []string{
				"link/b/c.yaml#0/-1@1 v1 ConfigMap /c",
				"link/b/nested/dir/d.json#0/-1@1 v1 Pod /",
				"link/deploy.yaml#0/-1@2 apps/v1 Deployment /web",
				"link/deploy.yaml#1/-1@7 v1 Service /web",
				"link/svc.YML#0/-1@1 v1 Service /svc",
				"link/z.json#0/-1@1 v1 ConfigMap /z",
			},
		},
		"ignore by relative path": {
			paths: []string{"app"},
			opts:  Options{Ignore: []string{"b/*", "charts/*/t.yaml", "kustomization.*", "*.json"}},
			want: []string{
				"app/deploy.yaml#0/-1@2 apps/v1 Deployment /web",
				"app/deploy.yaml#1/-1@7 v1 Service /web",
				"app/svc.YML#0/-1@1 v1 Service /svc",
			},
		},
		"without ignores every manifest-looking file is read": {
			paths: []string{"app"},
			want:  walked,
			wantErr: "app/charts/sub/t.yaml: document 0 (line 1): missing apiVersion and kind\n" +
				"app/kustomization.yaml: document 0 (line 1): missing apiVersion and kind",
		},
		"hidden directory given explicitly is walked": {
			paths: []string{"app/.config"},
			want:  []string{"app/.config/x.yaml#0/-1@1 v1 Secret /"},
		},
		"explicit file is read whatever its extension and ignores": {
			paths: []string{"extra.txt"},
			opts:  Options{Ignore: []string{"*.txt"}},
			want:  []string{"extra.txt#0/-1@1 v1 Namespace /extra"},
		},
		"directory without manifests": {
			paths: []string{"empty"},
		},
		"no paths": {},
		"stdin": {
			paths: []string{"-", "extra.txt"},
			opts:  Options{Stdin: strings.NewReader("---\n# Source: c/templates/a.yaml\napiVersion: v1\nkind: A\n")},
			want: []string{
				"-#0/-1@2 v1 A /",
				"extra.txt#0/-1@1 v1 Namespace /extra",
			},
		},
		"stdin twice": {
			paths:   []string{"-", "-"},
			opts:    Options{Stdin: strings.NewReader("apiVersion: v1\nkind: A\n")},
			want:    []string{"-#0/-1@1 v1 A /"},
			wantErr: "-: standard input given more than once",
		},
		"stdin unavailable": {
			paths:   []string{"-"},
			wantErr: "-: standard input is not available",
		},
		"nonexistent path": {
			paths:   []string{"nope.yaml", "extra.txt"},
			want:    []string{"extra.txt#0/-1@1 v1 Namespace /extra"},
			wantErr: "nope.yaml: no such file or directory",
		},
		"file too large": {
			paths:   []string{"extra.txt"},
			opts:    Options{MaxFileBytes: 10},
			wantErr: "extra.txt: file is larger than 10 bytes",
		},
		"stdin too large": {
			paths:   []string{"-"},
			opts:    Options{MaxFileBytes: 10, Stdin: strings.NewReader("apiVersion: v1\nkind: A\n")},
			wantErr: "-: file is larger than 10 bytes",
		},
		"errors do not stop the run": {
			paths: []string{"bad.yaml", "extra.txt", "-"},
			opts:  Options{Stdin: strings.NewReader("kind: A\n")},
			want: []string{
				"bad.yaml#0/-1@1 v1 A /",
				"extra.txt#0/-1@1 v1 Namespace /extra",
			},
			wantErr: "bad.yaml: document 1 (line 4): missing kind\n" +
				"-: document 0 (line 1): missing apiVersion",
		},
		"bad ignore pattern": {
			paths:   []string{"app"},
			opts:    Options{Ignore: []string{"["}},
			wantErr: `ignore pattern "[": syntax error in pattern`,
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			docs, err := Read(tc.paths, tc.opts)
			if got := summarize(docs); !slices.Equal(got, tc.want) {
				t.Errorf("documents:\n got %q\nwant %q", got, tc.want)
			}
			if got := errText(err); got != tc.wantErr {
				t.Errorf("error:\n got %q\nwant %q", got, tc.wantErr)
			}
		})
	}

	t.Run("errors carry locations", func(t *testing.T) {
		_, err := Read([]string{"nope.yaml", "bad.yaml"}, Options{})
		if !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("errors.Is(%v, fs.ErrNotExist) = false", err)
		}
		var me *Error
		if !errors.As(err, &me) || me.File != "nope.yaml" || me.Index != -1 {
			t.Fatalf("first *Error = %+v", me)
		}
		var located []Error
		for _, e := range err.(interface{ Unwrap() []error }).Unwrap() {
			if errors.As(e, &me) {
				located = append(located, *me)
			}
		}
		if len(located) != 2 || located[1].File != "bad.yaml" || located[1].Index != 1 || located[1].Item != -1 || located[1].Line != 4 {
			t.Errorf("located = %+v", located)
		}
	})
}

func TestReadSkipsBinaryFilesWithAWarning(t *testing.T) {
	dir := t.TempDir()
	// A PNG header: what a screenshot committed next to manifests starts with.
	if err := os.WriteFile(filepath.Join(dir, "logo.yaml"), []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "ok.yaml"), []byte("apiVersion: v1\nkind: A\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	var warnings []string
	docs, err := Read([]string{dir}, Options{Warn: func(err error) { warnings = append(warnings, err.Error()) }})
	if err != nil {
		t.Fatalf("a binary file must not fail the run: %v", err)
	}
	if len(docs) != 1 || docs[0].Kind() != "A" {
		t.Fatalf("documents = %q, want only ok.yaml's", summarize(docs))
	}
	want := filepath.Join(dir, "logo.yaml") + ": skipped: binary file (contains NUL bytes)"
	if !slices.Equal(warnings, []string{want}) {
		t.Fatalf("warnings = %q, want [%q]", warnings, want)
	}
}

// TestReadStreamsLargeFiles reads a 50 MB file whose bulk is comments: decoding as it
// reads keeps the live heap near one document, where reading the whole file first would
// hold all 50 MB at once.
func TestReadStreamsLargeFiles(t *testing.T) {
	const docs, commentBytes = 520, 100 << 10
	path := filepath.Join(t.TempDir(), "big.yaml")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w := bufio.NewWriter(f)
	comment := "# " + strings.Repeat("x", 97) + "\n"
	for i := range docs {
		fmt.Fprintf(w, "---\n")
		for range commentBytes / len(comment) {
			w.WriteString(comment)
		}
		fmt.Fprintf(w, "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-%d\n", i)
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Size() < 50<<20 {
		t.Fatalf("test file is %d bytes, want at least 50 MB", fi.Size())
	}

	runtime.GC()
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	peak := sampleHeapPeak(t, func() {
		got, err := Read([]string{path}, Options{})
		if err != nil {
			t.Error(err)
		}
		if len(got) != docs || got[docs-1].Name() != fmt.Sprintf("cm-%d", docs-1) {
			t.Errorf("read %d documents, want %d ending with cm-%d", len(got), docs, docs-1)
		}
		// Each block is "---", the comment lines and 4 lines of object; a document
		// starts on the line after its "---". Positions must survive streaming.
		block := 1 + commentBytes/len(comment) + 4
		if want := (docs-1)*block + 2; got[docs-1].Line != want {
			t.Errorf("last document starts at line %d, want %d", got[docs-1].Line, want)
		}
	})
	grown := int64(peak) - int64(before.HeapAlloc)
	t.Logf("file %d MiB, heap peak grew by %.1f MiB", fi.Size()>>20, float64(grown)/(1<<20))
	if grown > fi.Size()/3 {
		t.Fatalf("heap grew by %d bytes while reading a %d-byte file: the file is being buffered whole", grown, fi.Size())
	}
}

// sampleHeapPeak runs f while sampling the live heap, and returns the highest value seen.
func sampleHeapPeak(t *testing.T, f func()) uint64 {
	t.Helper()
	done := make(chan struct{})
	peak := make(chan uint64)
	go func() {
		var max uint64
		var ms runtime.MemStats
		tick := time.NewTicker(time.Millisecond)
		defer tick.Stop()
		for {
			runtime.ReadMemStats(&ms)
			if ms.HeapAlloc > max {
				max = ms.HeapAlloc
			}
			select {
			case <-done:
				peak <- max
				return
			case <-tick.C:
			}
		}
	}()
	f()
	close(done)
	return <-peak
}

func TestReadDropObjectsKeepsRawAndIdentity(t *testing.T) {
	in := "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n  namespace: ns\ndata: {k: \"1\"}\n"
	docs, err := Read([]string{"-"}, Options{Stdin: strings.NewReader(in), DropObjects: true})
	if err != nil || len(docs) != 1 {
		t.Fatalf("docs %v, err %v", docs, err)
	}
	d := docs[0]
	if d.Object != nil {
		t.Fatalf("Object kept: %v", d.Object)
	}
	if d.APIVersion() != "v1" || d.Kind() != "ConfigMap" || d.Namespace() != "ns" || d.Name() != "c" {
		t.Fatalf("identity lost: %s %s %s/%s", d.APIVersion(), d.Kind(), d.Namespace(), d.Name())
	}
	want := `{"apiVersion":"v1","data":{"k":"1"},"kind":"ConfigMap","metadata":{"name":"c","namespace":"ns"}}`
	if string(d.Raw) != want {
		t.Fatalf("Raw = %s, want exactly %s", d.Raw, want)
	}
}

// TestReadHidden: a walk skips hidden files and directories (tooling config, not
// manifests) and says which, once per walked directory; IncludeHidden reads them.
func TestReadHidden(t *testing.T) {
	tmp := t.TempDir()
	writeTree(t, tmp, map[string]string{
		"app/ok.yaml":                  "apiVersion: v1\nkind: A\n",
		"app/.github/workflows/x.yaml": "apiVersion: v1\nkind: B\n",
		"app/.hidden.yaml":             "apiVersion: v1\nkind: C\n",
		"app/.gitignore":               "*.tgz\n",
		"app/skipped/.also.yaml":       "apiVersion: v1\nkind: D\n",
	})
	t.Chdir(tmp)
	tests := map[string]struct {
		opts      Options
		want      []string
		wantNotes []string
	}{
		"skipped with a note": {
			want:      []string{"app/ok.yaml#0/-1@1 v1 A /"},
			wantNotes: []string{"app: skipped hidden .github/, .hidden.yaml, skipped/.also.yaml (use --include-hidden to check them)"},
		},
		"ignored paths are not noted": {
			opts:      Options{Ignore: []string{"skipped"}},
			want:      []string{"app/ok.yaml#0/-1@1 v1 A /"},
			wantNotes: []string{"app: skipped hidden .github/, .hidden.yaml (use --include-hidden to check them)"},
		},
		"included on request": {
			opts: Options{IncludeHidden: true},
			want: []string{
				"app/.github/workflows/x.yaml#0/-1@1 v1 B /",
				"app/.hidden.yaml#0/-1@1 v1 C /",
				"app/ok.yaml#0/-1@1 v1 A /",
				"app/skipped/.also.yaml#0/-1@1 v1 D /",
			},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			var notes []string
			tc.opts.Note = func(msg string) { notes = append(notes, msg) }
			docs, err := Read([]string{"app"}, tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			if got := summarize(docs); !slices.Equal(got, tc.want) {
				t.Errorf("documents:\n got %q\nwant %q", got, tc.want)
			}
			if !slices.Equal(notes, tc.wantNotes) {
				t.Errorf("notes:\n got %q\nwant %q", notes, tc.wantNotes)
			}
		})
	}
}

// TestReadEntriesKeepsInputOrder: problems stand where they were found, between the
// documents around them, so a report can list a bad document in its place.
func TestReadEntriesKeepsInputOrder(t *testing.T) {
	tmp := t.TempDir()
	writeTree(t, tmp, map[string]string{
		"a.yaml": "apiVersion: v1\nkind: A\n---\nkind: Broken\n---\napiVersion: v1\nkind: C\n",
		"c.yaml": "apiVersion: v1\nkind: E\n",
	})
	t.Chdir(tmp)
	entries, err := ReadEntries([]string{"a.yaml", "missing.yaml", "c.yaml"}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range entries {
		if e.Err != nil {
			got = append(got, "error "+e.Err.Error())
		} else {
			got = append(got, summarize([]Document{*e.Document})...)
		}
	}
	want := []string{
		"a.yaml#0/-1@1 v1 A /",
		"error a.yaml: document 1 (line 4): missing apiVersion",
		"a.yaml#2/-1@6 v1 C /",
		"error missing.yaml: no such file or directory",
		"c.yaml#0/-1@1 v1 E /",
	}
	if !slices.Equal(got, want) {
		t.Errorf("entries:\n got %q\nwant %q", got, want)
	}
	if _, err := ReadEntries([]string{"a.yaml"}, Options{Ignore: []string{"["}}); err == nil {
		t.Error("a bad ignore pattern is not an entry but an error")
	}
}
