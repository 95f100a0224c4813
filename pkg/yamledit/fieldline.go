package yamledit

import (
	"bytes"
	"strconv"
	"strings"

	"github.com/apiguard/apiguard/internal/yamlstream"
	yaml "go.yaml.in/yaml/v3"
)

// FieldLine returns the 1-based line of a field in document index of src
// (and List item item, or -1), so a finding can point at the field rather
// than at the document. field is a JSON pointer ("/spec/tls/0/hosts") or a
// dotted path ("spec.tls[0].hosts", with ["a.b/c"] for keys holding dots;
// unbracketed dotted parts are also tried joined, so
// "metadata.annotations.kubernetes.io/ingress.class" works). For a mapping
// key the key's line is returned, for an array element the element's.
//
// When the field is missing the line of its deepest existing ancestor is
// returned ("missing runAsNonRoot" points at securityContext, or at the
// container), and "" means the object itself. The result is 0 only when
// the document does not exist; a document that cannot be parsed gives its
// first line. Each call parses one document.
func FieldLine(src []byte, index, item int, field string) int {
	data, _ := bytes.CutPrefix(src, bom)
	var segs []segment
	isJSON := yamlstream.LooksLikeJSON(data)
	if isJSON {
		segs, _ = splitJSON(data)
	} else {
		segs = splitYAML(data)
	}
	seg, ok := findSegment(segs, index)
	if !ok {
		return 0
	}
	parts, err := parseField(field)
	if err != nil || seg.blank {
		return seg.line
	}
	text := data[seg.start:seg.end]
	if isJSON {
		// A JSON document may start mid-line; pad it so that columns, and
		// with them the parser's view of the text, stay the same.
		lineStart := bytes.LastIndexByte(data[:seg.start], '\n') + 1
		text = append([]byte(strings.Repeat(" ", seg.start-lineStart)), text...)
	}
	t, err := parseTree(text)
	if err != nil || t.root == nil {
		return seg.line
	}
	n := t.locate(item, parts)
	if n.Line < 1 || n.Line > t.lines() {
		// The parser counts line breaks its own way (a stray CR, an empty document
		// after a marker); a line outside the text stands for the document's start.
		return seg.line
	}
	return seg.line + bytes.Count(text[:t.starts[n.Line]], []byte("\n"))
}

// locate walks parts from the document (or List item) and returns the node
// whose line stands for the deepest part found: a key, or an array element.
func (t *tree) locate(item int, parts []fieldPart) *yaml.Node {
	cur := t.root
	at := cur
	if item >= 0 {
		if cur.Kind != yaml.MappingNode {
			return at
		}
		k, items, err := lookup(cur, "items")
		if err != nil || items == nil {
			return at
		}
		at = k
		if items.Kind != yaml.SequenceNode || item >= len(items.Content) {
			return at
		}
		cur, at = items.Content[item], items.Content[item]
	}
	for i := 0; i < len(parts); {
		switch cur.Kind {
		case yaml.MappingNode:
			k, v, next := t.findKey(cur, parts, i)
			if v == nil {
				return at
			}
			cur, at, i = v, k, next
		case yaml.SequenceNode:
			idx := parts[i].index
			if idx < 0 {
				n, err := strconv.Atoi(parts[i].name)
				if err != nil {
					return at
				}
				idx = n
			}
			if idx < 0 || idx >= len(cur.Content) {
				return at
			}
			cur, at, i = cur.Content[idx], cur.Content[idx], i+1
		default:
			return at
		}
	}
	return at
}

// findKey looks up parts[i] in mapping m; an unquoted dotted part that is
// not a key is tried joined with the parts after it, shortest first.
func (t *tree) findKey(m *yaml.Node, parts []fieldPart, i int) (k, v *yaml.Node, next int) {
	name := parts[i].name
	for j := i; j < len(parts); j++ {
		if j > i {
			if parts[i].quoted || parts[j].quoted || parts[j].index >= 0 {
				break
			}
			name += "." + parts[j].name
		}
		k, v, err := lookup(m, name)
		if err != nil {
			return nil, nil, 0
		}
		if v != nil {
			return k, v, j + 1
		}
	}
	return nil, nil, 0
}
