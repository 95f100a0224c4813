package yamledit

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
)

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
	if err != nil {
		return nil, err
	}
	if !changed {
		return raw, nil
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
