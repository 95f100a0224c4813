package manifest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"sigs.k8s.io/yaml"
)

// Decode splits and decodes one stream named name (used in Documents and
// errors). Like Read it returns every Document it could decode along with
// all problems joined (each a *Error). Decode reads all of r without a size
// limit; Read applies Options.MaxFileBytes.
func Decode(name string, r io.Reader) ([]Document, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, fileError(name, err)
	}
	docs, errs := decode(name, data)
	return docs, errors.Join(errs...)
}

func decode(name string, data []byte) ([]Document, []error) {
	// A byte order mark would hide a "---" on the first line.
	data = bytes.TrimPrefix(data, []byte("\ufeff"))
	d := decoder{file: name}
	if looksLikeJSON(data) {
		d.jsonStream(data)
	} else {
		for _, s := range splitYAML(data) {
			d.yamlDoc(s)
		}
	}
	return d.docs, d.errs
}

// looksLikeJSON makes the same call as kubectl's YAMLOrJSONDecoder, so that
// a stream kubectl treats as JSON is not accepted here under YAML's looser
// rules (or the reverse). kubectl only looks for '{'; a top-level '[' fails
// there either way, and taking it as JSON lets the error say "array".
func looksLikeJSON(data []byte) bool {
	trimmed := bytes.TrimLeft(data, " \t\r\n")
	return len(trimmed) > 0 && (trimmed[0] == '{' || trimmed[0] == '[')
}

type decoder struct {
	file string
	json bool // words errors in JSON's vocabulary (object, array)
	docs []Document
	errs []error
}

func (d *decoder) fail(index, item, line int, err error) {
	d.errs = append(d.errs, &Error{File: d.file, Index: index, Item: item, Line: line, Err: err})
}

// segment is one YAML document of a stream, cut out before parsing so that
// its position is known even when it fails to parse.
type segment struct {
	index int
	line  int // line of data[0] in the stream
	data  []byte
	blank bool // only blank and comment lines: nothing to parse
}

// splitYAML cuts a stream at document markers ("---" and "..." at column
// 0, followed by whitespace, a comment or the end of the line). The YAML
// spec forbids these markers inside any scalar, so cutting here agrees with
// a real parser, and sigs.k8s.io/yaml (which only decodes the first
// document it sees) never gets more than one.
func splitYAML(data []byte) []segment {
	var (
		segs     []segment
		index    int
		start    int    // offset where the current document's text starts
		line     = 1    // line number at start
		explicit bool   // opened by "---": counts even when empty
		content  bool   // has something besides blank lines, comments and directives
		blank    = true // has nothing besides blank lines and comments
	)
	flush := func(end int) {
		if explicit || content {
			segs = append(segs, segment{index: index, line: line, data: data[start:end], blank: blank})
			index++
		}
	}
	lineNo := 0
	for off := 0; off < len(data); {
		next := len(data)
		if i := bytes.IndexByte(data[off:], '\n'); i >= 0 {
			next = off + i + 1
		}
		lineNo++
		text := bytes.TrimRight(data[off:next], "\r\n")
		switch {
		case isMarker(text, "---"):
			flush(off)
			explicit, content, blank = true, false, true
			if rest := bytes.TrimLeft(text[3:], " \t"); len(rest) > 0 && rest[0] != '#' {
				// "--- value": the document starts on the marker line; keep
				// the marker so the parser sees valid YAML.
				start, line, content, blank = off, lineNo, true, false
			} else {
				start, line = next, lineNo+1
			}
		case isMarker(text, "..."):
			flush(off)
			explicit, content, blank = false, false, true
			start, line = next, lineNo+1
		case content:
			// Already known to need parsing.
		case isComment(text):
			blank = blank && isPlainComment(text)
		case text[0] == '%':
			// Directives (%YAML, %TAG) only make sense before a "---", so a
			// preamble of directives is not a document of its own.
			blank = false
		default:
			blank, content = false, true
		}
		off = next
	}
	flush(len(data))
	return segs
}

func isMarker(text []byte, marker string) bool {
	rest, ok := bytes.CutPrefix(text, []byte(marker))
	// '#' right after the marker is not YAML, but kubectl splits there, and
	// agreeing with kubectl on where documents are matters more.
	return ok && (len(rest) == 0 || rest[0] == ' ' || rest[0] == '\t' || rest[0] == '#')
}

// isComment reports whether a line is blank or a comment for the YAML
// parser too. The parser also breaks lines at CR, NEL, LS and PS, so a
// "comment" containing one of those may hide content after it, and treating
// it as blank would skip content that kubectl applies.
func isComment(text []byte) bool {
	t := bytes.TrimLeft(text, " \t")
	if len(t) == 0 {
		return true
	}
	return t[0] == '#' && !bytes.ContainsAny(t, "\r\u0085\u2028\u2029")
}

// isPlainComment is a stricter isComment: true only for lines the parser is
// certain to accept and ignore (it rejects e.g. control characters and
// invalid UTF-8 even in comments, and tab-only lines), so that skipping the
// parser for blank documents changes nothing but speed.
func isPlainComment(text []byte) bool {
	t := bytes.TrimLeft(text, " ")
	if len(t) == 0 {
		return true
	}
	if t[0] != '#' {
		return false
	}
	for _, c := range t {
		if (c < 0x20 && c != '\t') || c >= 0x7f {
			return false
		}
	}
	return true
}

func (d *decoder) yamlDoc(s segment) {
	if s.blank {
		// Saves a parser run per empty document, which adds up in streams
		// of thousands of "---".
		return
	}
	js, err := yaml.YAMLToJSON(s.data)
	if err != nil {
		d.fail(s.index, -1, s.line, yamlError(err, s.line))
		return
	}
	v, err := decodeJSON(js)
	if err != nil {
		d.fail(s.index, -1, s.line, err)
		return
	}
	d.add(s.index, s.line, v)
}

// yamlError rewrites the parser's line numbers, which count from the start
// of the segment, into lines of the file, and folds multi-line messages
// ("yaml: unmarshal errors:\n  line 3: ...") onto one line.
func yamlError(err error, first int) error {
	msg := strings.TrimPrefix(err.Error(), "error converting YAML to JSON: ")
	var b strings.Builder
	for _, part := range strings.Split(msg, "\n") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		for _, prefix := range []string{"yaml: line ", "line "} {
			if rest, ok := strings.CutPrefix(part, prefix); ok {
				part = prefix + shiftLine(rest, first)
				break
			}
		}
		if b.Len() > 0 {
			if strings.HasSuffix(b.String(), ":") {
				b.WriteString(" ")
			} else {
				b.WriteString("; ")
			}
		}
		b.WriteString(part)
	}
	return errors.New(b.String())
}

func shiftLine(s string, first int) string {
	num, rest, ok := strings.Cut(s, ":")
	n, err := strconv.Atoi(num)
	if !ok || err != nil {
		return s
	}
	return strconv.Itoa(n+first-1) + ":" + rest
}

func decodeJSON(js []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(js))
	dec.UseNumber()
	var v any
	err := dec.Decode(&v)
	return v, err
}

// jsonStream decodes concatenated JSON values, each its own document, as
// kubectl does for input starting with '{'.
func (d *decoder) jsonStream(data []byte) {
	d.json = true
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	lines := lineCounter{data: data}
	for index := 0; ; index++ {
		start := int(dec.InputOffset())
		for start < len(data) && isJSONSpace(data[start]) {
			start++
		}
		if start == len(data) {
			return
		}
		line := lines.at(start)
		var v any
		if err := dec.Decode(&v); err != nil {
			off := len(data) // io.ErrUnexpectedEOF: the input ended mid-value
			var se *json.SyntaxError
			if errors.As(err, &se) {
				off = int(se.Offset)
			}
			d.fail(index, -1, line, fmt.Errorf("json: line %d: %v", lines.at(off), err))
			// The decoder cannot resynchronise after a syntax error.
			return
		}
		d.add(index, line, v)
	}
}

func isJSONSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\r' || c == '\n'
}

// lineCounter maps offsets to lines without rescanning from the start for
// every document, which would be quadratic in large streams.
type lineCounter struct {
	data []byte
	off  int
	line int
}

func (c *lineCounter) at(off int) int {
	off = min(max(off, 0), len(c.data))
	if off < c.off {
		c.off, c.line = 0, 0
	}
	c.line += bytes.Count(c.data[c.off:off], []byte("\n"))
	c.off = off
	return c.line + 1
}

// add turns one decoded document into Documents, expanding Lists.
func (d *decoder) add(index, line int, v any) {
	want := d.describe(map[string]any{})
	if v == nil {
		return // empty or comment-only document
	}
	obj, ok := v.(map[string]any)
	if !ok {
		err := fmt.Errorf("document is %s, not %s", d.describe(v), want)
		if _, isSeq := v.([]any); isSeq {
			err = fmt.Errorf("%w; to group objects use kind: List with items", err)
		}
		d.fail(index, -1, line, err)
		return
	}
	if err := d.checkTypeMeta(obj); err != nil {
		d.fail(index, -1, line, err)
		return
	}
	items, isList, err := d.listItems(obj)
	if err != nil {
		d.fail(index, -1, line, err)
		return
	}
	if !isList {
		d.emit(index, -1, line, obj)
		return
	}
	for i, it := range items {
		item, ok := it.(map[string]any)
		if !ok {
			d.fail(index, i, line, fmt.Errorf("item is %s, not %s", d.describe(it), want))
			continue
		}
		if err := d.checkTypeMeta(item); err != nil {
			d.fail(index, i, line, err)
			continue
		}
		// kubectl does not flatten recursively either; passing the inner List
		// through would hide its items from every policy.
		if _, nested, _ := d.listItems(item); nested {
			d.fail(index, i, line, errors.New("nested List is not supported"))
			continue
		}
		d.emit(index, i, line, item)
	}
}

func (d *decoder) emit(index, item, line int, obj map[string]any) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	// Raw feeds policy engines, not HTML; keep "<" and "&" readable.
	enc.SetEscapeHTML(false)
	if err := enc.Encode(obj); err != nil {
		d.fail(index, item, line, err)
		return
	}
	d.docs = append(d.docs, Document{
		File:   d.file,
		Index:  index,
		Item:   item,
		Line:   line,
		Object: obj,
		Raw:    bytes.TrimSuffix(buf.Bytes(), []byte("\n")),
	})
}

func (d *decoder) checkTypeMeta(obj map[string]any) error {
	var missing []string
	for _, key := range []string{"apiVersion", "kind"} {
		switch v := obj[key].(type) {
		case string:
			if v == "" {
				missing = append(missing, key)
			}
		case nil:
			missing = append(missing, key)
		default:
			return fmt.Errorf("%s is %s, not a string", key, d.describe(v))
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("missing %s", strings.Join(missing, " and "))
	}
	return nil
}

// listItems recognises Lists the way kubectl does for unstructured input: a
// kind ending in "List" with an items field, whatever the apiVersion (v1
// List from `kubectl get -o yaml`, or typed lists like
// networking.k8s.io/v1 IngressList).
func (d *decoder) listItems(obj map[string]any) (items []any, isList bool, err error) {
	kind, _ := obj["kind"].(string)
	raw, has := obj["items"]
	if !strings.HasSuffix(kind, "List") || !has {
		return nil, false, nil
	}
	switch v := raw.(type) {
	case nil:
		return nil, true, nil
	case []any:
		return v, true, nil
	default:
		return nil, true, fmt.Errorf("items is %s, not %s", d.describe(v), d.describe([]any{}))
	}
}

func (d *decoder) describe(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case map[string]any:
		if d.json {
			return "an object"
		}
		return "a mapping"
	case []any:
		if d.json {
			return "an array"
		}
		return "a sequence"
	case string:
		return "a string"
	case bool:
		return "a boolean"
	case json.Number, float64:
		return "a number"
	default:
		return fmt.Sprintf("%T", v)
	}
}
