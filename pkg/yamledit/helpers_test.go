package yamledit

import (
	"bytes"
	"encoding/json"
	"fmt"
	"testing"

	"github.com/apiguard/apiguard/internal/yamlstream"
	jsonpatch "github.com/evanphx/json-patch/v5"
	sigsyaml "sigs.k8s.io/yaml"
)

// enginePatch is the reference the editor is held to: the mutation engine's
// rule (pkg/policy applyAdds) written against the decoded object. An add
// whose target holds a non-null value is skipped; missing parents are
// created by json-patch.
func enginePatch(t testing.TB, obj map[string]any, ops []Op) map[string]any {
	t.Helper()
	out, err := engineApply(obj, ops)
	if err != nil {
		t.Fatalf("reference patch: %v", err)
	}
	return out
}

func engineApply(obj map[string]any, ops []Op) (map[string]any, error) {
	doc, err := json.Marshal(obj)
	if err != nil {
		return nil, err
	}
	opts := jsonpatch.NewApplyOptions()
	opts.EnsurePathExistsOnAdd = true
	for _, op := range ops {
		var tree any
		if err := json.Unmarshal(doc, &tree); err != nil {
			return nil, err
		}
		if hasValue(tree, op.Path) {
			continue
		}
		raw, err := json.Marshal([]map[string]any{{"op": op.Op, "path": op.Path, "value": op.Value}})
		if err != nil {
			return nil, err
		}
		patch, err := jsonpatch.DecodePatch(raw)
		if err != nil {
			return nil, err
		}
		if doc, err = patch.ApplyWithOptions(doc, opts); err != nil {
			return nil, fmt.Errorf("%s: %w", op.Path, err)
		}
	}
	var out map[string]any
	err = json.Unmarshal(doc, &out)
	return out, err
}

// normalize makes decoded objects comparable: numbers as float64.
func normalize(t testing.TB, v any) any {
	t.Helper()
	raw, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var out any
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

// decodeStream decodes every document of a stream the way kubectl does
// (sigs.k8s.io/yaml, or encoding/json for JSON streams), by index; blank
// documents are nil. Document counting itself is checked against
// pkg/manifest in TestSplitMatchesManifest.
func decodeStream(t testing.TB, name string, src []byte) map[int]any {
	t.Helper()
	docs, err := decodeDocs(src)
	if err != nil {
		t.Fatalf("%s: %v\n%s", name, err, src)
	}
	return docs
}

func decodeDocs(src []byte) (map[int]any, error) {
	data, _ := bytes.CutPrefix(src, bom)
	var segs []segment
	if yamlstream.LooksLikeJSON(data) {
		var err error
		if segs, err = splitJSON(data); err != nil {
			return nil, err
		}
	} else {
		segs = splitYAML(data)
	}
	docs := map[int]any{}
	for _, s := range segs {
		js := data[s.start:s.end]
		if !yamlstream.LooksLikeJSON(data) {
			var err error
			if js, err = sigsyaml.YAMLToJSON(js); err != nil {
				return nil, fmt.Errorf("document %d: %w", s.index, err)
			}
		}
		var v any
		if err := json.Unmarshal(js, &v); err != nil {
			return nil, fmt.Errorf("document %d: %w", s.index, err)
		}
		docs[s.index] = v
	}
	return docs, nil
}

// checkEquivalent asserts the correctness property: kubectl's decoder reads
// every edited object of out as the engine's patch of the same object of
// src, and every other document (and List item) unchanged.
func checkEquivalent(t testing.TB, src, out []byte, edits []DocumentEdit) {
	t.Helper()
	in, got := decodeStream(t, "input", src), decodeStream(t, "output", out)
	if len(in) != len(got) {
		t.Fatalf("input has %d documents, output %d", len(in), len(got))
	}
	for index, want := range in {
		for _, e := range edits {
			if e.Index != index {
				continue
			}
			if e.Item < 0 {
				want = enginePatch(t, want.(map[string]any), e.Ops)
				continue
			}
			items := want.(map[string]any)["items"].([]any)
			items[e.Item] = enginePatch(t, items[e.Item].(map[string]any), e.Ops)
		}
		w, g := normalize(t, want), normalize(t, got[index])
		if !jsonEqualValues(w, g) {
			t.Errorf("document %d:\nwant %s\ngot  %s", index, mustJSON(w), mustJSON(g))
		}
	}
}

func jsonEqualValues(a, b any) bool { return mustJSON(a) == mustJSON(b) }

func mustJSON(v any) string {
	raw, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(raw)
}

func add(path string, value any) Op { return Op{Op: "add", Path: path, Value: value} }

func doc(ops ...Op) []DocumentEdit { return []DocumentEdit{{Index: 0, Item: -1, Ops: ops}} }
