package manifest

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"
)

// FuzzManifest feeds arbitrary bytes to the CLI's reader exactly as `apiguard check -`
// does (Read of standard input, with and without DropObjects, under a size limit), and
// to Decode underneath it. It was FuzzDecode; the corpus directory follows the name.
//
// Whatever the bytes: no panic; every Document has an apiVersion and kind, a position
// inside the input and valid JSON; every problem is an *Error naming the input; Read
// gives what Decode gives (nothing, with a warning, for binary input); DropObjects
// changes only Object; and an input over the limit yields the limit error and no
// Documents, never a silently truncated read.
func FuzzManifest(f *testing.F) {
	for _, seed := range []string{
		"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n",
		"---\n# Source: c/templates/a.yaml\napiVersion: v1\nkind: A\n---\n---\napiVersion: v1\nkind: B\n...\n",
		"apiVersion: v1\nkind: List\nitems:\n- {apiVersion: v1, kind: A}\n- 3\n",
		"{\"apiVersion\":\"v1\",\"kind\":\"A\"}\n{\"apiVersion\":\"v1\",\"kind\":\"List\",\"items\":[{\"apiVersion\":\"v1\",\"kind\":\"B\"}]}",
		"[1, 2]",
		"--- {apiVersion: v1, kind: A}\n%YAML 1.1\n---\na: &x [*x]\n",
		"a: &a [1]\nb: &b [*a, *a]\nc: [*b, *b]\n",
		"\ufeff---\r\napiVersion: v1\r\nkind: A\r\n",
		"---\n#a\rapiVersion: v1\rkind: A\n---\n# \t\xff\u2028\n---\n\t\n",
		"apiVersion: v1\nkind: A\nmetadata: {name: a, namespace: b}\n---\napiVersion: v1\nkind: B\x00\n",
		"apiVersion: networking.k8s.io/v1beta1\nkind: Ingress\nmetadata: {name: 7}\nspec: {n: 123456789012345678901234567890}\n",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		decoded, decodeErr := Decode("-", bytes.NewReader(data))
		checkDocuments(t, data, decoded, decodeErr)

		var warnings []error
		read, readErr := Read([]string{"-"}, Options{Stdin: bytes.NewReader(data), Warn: func(err error) { warnings = append(warnings, err) }})
		checkDocuments(t, data, read, readErr)
		if IsBinary(data[:min(len(data), peekBytes)]) {
			if len(read) != 0 || readErr != nil || len(warnings) != 1 {
				t.Fatalf("binary input: %d documents, error %v, warnings %v; want it skipped with one warning", len(read), readErr, warnings)
			}
		} else {
			if (readErr == nil) != (decodeErr == nil) || !sameDocuments(read, decoded) {
				t.Fatalf("Read and Decode disagree: %d documents (%v) and %d (%v)", len(read), readErr, len(decoded), decodeErr)
			}
			if len(warnings) != 0 {
				t.Fatalf("text input warned: %v", warnings)
			}
		}

		dropped, droppedErr := Read([]string{"-"}, Options{Stdin: bytes.NewReader(data), DropObjects: true})
		if (droppedErr == nil) != (readErr == nil) || len(dropped) != len(read) {
			t.Fatalf("DropObjects changed the result: %d documents (%v), %d without (%v)", len(dropped), droppedErr, len(read), readErr)
		}
		for i, d := range dropped {
			r := read[i]
			if d.Object != nil || !bytes.Equal(d.Raw, r.Raw) || d.APIVersion() != r.APIVersion() || d.Kind() != r.Kind() ||
				d.Namespace() != r.Namespace() || d.Name() != r.Name() || d.Index != r.Index || d.Item != r.Item || d.Line != r.Line {
				t.Fatalf("document %d differs with DropObjects: %+v, without %+v", i, d, r)
			}
		}

		if len(data) > 1 { // a limit of 0 means the default
			over, err := Read([]string{"-"}, Options{Stdin: bytes.NewReader(data), MaxFileBytes: int64(len(data) - 1)})
			binary := IsBinary(data[:min(len(data), peekBytes)])
			if !binary && (len(over) != 0 || err == nil || !strings.Contains(err.Error(), "larger than")) {
				t.Fatalf("input over the limit: %d documents, error %v", len(over), err)
			}
		}

		// Skipping the parser for blank segments must not change results.
		_ = splitYAML(bufio.NewReader(bytes.NewReader(data)), func(s segment) {
			if !s.blank {
				return
			}
			if js, err := yaml.YAMLToJSON(s.data); err != nil || string(js) != "null" {
				t.Errorf("blank segment %q decodes to %s, %v", s.data, js, err)
			}
		})
	})
}

// checkDocuments asserts what holds for every result of reading data.
func checkDocuments(t *testing.T, data []byte, docs []Document, err error) {
	t.Helper()
	maxLine := bytes.Count(data, []byte("\n")) + 1
	for _, d := range docs {
		if d.APIVersion() == "" || d.Kind() == "" {
			t.Errorf("document without apiVersion/kind: %s", d.Raw)
		}
		if d.File != "-" || d.Index < 0 || d.Item < -1 || d.Line < 1 || d.Line > maxLine {
			t.Errorf("bad position file=%q index=%d item=%d line=%d (input has %d lines)", d.File, d.Index, d.Item, d.Line, maxLine)
		}
		if !json.Valid(d.Raw) {
			t.Errorf("invalid Raw: %q", d.Raw)
		}
	}
	if err == nil {
		return
	}
	var joined interface{ Unwrap() []error }
	problems := []error{err}
	if errors.As(err, &joined) {
		problems = joined.Unwrap()
	}
	for _, p := range problems {
		var me *Error
		if !errors.As(p, &me) || me.File != "-" || strings.TrimSpace(p.Error()) == "" {
			t.Errorf("problem %T %q is not an *Error naming the input", p, p)
		}
	}
}

func sameDocuments(a, b []Document) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		x, y := a[i], b[i]
		if !bytes.Equal(x.Raw, y.Raw) || x.File != y.File || x.Index != y.Index || x.Item != y.Item || x.Line != y.Line || !reflect.DeepEqual(x.Object, y.Object) {
			return false
		}
	}
	return true
}
