package yamledit

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strconv"
	"strings"

	jsonpatch "github.com/evanphx/json-patch/v5"
	sigsyaml "sigs.k8s.io/yaml"
)

// errVerify means an edit did not produce what the patch asks for; it is a
// bug in this package, caught before anything is written.
var errVerify = errors.New("internal error: the edited document does not match the patch")

// itemPrefix is the JSON pointer of a List item, or "" for the document.
func itemPrefix(item int) string {
	if item < 0 {
		return ""
	}
	return "/items/" + strconv.Itoa(item)
}

// patchJSON applies ops to a JSON document the way the mutation engine does
// (pkg/policy applyAdds): an add whose target already holds a non-null
// value is skipped, missing parents are created.
func patchJSON(doc []byte, prefix string, ops []Op) ([]byte, bool, error) {
	opts := jsonpatch.NewApplyOptions()
	opts.EnsurePathExistsOnAdd = true
	opts.EscapeHTML = false
	changed := false
	for _, op := range ops {
		if op.Op != "add" {
			return nil, false, fmt.Errorf("%s %s: only \"add\" operations can be written back", op.Op, op.Path)
		}
		tokens, err := parsePointer(prefix + op.Path)
		if err != nil {
			return nil, false, err
		}
		var tree any
		if err := json.Unmarshal(doc, &tree); err != nil {
			return nil, false, err
		}
		if hasValue(tree, prefix+op.Path) {
			continue
		}
		if err := checkPath(tree, tokens); err != nil {
			return nil, false, fmt.Errorf("add %s: %w", op.Path, err)
		}
		var raw bytes.Buffer
		enc := json.NewEncoder(&raw)
		enc.SetEscapeHTML(false)
		if err := enc.Encode([]map[string]any{{"op": "add", "path": prefix + op.Path, "value": op.Value}}); err != nil {
			return nil, false, fmt.Errorf("add %s: %w", op.Path, err)
		}
		patch, err := jsonpatch.DecodePatch(raw.Bytes())
		if err != nil {
			return nil, false, fmt.Errorf("add %s: %w", op.Path, err)
		}
		if doc, err = patch.ApplyWithOptions(doc, opts); err != nil {
			return nil, false, fmt.Errorf("add %s: %w", op.Path, err)
		}
		changed = true
	}
	return doc, changed, nil
}

// checkPath refuses the paths the YAML editor refuses, so that JSON and
// YAML files get the same treatment: json-patch's odd cases (empty keys
// inside the path, indices such as "01" or "-1", arrays it would pad with
// nulls, which for "/a/100000000" means a huge allocation).
func checkPath(tree any, tokens []string) error {
	for i, tok := range tokens[:len(tokens)-1] {
		if tok == "" {
			return unsupported("empty key %d in the path", i)
		}
	}
	cur := tree
	for i, tok := range tokens {
		last := i == len(tokens)-1
		switch node := cur.(type) {
		case map[string]any:
			v, ok := node[tok]
			if !ok || v == nil {
				_, err := build(tokens[i+1:], nil)
				return err
			}
			cur = v
		case []any:
			idx, end, err := arrayIndex(tok)
			if err != nil {
				return err
			}
			if end {
				idx = len(node)
			}
			switch {
			case last && idx > len(node):
				return fmt.Errorf("array index %d is out of range", idx)
			case last:
				return nil
			case end || idx >= len(node):
				return unsupported("creating array elements on the way to the target")
			}
			cur = node[idx]
		default:
			return fmt.Errorf("cannot add below %q: it is not an object or array", tok)
		}
	}
	return nil
}

// hasValue reports whether the pointer names an existing non-null member of
// an object; array targets never exist, since adding to an array inserts.
func hasValue(tree any, pointer string) bool {
	tokens := strings.Split(pointer[1:], "/")
	cur := tree
	for i, tok := range tokens {
		tok = pointerUnescape.Replace(tok)
		last := i == len(tokens)-1
		switch node := cur.(type) {
		case map[string]any:
			v, ok := node[tok]
			if !ok {
				return false
			}
			if last {
				return v != nil
			}
			cur = v
		case []any:
			idx, err := strconv.Atoi(tok)
			if last || err != nil || idx < 0 || idx >= len(node) {
				return false
			}
			cur = node[idx]
		default:
			return false
		}
	}
	return false
}

// editJSON applies an edit to one document of a JSON stream. JSON has no
// comments to keep, so the document is re-encoded, in the indentation it
// used; when every operation is a no-op it is left untouched.
func editJSON(raw []byte, e DocumentEdit, nl string) ([]byte, error) {
	if e.Item >= 0 {
		var obj map[string]any
		if err := json.Unmarshal(raw, &obj); err != nil {
			return nil, errors.New("document is not an object")
		}
		items, _ := obj["items"].([]any)
		if e.Item >= len(items) {
			return nil, fmt.Errorf("list has no item %d", e.Item)
		}
	}
	patched, changed, err := patchJSON(raw, itemPrefix(e.Item), e.Ops)
	if err != nil || !changed {
		return raw, err
	}
	indent, multiline := jsonIndent(raw)
	if !multiline {
		return patched, nil
	}
	var out bytes.Buffer
	if err := json.Indent(&out, patched, "", indent); err != nil {
		return nil, err
	}
	if nl == "\n" {
		return out.Bytes(), nil
	}
	return bytes.ReplaceAll(out.Bytes(), []byte("\n"), []byte(nl)), nil
}

// jsonIndent returns the indentation of a JSON document's second line.
func jsonIndent(raw []byte) (string, bool) {
	i := bytes.IndexByte(raw, '\n')
	if i < 0 {
		return "", false
	}
	rest := raw[i+1:]
	n := 0
	for n < len(rest) && (rest[n] == ' ' || rest[n] == '\t') {
		n++
	}
	return string(rest[:n]), true
}

// verifyYAML checks that kubectl's decoder reads the edited document as the
// original with the patch applied, and nothing else changed.
func verifyYAML(before, after []byte, e DocumentEdit) error {
	bj, err := sigsyaml.YAMLToJSON(before)
	if err != nil {
		return err
	}
	want, _, err := patchJSON(bj, itemPrefix(e.Item), e.Ops)
	if err != nil {
		return err
	}
	got, err := sigsyaml.YAMLToJSON(after)
	if err != nil {
		return fmt.Errorf("%w: %v", errVerify, err)
	}
	if !jsonEqual(want, got) {
		return fmt.Errorf("%w: want %s, got %s", errVerify, want, got)
	}
	return nil
}

func jsonEqual(a, b []byte) bool {
	var x, y any
	if json.Unmarshal(a, &x) != nil || json.Unmarshal(b, &y) != nil {
		return false
	}
	return reflect.DeepEqual(x, y)
}
