package yamledit

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
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

// looksLikeJSON is pkg/manifest's test for a JSON stream.
func looksLikeJSON(data []byte) bool {
	t := bytes.TrimLeft(data, " \t\r\n")
	return len(t) > 0 && (t[0] == '{' || t[0] == '[')
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
		case markerLine(text, "---"):
			flush(off)
			explicit, content, blank = true, false, true
			if rest := bytes.TrimLeft(text[3:], " \t"); len(rest) > 0 && rest[0] != '#' {
				start, line, content, blank = off, lineNo, true, false
			} else {
				start, line = next, lineNo+1
			}
		case markerLine(text, "..."):
			flush(off)
			explicit, content, blank = false, false, true
			start, line = next, lineNo+1
		case content:
		case commentLine(text):
			blank = blank && plainComment(text)
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

func markerLine(text []byte, marker string) bool {
	rest, ok := bytes.CutPrefix(text, []byte(marker))
	return ok && (len(rest) == 0 || rest[0] == ' ' || rest[0] == '\t' || rest[0] == '#')
}

// commentLine reports a blank or comment line. A CR, NEL, LS or PS inside
// it is a line break to the YAML parser, so such a line may hide content.
func commentLine(text []byte) bool {
	t := bytes.TrimLeft(text, " \t")
	return len(t) == 0 || t[0] == '#' && !bytes.ContainsAny(t, "\r\u0085\u2028\u2029")
}

// plainComment is the stricter test pkg/manifest uses to skip the parser
// for comment-only documents; it decides whether a document is blank.
func plainComment(text []byte) bool {
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

// splitJSON finds the byte range of every value in a JSON stream. Like
// kubectl, it cannot go on after a syntax error; the documents before it
// are returned with the error.
func splitJSON(data []byte) ([]segment, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	var segs []segment
	line, counted := 1, 0 // counted: offset up to which line is known
	for index := 0; ; index++ {
		start := int(dec.InputOffset())
		for start < len(data) && isJSONSpace(data[start]) {
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

func isJSONSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\r' || c == '\n'
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
