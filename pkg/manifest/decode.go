package manifest

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/apiguard/apiguard/internal/yamlstream"
	"sigs.k8s.io/yaml"
)

// Decode splits and decodes one stream named name (used in Documents and
// errors). Like Read it returns every Document it could decode along with
// all problems joined (each a *Error). Decode reads all of r without a size
// limit; Read applies Options.MaxFileBytes.
func Decode(name string, r io.Reader) ([]Document, error) {
	docs, errs := split(decodeStream(name, bufio.NewReaderSize(r, peekBytes), false))
	return docs, errors.Join(errs...)
}

// split separates entries into their documents and their errors.
func split(entries []Entry) ([]Document, []error) {
	var (
		docs []Document
		errs []error
	)
	for _, e := range entries {
		if e.Err != nil {
			errs = append(errs, e.Err)
		} else {
			docs = append(docs, *e.Document)
		}
	}
	return docs, errs
}

// peekBytes is how far ahead the decoder looks to tell JSON from YAML and
// binary from text; it is also the read buffer size.
const peekBytes = 64 << 10

// decodeStream decodes documents as it reads them, so a large file is never
// held in memory whole next to its decoded objects: only the document being
// decoded is buffered.
func decodeStream(name string, r *bufio.Reader, dropObjects bool) []Entry {
	d := decoder{file: name, dropObjects: dropObjects}
	// A byte order mark would hide a "---" on the first line.
	if bom, _ := r.Peek(3); bytes.Equal(bom, []byte("\ufeff")) {
		_, _ = r.Discard(3)
	}
	head, _ := r.Peek(peekBytes)
	var err error
	if yamlstream.LooksLikeJSON(head) {
		d.jsonStream(r)
	} else {
		err = splitYAML(r, d.yamlDoc)
	}
	if err != nil {
		d.out = append(d.out, Entry{Err: fileError(name, err)})
	}
	return d.out
}

// IsBinary reports whether the start of a file looks like binary data rather
// than text: a NUL byte, as git and diff decide. No manifest contains one
// (YAML forbids it, JSON only allows it escaped).
func IsBinary(head []byte) bool { return bytes.IndexByte(head, 0) >= 0 }

type decoder struct {
	file string
	// dropObjects leaves Document.Object nil: Raw alone is kept (see Options.DropObjects).
	dropObjects bool
	json        bool // words errors in JSON's vocabulary (object, array)
	// out holds documents and errors in input order, so a report lists a bad document
	// where it stands.
	out []Entry
}

func (d *decoder) fail(index, item, line int, err error) {
	d.out = append(d.out, Entry{Err: &Error{File: d.file, Index: index, Item: item, Line: line, Err: err}})
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
// 0, followed by whitespace, a comment or the end of the line) and hands
// each document to emit as soon as it ends. The YAML spec forbids these
// markers inside any scalar, so cutting here agrees with a real parser, and
// sigs.k8s.io/yaml (which only decodes the first document it sees) never
// gets more than one. emit must not keep seg.data: its buffer is reused.
func splitYAML(r *bufio.Reader, emit func(seg segment)) error {
	var (
		cur      []byte // the current document's text
		index    int
		line     = 1    // line number of cur's first line
		explicit bool   // opened by "---": counts even when empty
		content  bool   // has something besides blank lines, comments and directives
		blank    = true // has nothing besides blank lines and comments
		lineNo   int
		text     []byte
	)
	flush := func() {
		if explicit || content {
			emit(segment{index: index, line: line, data: cur, blank: blank})
			index++
		}
		cur = cur[:0]
	}
	for {
		raw, err := readLine(r, text[:0])
		text = raw
		if len(raw) == 0 && err != nil {
			if err == io.EOF {
				flush()
				return nil
			}
			return err
		}
		lineNo++
		trimmed := bytes.TrimRight(raw, "\r\n")
		switch {
		case yamlstream.IsMarker(trimmed, "---"):
			flush()
			explicit, content, blank = true, false, true
			if rest := bytes.TrimLeft(trimmed[3:], " \t"); len(rest) > 0 && rest[0] != '#' {
				// "--- value": the document starts on the marker line; keep
				// the marker so the parser sees valid YAML.
				cur = append(cur, raw...)
				line, content, blank = lineNo, true, false
			} else {
				line = lineNo + 1
			}
			continue
		case yamlstream.IsMarker(trimmed, "..."):
			flush()
			explicit, content, blank = false, false, true
			line = lineNo + 1
			continue
		case content:
			// Already known to need parsing.
		case yamlstream.IsComment(trimmed):
			blank = blank && yamlstream.IsPlainComment(trimmed)
		case trimmed[0] == '%':
			// Directives (%YAML, %TAG) only make sense before a "---", so a
			// preamble of directives is not a document of its own.
			blank = false
		default:
			blank, content = false, true
		}
		cur = append(cur, raw...)
	}
}

// readLine appends the next line, with its "\n" when there is one, to buf.
// Lines longer than the reader's buffer are joined rather than cut.
func readLine(r *bufio.Reader, buf []byte) ([]byte, error) {
	for {
		part, err := r.ReadSlice('\n')
		buf = append(buf, part...)
		if err != bufio.ErrBufferFull {
			return buf, err
		}
	}
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
func (d *decoder) jsonStream(r io.Reader) {
	d.json = true
	lines := &lineTracker{r: r}
	dec := json.NewDecoder(lines)
	dec.UseNumber()
	for index := 0; ; index++ {
		// More reads up to the next value, so its first byte is in lines.buf
		// and its line is known before decoding it. A stray '}' or ']' makes
		// More say no: Decode below reports it.
		if !dec.More() && !lines.hasContentAfter(dec.InputOffset()) {
			return
		}
		line := lines.at(lines.nextContent(dec.InputOffset()))
		var v any
		if err := dec.Decode(&v); err != nil {
			if errors.Is(err, io.EOF) {
				return
			}
			off := lines.end() // io.ErrUnexpectedEOF: the input ended mid-value
			var se *json.SyntaxError
			if errors.As(err, &se) {
				off = se.Offset
			}
			d.fail(index, -1, line, fmt.Errorf("json: line %d: %v", lines.at(off), err))
			// The decoder cannot resynchronise after a syntax error.
			return
		}
		d.add(index, line, v)
	}
}

// lineTracker passes a stream through to the JSON decoder and maps stream
// offsets to line numbers. It keeps only the bytes after the last offset
// asked about; offsets are asked in increasing order, so memory stays at
// about one document plus the decoder's read-ahead.
type lineTracker struct {
	r    io.Reader
	buf  []byte // stream bytes from base on
	base int64  // stream offset of buf[0]
	line int    // newlines before base
}

func (t *lineTracker) Read(p []byte) (int, error) {
	n, err := t.r.Read(p)
	t.buf = append(t.buf, p[:n]...)
	return n, err
}

// end is the offset just past the bytes read so far.
func (t *lineTracker) end() int64 { return t.base + int64(len(t.buf)) }

// at returns the 1-based line of offset off and forgets the bytes before it.
func (t *lineTracker) at(off int64) int {
	k := int(min(max(off-t.base, 0), int64(len(t.buf))))
	t.line += bytes.Count(t.buf[:k], []byte("\n"))
	t.base += int64(k)
	// Copy down rather than reslice, so the consumed prefix can be freed.
	t.buf = t.buf[:copy(t.buf, t.buf[k:])]
	return t.line + 1
}

// nextContent returns the offset of the first non-space byte at or after off
// among the bytes read so far (or the end of them).
func (t *lineTracker) nextContent(off int64) int64 {
	for i := max(off-t.base, 0); i < int64(len(t.buf)); i++ {
		if !yamlstream.IsJSONSpace(t.buf[i]) {
			return t.base + i
		}
	}
	return t.end()
}

func (t *lineTracker) hasContentAfter(off int64) bool { return t.nextContent(off) < t.end() }

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
	item := 0
	d.flatten(index, line, obj, items, &item)
}

// flatten emits the items of a List, and the items of Lists inside it, numbering them
// in the order met. kubectl flattens nested Lists too (cli-runtime's
// FlattenListVisitor keeps expanding while meta.IsListType holds), so an inner List's
// items are applied and must be judged.
func (d *decoder) flatten(index, line int, list map[string]any, items []any, next *int) {
	want := d.describe(map[string]any{})
	for _, it := range items {
		i := *next
		*next++
		item, ok := it.(map[string]any)
		if !ok {
			d.fail(index, i, line, fmt.Errorf("item is %s, not %s", d.describe(it), want))
			continue
		}
		inferTypeMeta(list, item)
		if err := d.checkTypeMeta(item); err != nil {
			d.fail(index, i, line, err)
			continue
		}
		inner, nested, err := d.listItems(item)
		switch {
		case err != nil:
			d.fail(index, i, line, err)
		case nested:
			d.flatten(index, line, item, inner, next)
		default:
			d.emit(index, i, line, item)
		}
	}
}

// inferTypeMeta gives an item with neither apiVersion nor kind those of its List, as
// kubectl decodes a List (k8s.io/apimachinery unstructured helpers.go decodeToList: an
// API server leaves them out of a typed list's items): the List's apiVersion, and its
// kind without the "List" suffix. The items of a kind: List stay kind-less, an error
// for kubectl ("Object 'Kind' is missing") and here.
func inferTypeMeta(list, item map[string]any) {
	if str(item, "apiVersion") != "" || str(item, "kind") != "" {
		return
	}
	if kind := strings.TrimSuffix(str(list, "kind"), "List"); kind != "" {
		item["apiVersion"], item["kind"] = str(list, "apiVersion"), kind
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
	doc := Document{
		File:   d.file,
		Index:  index,
		Item:   item,
		Line:   line,
		Object: obj,
		Raw:    bytes.TrimSuffix(buf.Bytes(), []byte("\n")),
		meta: &typeMeta{
			apiVersion: str(obj, "apiVersion"),
			kind:       str(obj, "kind"),
			namespace:  str(metadata(obj), "namespace"),
			name:       str(metadata(obj), "name"),
		},
	}
	if d.dropObjects {
		// An exact-size copy: the encoder's buffer may be twice as large.
		doc.Object, doc.Raw = nil, bytes.Clone(doc.Raw)
	}
	d.out = append(d.out, Entry{Document: &doc})
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

// listItems recognises Lists the way kubectl does. kubectl decodes input as
// unstructured objects, and Unstructured.IsList (k8s.io/apimachinery
// pkg/apis/meta/v1/unstructured/unstructured.go) is true for any object whose
// "items" is an array, whatever its kind; FlattenListVisitor then applies the items
// and never the wrapper. Its REST mapper knows "List" in every group version and
// "<Kind>List" for every served kind (k8s.io/client-go restmapper/discovery.go), so
// kind: List, kind: IngressList and even kind: Ingress with items are all expanded.
// Judging the wrapper instead would pass whatever the items hold. A kind ending in
// "List" whose items is null is an empty List; one whose items is not an array is an
// error rather than an object nobody would apply.
func (d *decoder) listItems(obj map[string]any) (items []any, isList bool, err error) {
	kind, _ := obj["kind"].(string)
	raw, has := obj["items"]
	if !has {
		return nil, false, nil
	}
	if v, ok := raw.([]any); ok {
		return v, true, nil
	}
	if !strings.HasSuffix(kind, "List") {
		// Not a list for kubectl either: the object itself is applied, and schema
		// validation judges the stray field.
		return nil, false, nil
	}
	if raw == nil {
		return nil, true, nil
	}
	return nil, true, fmt.Errorf("items is %s, not %s", d.describe(raw), d.describe([]any{}))
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
