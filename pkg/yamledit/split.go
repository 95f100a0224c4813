package yamledit

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/apiguard/apiguard/internal/yamlstream"
)

// bom is kept out of the documents (it would hide a "---" on the first
// line, as in pkg/manifest) and put back in front of the output.
var bom = []byte("\ufeff")

// segment is one document of a stream: src[start:end], with line being the
// 1-based line of src[start]. It mirrors pkg/manifest's segment so that
// Index means the same thing in both packages.
type segment struct {
	index      int
	start, end int
	line       int
	blank      bool // only blank lines and comments: no object in it
}

// splitYAML cuts a YAML stream into documents with pkg/manifest's counting
// rules: every "---" line starts a document (even an empty one), text before
// the first "---" or after a "..." is a document only when it has content,
// and "--- value" starts the document on the marker line itself.
func splitYAML(data []byte) []segment {
	var segs []segment
	index, start, line := 0, 0, 1
	explicit, content, blank := false, false, true
	flush := func(end int) {
		if explicit || content {
			segs = append(segs, segment{index: index, start: start, end: end, line: line, blank: blank})
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
		case yamlstream.IsMarker(text, "---"):
			flush(off)
			explicit, content, blank = true, false, true
			if rest := bytes.TrimLeft(text[3:], " \t"); len(rest) > 0 && rest[0] != '#' {
				start, line, content, blank = off, lineNo, true, false
			} else {
				start, line = next, lineNo+1
			}
		case yamlstream.IsMarker(text, "..."):
			flush(off)
			explicit, content, blank = false, false, true
			start, line = next, lineNo+1
		case content:
		case yamlstream.IsComment(text):
			blank = blank && yamlstream.IsPlainComment(text)
		case text[0] == '%':
			blank = false
		default:
			blank, content = false, true
		}
		off = next
	}
	flush(len(data))
	return segs
}

// splitJSON finds the byte range of every value in a JSON stream. Like
// kubectl, it cannot go on after a syntax error; the documents before it
// are returned with the error.
func splitJSON(data []byte) ([]segment, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	var segs []segment
	line, counted := 1, 0 // counted: offset up to which line is known
	for index := 0; ; index++ {
		start := int(dec.InputOffset())
		for start < len(data) && yamlstream.IsJSONSpace(data[start]) {
			start++
		}
		if start == len(data) {
			return segs, nil
		}
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return segs, fmt.Errorf("document %d: %w", index, err)
		}
		line += bytes.Count(data[counted:start], []byte("\n"))
		counted = start
		segs = append(segs, segment{index: index, start: start, end: int(dec.InputOffset()), line: line})
	}
}

// findSegment returns the document with the given index.
func findSegment(segs []segment, index int) (segment, bool) {
	for _, s := range segs {
		if s.index == index {
			return s, true
		}
	}
	return segment{}, false
}

var errNotFound = errors.New("document not found")
