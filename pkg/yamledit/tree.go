package yamledit

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	yaml "go.yaml.in/yaml/v3"
	sigsyaml "sigs.k8s.io/yaml"
)

// ErrUnsupported marks YAML the editor will not change automatically
// (anchors that other nodes refer to, merge keys, explicit "?" keys,
// negative or padded array indices, ...). The caller can report the patch
// for the user to apply by hand.
var ErrUnsupported = errors.New("not supported by the YAML editor")

func unsupported(format string, args ...any) error {
	return fmt.Errorf("%s: %w", fmt.Sprintf(format, args...), ErrUnsupported)
}

// tree is one parsed YAML document and the indexes edits need.
type tree struct {
	lineTable
	root    *yaml.Node // the document's content; nil when it is empty
	order   []*yaml.Node
	at      map[*yaml.Node]int // position in order
	after   map[*yaml.Node]int // position in order of the first node past the subtree
	parent  map[*yaml.Node]*yaml.Node
	aliased map[*yaml.Node]bool // anchored nodes that an alias refers to
}

func parseTree(src []byte) (*tree, error) {
	dec := yaml.NewDecoder(bytes.NewReader(src))
	var doc, extra yaml.Node
	if err := dec.Decode(&doc); err != nil && err != io.EOF {
		return nil, err
	}
	// Decoders stop after the first document, so "{}{" passes for one;
	// text after it would move when the document is edited.
	if err := dec.Decode(&extra); err != io.EOF {
		return nil, fmt.Errorf("text after the end of the document (%v): %w", err, ErrUnsupported)
	}
	t := &tree{
		lineTable: newLineTable(src),
		at:        map[*yaml.Node]int{},
		after:     map[*yaml.Node]int{},
		parent:    map[*yaml.Node]*yaml.Node{},
		aliased:   map[*yaml.Node]bool{},
	}
	if doc.Kind == yaml.DocumentNode && len(doc.Content) == 1 {
		t.root = doc.Content[0]
		t.walk(t.root, nil)
	}
	return t, nil
}

func (t *tree) walk(n, parent *yaml.Node) {
	t.at[n] = len(t.order)
	t.order = append(t.order, n)
	t.parent[n] = parent
	if n.Kind == yaml.AliasNode && n.Alias != nil {
		t.aliased[n.Alias] = true
	}
	for _, c := range n.Content {
		t.walk(c, n)
	}
	t.after[n] = len(t.order)
}

func (t *tree) pos(n *yaml.Node) int { return t.offset(n.Line, n.Column) }

func isFlow(n *yaml.Node) bool { return n.Style&yaml.FlowStyle != 0 }

func isBlockCollection(n *yaml.Node) bool {
	return (n.Kind == yaml.MappingNode || n.Kind == yaml.SequenceNode) && !isFlow(n)
}

// hasProps reports an anchor or an explicit tag, which sit in front of the
// node's content and move its reported position onto them.
func hasProps(n *yaml.Node) bool {
	return n.Anchor != "" || n.Style&yaml.TaggedStyle != 0
}

func isNull(n *yaml.Node) bool {
	return n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null"
}

// jsonKey is the object key kubectl's decoder makes of a mapping key. Plain
// keys such as "on", "1.0" or "0x10" are not strings in YAML 1.1, so those
// are converted by the same decoder rather than guessed.
func jsonKey(k *yaml.Node) (string, bool) {
	if k.Kind != yaml.ScalarNode {
		return "", false
	}
	if k.Style != 0 || plainString(k.Value) {
		return k.Value, true
	}
	js, err := sigsyaml.YAMLToJSON([]byte(k.Value + ": 0"))
	if err != nil {
		return k.Value, true
	}
	var m map[string]json.RawMessage
	if json.Unmarshal(js, &m) != nil || len(m) != 1 {
		return k.Value, true
	}
	for key := range m {
		return key, true
	}
	return k.Value, true
}

// lookup finds key in mapping m. Duplicate keys resolve last-wins, as in
// kubectl's decoder. A merge key ("<<") could supply the key from elsewhere,
// so mappings with one are not edited.
func lookup(m *yaml.Node, key string) (k, v *yaml.Node, err error) {
	for i := 0; i+1 < len(m.Content); i += 2 {
		kn := m.Content[i]
		if kn.Kind == yaml.ScalarNode && kn.ShortTag() == "!!merge" {
			return nil, nil, unsupported("mapping at line %d uses a merge key (<<)", m.Line)
		}
		if s, ok := jsonKey(kn); ok && s == key {
			k, v = kn, m.Content[i+1]
		}
	}
	return k, v, nil
}

// limit is the first line that belongs to whatever follows n's subtree:
// the next node's line, or for the next item of a block sequence the line
// of its "-", which may come before the item ("-\n  name: x").
func (t *tree) limit(n *yaml.Node) int {
	i := t.after[n]
	if i >= len(t.order) {
		return t.lastLine() + 1
	}
	next := t.order[i]
	if p := t.parent[next]; p != nil && p.Kind == yaml.SequenceNode && !isFlow(p) {
		return t.dashLine(next)
	}
	return next.Line
}

// dashLine returns the line of the "-" that introduces block sequence item
// n: n's own line when something precedes n there, else the nearest line
// above that is neither blank nor a comment.
func (t *tree) dashLine(n *yaml.Node) int {
	if !blank(t.src[t.starts[n.Line]:t.pos(n)]) {
		return n.Line
	}
	for l := n.Line - 1; l >= 1; l-- {
		if text := t.text(l); !blank(text) && !comment(text) {
			return l
		}
	}
	return n.Line
}

// endLine returns the line after which a new sibling of n's entries goes:
// the last line of n's content, or of a comment below it that is indented
// past indent (the column of n's keys or dashes), since such a comment is
// about n's nested content. Less indented comments are left below the new
// entry, with whatever they introduce.
func (t *tree) endLine(n *yaml.Node, limit, indent int) (int, error) {
	leaf := n
	for isBlockCollection(leaf) && len(leaf.Content) > 0 {
		leaf = leaf.Content[len(leaf.Content)-1]
	}
	end := leaf.Line
	switch {
	case leaf.Kind == yaml.MappingNode || leaf.Kind == yaml.SequenceNode:
		_, closing, _, err := t.scanFlow(leaf)
		if err != nil {
			return 0, err
		}
		end = t.lineOf(closing)
	case leaf.Kind == yaml.ScalarNode && leaf.Style&(yaml.DoubleQuotedStyle|yaml.SingleQuotedStyle) != 0:
		closing, err := t.scanQuoted(t.skipProps(t.pos(leaf)))
		if err != nil {
			return 0, err
		}
		end = t.lineOf(closing)
	}
	// A block scalar runs until the first comment less indented than its
	// content. Until then every line indented past the scalar's parent
	// counts, even one that looks like a comment, and blank ones too: with
	// "|+" they are part of the value. Taking a comment for content only
	// moves the insertion below it; the reverse would cut the scalar.
	inScalar := leaf.Kind == yaml.ScalarNode && leaf.Style&(yaml.LiteralStyle|yaml.FoldedStyle) != 0
	block := inScalar
	parentIndent := t.parentIndent(leaf)
	for l := end + 1; l < limit && l <= t.lastLine(); l++ {
		text := t.text(l)
		switch {
		case inScalar && (blank(text) || indentation(text) > parentIndent):
			end = l
		case blank(text):
		case comment(text):
			inScalar = false
		default:
			end = l
		}
	}
	if end >= limit {
		return 0, unsupported("node at line %d ends on the line where the next one starts", n.Line)
	}
	if block && end == t.lines() {
		// The last line has no line break, which a line after it would
		// add to the value.
		return 0, unsupported("block scalar at line %d ends the file without a newline", leaf.Line)
	}
	for l := end + 1; l < limit && l <= t.lastLine(); l++ {
		text := t.text(l)
		if blank(text) {
			continue
		}
		if !comment(text) || indentation(text) <= indent {
			break
		}
		end = l
	}
	// Parsers accept some content left of its key ("k:\n0" at the top
	// level, flow continuation lines); a line written at the key's
	// indentation after it would then not parse.
	for l := n.Line + 1; l <= end; l++ {
		if text := t.text(l); !blank(text) && !comment(text) && indentation(text) < indent {
			return 0, unsupported("line %d is indented less than the entries at line %d", l, n.Line)
		}
	}
	return end, nil
}

// parentIndent is the indentation of the block collection holding n: the
// column of n's key, or of the "-" before it; -1 at the top level.
func (t *tree) parentIndent(n *yaml.Node) int {
	p := t.parent[n]
	switch {
	case p == nil:
		return -1
	case p.Kind == yaml.MappingNode:
		if k := keyOf(p, n); k != nil {
			return k.Column - 1
		}
	case p.Kind == yaml.SequenceNode && !hasProps(p):
		return p.Column - 1
	}
	// Unknown: -1 makes every line up to the next node count as content,
	// which is the safe way to be wrong.
	return -1
}

// skipProps moves past an anchor or tag (and the space after it) at off.
func (t *tree) skipProps(off int) int {
	src := t.src
	for off < len(src) && (src[off] == '&' || src[off] == '!') {
		if src[off] == '!' && off+1 < len(src) && src[off+1] == '<' {
			for off < len(src) && src[off] != '>' {
				off++
			}
		}
		for off < len(src) && !spaceOrTab(src[off]) && breakLen(src, off) == 0 {
			off++
		}
		off = t.skipSpace(off)
	}
	return off
}

// skipSpace moves past spaces, line breaks and comments.
func (t *tree) skipSpace(off int) int {
	src := t.src
	for off < len(src) {
		switch {
		case spaceOrTab(src[off]):
			off++
		case breakLen(src, off) > 0:
			off += breakLen(src, off)
		case src[off] == '#':
			for off < len(src) && breakLen(src, off) == 0 {
				off++
			}
		default:
			return off
		}
	}
	return off
}

// scanQuoted returns the offset of the quote that closes the quoted scalar
// opening at off.
func (t *tree) scanQuoted(off int) (int, error) {
	src := t.src
	if off >= len(src) || (src[off] != '"' && src[off] != '\'') {
		return 0, fmt.Errorf("no quoted scalar at offset %d", off)
	}
	q := src[off]
	for i := off + 1; i < len(src); i++ {
		switch {
		case q == '"' && src[i] == '\\':
			i++
		case src[i] == q && q == '\'' && i+1 < len(src) && src[i+1] == '\'':
			i++
		case src[i] == q:
			return i, nil
		}
	}
	return 0, fmt.Errorf("unterminated quoted scalar at offset %d", off)
}

// scanFlow finds the brackets of flow collection n and tail, the offset
// just past its last character that is not space or comment (just past the
// opening bracket when n is empty), which is where an entry is appended.
// Quoted scalars are skipped using the parser's positions: a quote inside
// a plain scalar ("it's") does not start a string.
func (t *tree) scanFlow(n *yaml.Node) (opening, closing, tail int, err error) {
	quoted := map[int]bool{}
	for _, d := range t.order[t.at[n]:t.after[n]] {
		if d.Kind == yaml.ScalarNode && d.Style&(yaml.DoubleQuotedStyle|yaml.SingleQuotedStyle) != 0 {
			quoted[t.skipProps(t.pos(d))] = true
		}
	}
	src := t.src
	opening = t.skipProps(t.pos(n))
	if opening >= len(src) || (src[opening] != '{' && src[opening] != '[') {
		return 0, 0, 0, fmt.Errorf("no flow collection at line %d", n.Line)
	}
	depth := 0
	// boundary: the previous character ended a token, so a "#" here starts
	// a comment (inside a plain scalar, "a#b", it does not).
	boundary := true
	for i := opening; i < len(src); {
		c := src[i]
		if quoted[i] {
			end, err := t.scanQuoted(i)
			if err != nil {
				return 0, 0, 0, err
			}
			i = end + 1
			tail, boundary = i, true
			continue
		}
		if n := breakLen(src, i); n > 0 {
			i += n
			boundary = true
			continue
		}
		if c == '#' && boundary {
			for i < len(src) && breakLen(src, i) == 0 {
				i++
			}
			continue
		}
		switch c {
		case '[', '{':
			depth++
		case ']', '}':
			depth--
			if depth == 0 {
				return opening, i, tail, nil
			}
		}
		_, size := utf8.DecodeRune(src[i:])
		if !spaceOrTab(c) {
			tail = i + size
		}
		boundary = spaceOrTab(c) || strings.IndexByte("[]{},", c) >= 0
		i += size
	}
	return 0, 0, 0, fmt.Errorf("unterminated flow collection at line %d", n.Line)
}
