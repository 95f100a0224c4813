package yamledit

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/apiguard/apiguard/internal/unifieddiff"
	"github.com/apiguard/apiguard/internal/yamlstream"
	yaml "go.yaml.in/yaml/v3"
)

// fuzzValues are the kinds of values policies add.
var fuzzValues = []any{
	"true", "x", "", "multi\nline", json.Number("771"), json.Number("0.5"), true, nil,
	map[string]any{}, []any{},
	map[string]any{"a": "b"},
	[]any{"Ingress"},
	map[string]any{"k": []any{map[string]any{"n": "v", "on": "yes"}}, "m": map[string]any{}},
}

// FuzzApplyPatches checks the editor's contract on arbitrary YAML: when it
// edits, kubectl's decoder must read the result as the engine's patch of
// the input (other documents unchanged), and a second application must
// change nothing unless the engine would change something too. An edit
// that fails the built-in verification is a bug even though it is caught.
func FuzzApplyPatches(f *testing.F) {
	seeds := []struct {
		src, path string
		sel       uint8
	}{
		{"apiVersion: v1\nkind: Pod\nmetadata:\n  name: p # c\n", "/metadata/annotations/a~1b", 0},
		{"# Source: x\nkind: Ingress\nmetadata:\n  annotations: {}\nspec:\n  rules:\n  - host: a\n", "/metadata/annotations/x", 10},
		{"---\n---\nkind: NetworkPolicy\nspec:\n  podSelector: {}\n", "/spec/policyTypes", 0x1b},
		{"kind: List\nitems:\n- kind: Pod\n  metadata: {name: a}\n", "/metadata/labels", 0x8a},
		{"spec:\r\n  containers:\r\n    - name: a\r\n      env: []\r\n", "/spec/containers/0/env/-", 12},
		{"a: |\n  x\n  # y\nb: \"q\n  # z\"\n", "/c", 3},
		{"{\"kind\": \"Pod\", \"metadata\": {}}\n", "/metadata/name", 1},
		{"k: {a: [1, 'it''s', \"x]\"], b: c,}\n", "/k/d", 11},
		{"m:\n  n:\n\nz: ~\n", "/m/n/o/0", 12},
		{"a:\n  b: {}\n  c:\n  - x\n", "/a/b/c\n/a/c/0\n/a/d\n/a/b/e", 2},
	}
	for _, s := range seeds {
		f.Add(s.src, s.path, s.sel)
	}
	f.Fuzz(func(t *testing.T, src, path string, sel uint8) {
		if len(src) > 2000 || len(path) > 100 {
			return
		}
		in, err := decodeDocs([]byte(src))
		if err != nil {
			return // kubectl would reject the file; --fix never sees it
		}
		if duplicateKeys([]byte(src)) {
			// "0: a" and "0.0: b" are different keys to the YAML decoder and
			// the same to JSON, and which one wins changes from run to run.
			return
		}
		index, item := int(sel>>4)%3, -1
		if sel&0x80 != 0 {
			index, item = 0, 0
		}
		// Several paths, one per line, become several operations.
		var ops []Op
		for i, p := range strings.SplitN(path, "\n", 4) {
			ops = append(ops, add(p, fuzzValues[(int(sel&0x0f)+i)%len(fuzzValues)]))
		}
		edits := []DocumentEdit{{Index: index, Item: item, Ops: ops}}
		if d, ok := in[index].(map[string]any); !ok || item >= 0 && !hasItem(d, item) {
			return // manifest would not produce this object
		}
		out, err := ApplyPatches([]byte(src), edits)
		if errors.Is(err, errVerify) {
			t.Fatalf("edit went wrong: %v\ninput:\n%s", err, src)
		}
		if err != nil {
			return
		}
		checkEquivalent(t, []byte(src), out, edits)

		again, err := ApplyPatches(out, edits)
		switch {
		case err == nil:
		case errors.Is(err, ErrUnsupported):
			return // e.g. inserting before "- - x", which the first edit wrote
		case !errors.Is(err, errVerify) && engineFails(t, out, edits):
			return // e.g. the first insert moved an array element the path goes through
		default:
			t.Fatalf("second application: %v\n%s", err, out)
		}
		checkEquivalent(t, out, again, edits)
		if engineNoop(t, out, edits) && !bytes.Equal(again, out) {
			t.Fatalf("second application changed the file:\n%s", unifieddiff.Diff("a/first", "b/second", out, again))
		}
	})
}

func hasItem(d map[string]any, item int) bool {
	items, _ := d["items"].([]any)
	if item >= len(items) {
		return false
	}
	_, ok := items[item].(map[string]any)
	return ok
}

// engineFails reports whether the engine rejects the edits on src.
func engineFails(t *testing.T, src []byte, edits []DocumentEdit) bool {
	docs := decodeStream(t, "src", src)
	for _, e := range edits {
		obj := docs[e.Index].(map[string]any)
		if e.Item >= 0 {
			obj = obj["items"].([]any)[e.Item].(map[string]any)
		}
		if _, err := engineApply(obj, e.Ops); err != nil {
			return true
		}
	}
	return false
}

// engineNoop reports whether the engine would leave src's objects as they are.
func engineNoop(t *testing.T, src []byte, edits []DocumentEdit) bool {
	docs := decodeStream(t, "src", src)
	for _, e := range edits {
		obj := docs[e.Index].(map[string]any)
		if e.Item >= 0 {
			obj = obj["items"].([]any)[e.Item].(map[string]any)
		}
		if mustJSON(normalize(t, enginePatch(t, obj, e.Ops))) != mustJSON(normalize(t, obj)) {
			return false
		}
	}
	return true
}

// duplicateKeys reports a mapping with two keys that decode to the same
// JSON key.
func duplicateKeys(src []byte) bool {
	data, _ := bytes.CutPrefix(src, bom)
	if yamlstream.LooksLikeJSON(data) {
		return false
	}
	for _, s := range splitYAML(data) {
		t, err := parseTree(data[s.start:s.end])
		if err != nil {
			continue
		}
		for _, n := range t.order {
			seen := map[string]bool{}
			for i := 0; n.Kind == yaml.MappingNode && i < len(n.Content); i += 2 {
				k, _ := jsonKey(n.Content[i])
				if seen[k] {
					return true
				}
				seen[k] = true
			}
		}
	}
	return false
}

// FuzzFieldLine checks that FieldLine never fails on any input and answers
// 0 exactly when the document is missing.
func FuzzFieldLine(f *testing.F) {
	f.Add("a: 1\n---\nkind: List\nitems:\n- b: [1, {c: d}]\n", 1, 0, "items[0].b[1].c")
	f.Add("{\"a\": {\"b\": 1}} {\"c\": 2}", 1, -1, "/c")
	f.Add("x: |\n  y\n# z\n", 0, -1, "x.y")
	f.Fuzz(func(t *testing.T, src string, index, item int, field string) {
		if len(src) > 2000 || index < -1 || index > 5 || item < -1 || item > 5 {
			return
		}
		line := FieldLine([]byte(src), index, item, field)
		data, _ := bytes.CutPrefix([]byte(src), bom)
		segs := splitYAML(data)
		if yamlstream.LooksLikeJSON(data) {
			segs, _ = splitJSON(data)
		}
		seg, found := findSegment(segs, index)
		switch {
		case !found && line != 0:
			t.Fatalf("document %d is missing, got line %d", index, line)
		case found && (line < seg.line || line > max(seg.line, 1+bytes.Count(data, []byte("\n")))):
			t.Fatalf("document %d starts at line %d, got line %d", index, seg.line, line)
		}
	})
}
