package yamledit

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	jsonpatch "github.com/evanphx/json-patch/v5"
)

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
		// The path is checked on its own: with a List prefix, "" would name
		// the item itself.
		if _, err := parsePointer(op.Path); err != nil {
			return nil, false, err
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
