package yamledit

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/apiguard/apiguard/internal/yamlstream"
	yaml "go.yaml.in/yaml/v3"
)

// Op is one RFC 6902 operation, as produced by the mutating policies. Only
// "add" is supported: secure defaults fill in what is missing.
type Op struct {
	Op    string
	Path  string
	Value any // JSON types: map[string]any, []any, string, bool, json.Number or float64, nil
}

// DocumentEdit is the patch for one object of a file.
type DocumentEdit struct {
	// Index is the document's index in the file, counted as pkg/manifest
	// counts it (manifest.Document.Index).
	Index int
	// Item is -1, or the index of the object in the List's items
	// (manifest.Document.Item); Ops paths are then relative to that item.
	Item int
	Ops  []Op
}

// ApplyPatches applies each edit's operations to its document in src and
// returns the new file. The operations follow the mutation engine: an add
// whose target already holds a non-null value changes nothing (so applying
// the same edits again is a no-op, except for inserts into arrays, which
// RFC 6902 defines as inserts), and missing parents are created.
//
// Lines that no operation touches are kept byte-for-byte, as are the other
// documents and the line endings. New keys go at the end of their mapping,
// indented like their siblings; nested mappings and sequences follow the
// indentation the document (or else the file) uses. JSON streams are
// supported by re-encoding only the edited documents (see the package
// documentation).
//
// On error no output is returned: either every edit applies or none does.
// Errors wrapping ErrUnsupported mean the file uses a construct the editor
// will not change (anchors, merge keys, ...); the patch has to be applied
// by hand.
func ApplyPatches(src []byte, edits []DocumentEdit) ([]byte, error) {
	data, hadBOM := bytes.CutPrefix(src, bom)
	isJSON := yamlstream.LooksLikeJSON(data)
	var (
		segs     []segment
		splitErr error
	)
	if isJSON {
		segs, splitErr = splitJSON(data)
	} else {
		segs = splitYAML(data)
	}
	nl := newline(data)
	var fileLayout *layout // computed on demand from every document
	fallback := func() layout {
		if fileLayout == nil {
			l := fileVotes(data, segs).pick(defaultLayout)
			fileLayout = &l
		}
		return *fileLayout
	}

	replaced := map[int][]byte{}
	for _, e := range edits {
		seg, ok := findSegment(segs, e.Index)
		if !ok {
			err := errNotFound
			if splitErr != nil {
				err = splitErr
			}
			return nil, fmt.Errorf("document %d: %w", e.Index, err)
		}
		cur, ok := replaced[e.Index]
		if !ok {
			cur = data[seg.start:seg.end]
		}
		var (
			next []byte
			err  error
		)
		if isJSON {
			next, err = editJSON(cur, e, nl)
		} else {
			next, err = editYAML(cur, e, fallback, nl)
		}
		if err != nil {
			where := fmt.Sprintf("document %d", e.Index)
			if e.Item >= 0 {
				where += fmt.Sprintf(" item %d", e.Item)
			}
			return nil, fmt.Errorf("%s (line %d): %w", where, seg.line, err)
		}
		replaced[e.Index] = next
	}

	var out bytes.Buffer
	out.Grow(len(src) + 256)
	if hadBOM {
		out.Write(bom)
	}
	prev := 0
	for _, s := range segs {
		if r, ok := replaced[s.index]; ok {
			out.Write(data[prev:s.start])
			out.Write(r)
			prev = s.end
		}
	}
	out.Write(data[prev:])
	return out.Bytes(), nil
}

// newline returns the file's line ending: CRLF when its first line break
// is one, else LF (a file of bare CRs is rare enough not to imitate).
func newline(data []byte) string {
	if i := bytes.IndexByte(data, '\n'); i > 0 && data[i-1] == '\r' {
		return "\r\n"
	}
	return "\n"
}

// oddBreak returns the offset of the first line break that is not LF or
// CRLF (a bare CR, NEL, LS or PS), or -1.
func oddBreak(src []byte) int {
	for i := 0; i < len(src); i++ {
		switch n := breakLen(src, i); {
		case n == 0 || src[i] == '\n':
		case n == 2 && src[i] == '\r':
			i++
		default:
			return i
		}
	}
	return -1
}

// change replaces src[off:off+del] with text (whose "\n" become the file's
// line ending).
type change struct {
	off, del int
	text     string
}

func applyChanges(src []byte, changes []change, nl string) []byte {
	// From the end, so that earlier offsets stay valid.
	slices.SortStableFunc(changes, func(a, b change) int { return b.off - a.off })
	out := slices.Clone(src)
	for _, c := range changes {
		text := c.text
		if nl != "\n" {
			text = strings.ReplaceAll(text, "\n", nl)
		}
		out = slices.Concat(out[:c.off], []byte(text), out[c.off+c.del:])
	}
	return out
}

func editYAML(src []byte, e DocumentEdit, fallback func() layout, nl string) ([]byte, error) {
	if i := oddBreak(src); i >= 0 {
		// YAML parsers disagree on where lines end around these; kubectl's
		// might not read the edit where this package put it.
		return nil, unsupported("line break %q at offset %d", src[i:i+breakLen(src, i)], i)
	}
	orig := src
	t, err := parseTree(src)
	if err != nil {
		return nil, err
	}
	v := votes{step: map[int]int{}, seq: map[int]int{}}
	v.count(t)
	lay := v.pick(fallback())
	for _, op := range e.Ops {
		if op.Op != "add" {
			return nil, fmt.Errorf("%s %s: only \"add\" operations can be written back", op.Op, op.Path)
		}
		tokens, err := parsePointer(op.Path)
		if err != nil {
			return nil, err
		}
		changes, err := t.plan(e.Item, tokens, op.Value, lay)
		if err != nil {
			return nil, fmt.Errorf("add %s: %w", op.Path, err)
		}
		if len(changes) == 0 {
			continue
		}
		src = applyChanges(src, changes, nl)
		if t, err = parseTree(src); err != nil {
			return nil, fmt.Errorf("add %s: %w: the result does not parse: %v", op.Path, errVerify, err)
		}
	}
	if bytes.Equal(src, orig) {
		return src, nil
	}
	if err := verifyYAML(orig, src, e); err != nil {
		return nil, err
	}
	return src, nil
}

// plan works out the text changes for one add operation: nothing when the
// target already has a value.
func (t *tree) plan(item int, tokens []string, value any, lay layout) ([]change, error) {
	if t.root == nil {
		return nil, errors.New("document is empty")
	}
	cur := t.root
	if item >= 0 {
		items, err := t.listItems(cur)
		if err != nil {
			return nil, err
		}
		if item >= len(items.Content) {
			return nil, fmt.Errorf("list has no item %d", item)
		}
		cur = items.Content[item]
	}
	for i, tok := range tokens[:len(tokens)-1] {
		if tok == "" {
			// json-patch mishandles empty keys before the last token
			// (ignoring or rejecting the add), so there is no result to match.
			return nil, unsupported("empty key %d in the path", i)
		}
	}
	for i, tok := range tokens {
		last := i == len(tokens)-1
		if err := t.editable(cur); err != nil {
			return nil, err
		}
		switch cur.Kind {
		case yaml.MappingNode:
			k, v, err := lookup(cur, tok)
			if err != nil {
				return nil, err
			}
			switch {
			case v == nil:
				val, err := build(tokens[i+1:], value)
				if err != nil {
					return nil, err
				}
				return t.addKey(cur, tok, val, lay)
			case isNull(v):
				if err := t.editable(v); err != nil {
					return nil, err
				}
				val, err := build(tokens[i+1:], value)
				if err != nil {
					return nil, err
				}
				return t.replaceNull(cur, k, v, val, lay)
			case last:
				return nil, nil // already set: the engine skips it too
			}
			cur = v
		case yaml.SequenceNode:
			idx, end, err := arrayIndex(tok)
			if err != nil {
				return nil, err
			}
			if end {
				idx = len(cur.Content)
			}
			switch {
			case last && idx <= len(cur.Content):
				return t.insertItem(cur, idx, value, lay)
			case last:
				return nil, fmt.Errorf("array index %d is out of range", idx)
			case end || idx >= len(cur.Content):
				return nil, unsupported("creating array elements on the way to the target")
			case isNull(cur.Content[idx]):
				return nil, unsupported("adding below the null array element %d", idx)
			}
			cur = cur.Content[idx]
		default:
			return nil, fmt.Errorf("cannot add below %q: it is not an object or array", tok)
		}
	}
	return nil, errors.New("empty path")
}

func (t *tree) listItems(root *yaml.Node) (*yaml.Node, error) {
	if root.Kind != yaml.MappingNode {
		return nil, errors.New("document is not a List")
	}
	_, items, err := lookup(root, "items")
	if err != nil {
		return nil, err
	}
	if items == nil || items.Kind != yaml.SequenceNode {
		return nil, errors.New("document is not a List with items")
	}
	if err := t.editable(items); err != nil {
		return nil, err
	}
	return items, nil
}

// editable refuses nodes whose text is shared: an alias, or an anchored
// node some alias copies, where one textual change would change two places.
func (t *tree) editable(n *yaml.Node) error {
	if n.Kind == yaml.AliasNode {
		return unsupported("alias *%s at line %d", n.Value, n.Line)
	}
	if t.aliased[n] {
		return unsupported("anchor &%s at line %d is used by an alias", n.Anchor, n.Line)
	}
	return nil
}

// build makes the value to store where the path first goes missing, with
// the remaining tokens turned into containers the way json-patch's
// EnsurePathExistsOnAdd creates them: an array when the next token is an
// index or "-", an object otherwise. json-patch pads a new array with nulls
// up to the index; that is refused rather than written out.
func build(rest []string, value any) (any, error) {
	if len(rest) == 0 {
		return value, nil
	}
	inner, err := build(rest[1:], value)
	if err != nil {
		return nil, err
	}
	if _, err := strconv.Atoi(rest[0]); err == nil || rest[0] == "-" {
		idx, _, err := arrayIndex(rest[0])
		if err != nil {
			return nil, err
		}
		if idx > 0 {
			return nil, unsupported("creating an array padded with %d nulls", idx)
		}
		return []any{inner}, nil
	}
	return map[string]any{rest[0]: inner}, nil
}

// keyOf returns the key whose value is n in mapping m.
func keyOf(m, n *yaml.Node) *yaml.Node {
	for i := 1; i < len(m.Content); i += 2 {
		if m.Content[i] == n {
			return m.Content[i-1]
		}
	}
	return nil
}

// keyIndent is the indentation of block mapping key k, refusing explicit
// "? key" entries, whose indentation is not the key's column.
func (t *tree) keyIndent(k *yaml.Node) (int, error) {
	before := bytes.TrimRight(t.src[t.starts[k.Line]:t.pos(k)], " \t")
	if bytes.HasSuffix(before, []byte("?")) {
		return 0, unsupported("explicit key at line %d", k.Line)
	}
	return k.Column - 1, nil
}

// afterLine inserts text as new lines after line l.
func (t *tree) afterLine(l int, text string) change {
	if l < t.lines() {
		return change{off: t.starts[l+1], text: text}
	}
	// The last line has no line break: add one before, none after.
	return change{off: len(t.src), text: "\n" + strings.TrimSuffix(text, "\n")}
}

func (t *tree) addKey(m *yaml.Node, key string, val any, lay layout) ([]change, error) {
	if isFlow(m) {
		if changes, ok, err := t.blockFromEmptyFlow(m, val, func(b *strings.Builder, indent int) error {
			return lay.entry(b, key, val, indent+lay.step)
		}); ok || err != nil {
			return changes, err
		}
		s, err := flow(val)
		if err != nil {
			return nil, err
		}
		return t.appendToFlow(m, str(key)+": "+s, nil)
	}
	indent, err := t.keyIndent(m.Content[0])
	if err != nil {
		return nil, err
	}
	for i := 2; i < len(m.Content); i += 2 {
		// An explicit last key would put its value where the new key goes.
		if _, err := t.keyIndent(m.Content[i]); err != nil {
			return nil, err
		}
	}
	var b strings.Builder
	if err := lay.entry(&b, key, val, indent); err != nil {
		return nil, err
	}
	end, err := t.endLine(m, t.limit(m), indent)
	if err != nil {
		return nil, err
	}
	return []change{t.afterLine(end, b.String())}, nil
}

func (t *tree) insertItem(s *yaml.Node, idx int, val any, lay layout) ([]change, error) {
	if isFlow(s) {
		if changes, ok, err := t.blockFromEmptyFlow(s, val, func(b *strings.Builder, indent int) error {
			return lay.item(b, val, indent+lay.seq)
		}); ok || err != nil {
			return changes, err
		}
		text, err := flow(val)
		if err != nil {
			return nil, err
		}
		var before *yaml.Node
		if idx < len(s.Content) {
			before = s.Content[idx]
		}
		return t.appendToFlow(s, text, before)
	}
	if hasProps(s) {
		return nil, unsupported("sequence with an anchor or tag at line %d", s.Line)
	}
	dash := s.Column - 1
	var b strings.Builder
	if err := lay.item(&b, val, dash); err != nil {
		return nil, err
	}
	text := b.String()
	switch {
	case idx == len(s.Content):
		end, err := t.endLine(s, t.limit(s), dash)
		if err != nil {
			return nil, err
		}
		return []change{t.afterLine(end, text)}, nil
	case idx > 0:
		end, err := t.endLine(s.Content[idx-1], t.dashLine(s.Content[idx]), dash)
		if err != nil {
			return nil, err
		}
		return []change{t.afterLine(end, text)}, nil
	}
	l := t.dashLine(s.Content[0])
	line := t.text(l)
	if len(line) <= dash || !blank(line[:dash]) || line[dash] != '-' {
		return nil, unsupported("inserting before the first item of the nested sequence at line %d", l)
	}
	return []change{{off: t.starts[l], text: text}}, nil
}

// blockFromEmptyFlow turns an empty "{}" or "[]" that is the value of a
// block mapping key into a block collection: "securityContext: {}" becomes
// "securityContext:" and the lines render writes for a key at the given
// indentation. Helm's "toYaml | nindent" puts the "{}" on a line of its
// own; that line is replaced. ok is false when n is not such a node.
func (t *tree) blockFromEmptyFlow(n *yaml.Node, val any, render func(b *strings.Builder, indent int) error) (changes []change, ok bool, err error) {
	p := t.parent[n]
	if len(n.Content) > 0 || hasProps(n) || p == nil || p.Kind != yaml.MappingNode || isFlow(p) {
		return nil, false, nil
	}
	k := keyOf(p, n)
	if k == nil {
		return nil, false, nil
	}
	opening, closing, tail, err := t.scanFlow(n)
	if err != nil {
		return nil, false, err
	}
	lineStart, lineEnd := t.starts[n.Line], t.starts[n.Line]+len(t.text(n.Line))
	if tail != opening+1 || closing >= lineEnd {
		return nil, false, nil
	}
	rest := t.src[closing+1 : lineEnd]
	if !blank(rest) && !comment(rest) {
		return nil, false, nil
	}
	start := opening
	for start > lineStart && spaceOrTab(t.src[start-1]) {
		start--
	}
	ownLine := start == lineStart && n.Line > k.Line
	if !ownLine && (k.Line != n.Line || start == 0 || t.src[start-1] != ':') {
		return nil, false, nil
	}
	if ownLine && !blank(rest) {
		return nil, false, nil // keep it simple: no comment to carry over
	}
	indent, err := t.keyIndent(k)
	if err != nil {
		return nil, false, err
	}
	var b strings.Builder
	if err := render(&b, indent); err != nil {
		return nil, false, err
	}
	if ownLine {
		return []change{{off: lineStart, del: lineEnd - lineStart, text: strings.TrimSuffix(b.String(), "\n")}}, true, nil
	}
	return []change{
		{off: start, del: closing + 1 - start},
		t.afterLine(n.Line, b.String()),
	}, true, nil
}

// appendToFlow adds an entry to a flow collection: before the node
// "before", or after the last entry.
func (t *tree) appendToFlow(n *yaml.Node, text string, before *yaml.Node) ([]change, error) {
	if before != nil {
		return []change{{off: t.pos(before), text: text + ", "}}, nil
	}
	opening, _, tail, err := t.scanFlow(n)
	if err != nil {
		return nil, err
	}
	if t.src[tail-1] == ':' && !spaceOrTab(t.src[tail]) && breakLen(t.src, tail) == 0 {
		// "{a:}": YAML 1.1 and 1.2 parsers disagree on whether that ":"
		// ends the key, and what follows it would decide.
		return nil, unsupported("flow collection at line %d ends in %q", n.Line, t.src[tail-1:tail+1])
	}
	if c := t.src[tail]; !spaceOrTab(c) && breakLen(t.src, tail) == 0 && c != ']' && c != '}' {
		// A comment may follow without a space ("{#"); keep it one.
		text += " "
	}
	switch {
	case tail == opening+1:
		return []change{{off: tail, text: text}}, nil
	case t.src[tail-1] == ',':
		// A trailing comma is allowed in flow collections.
		return []change{{off: tail, text: " " + text}}, nil
	}
	// A comma right after a tag ("{a: !t}") would become part of it, and
	// one right after the ":" of an empty value ("{a: }") would make the
	// ":" part of the key. A space is harmless when neither is the case.
	start := tail
	for start > 0 && !spaceOrTab(t.src[start-1]) && breakLenBefore(t.src, start) == 0 && !strings.ContainsRune("[]{},", rune(t.src[start-1])) {
		start--
	}
	if c := t.src[tail-1]; t.src[start] == '!' || t.src[start] == '&' || c == ':' || c == '?' {
		return []change{{off: tail, text: " , " + text}}, nil
	}
	return []change{{off: tail, text: ", " + text}}, nil
}

// replaceNull writes val in place of v, a null value of key k in mapping m.
func (t *tree) replaceNull(m, k, v *yaml.Node, val any, lay layout) ([]change, error) {
	if hasProps(v) {
		return nil, unsupported("null with an anchor or tag at line %d", v.Line)
	}
	off := t.pos(v)
	explicit := v.Value != ""
	if explicit && (off+len(v.Value) > len(t.src) || string(t.src[off:off+len(v.Value)]) != v.Value) {
		return nil, unsupported("null at line %d", v.Line)
	}
	if isFlow(m) {
		if !explicit {
			return nil, unsupported("implicit null in the flow mapping at line %d", m.Line)
		}
		s, err := flow(val)
		if err != nil {
			return nil, err
		}
		return []change{{off: off, del: len(v.Value), text: s}}, nil
	}
	if !explicit && (off == 0 || t.src[off-1] != ':') {
		return nil, unsupported("empty value at line %d", v.Line)
	}
	if inline(val) {
		s, err := flow(val)
		if err != nil {
			return nil, err
		}
		if explicit {
			return []change{{off: off, del: len(v.Value), text: s}}, nil
		}
		return []change{{off: off, text: " " + s}}, nil
	}
	indent, err := t.keyIndent(k)
	if err != nil {
		return nil, err
	}
	var b strings.Builder
	if err := lay.children(&b, val, indent); err != nil {
		return nil, err
	}
	changes := []change{t.afterLine(v.Line, b.String())}
	if explicit {
		// "key: null" becomes "key:" followed by the block.
		start := off
		for start > 0 && spaceOrTab(t.src[start-1]) {
			start--
		}
		changes = append(changes, change{off: start, del: off + len(v.Value) - start})
	}
	return changes, nil
}
