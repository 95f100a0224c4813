// Package yamlstream holds the line rules that decide where the documents of a
// manifest stream begin and which are blank. pkg/manifest reads streams with them and
// pkg/yamledit finds the document to edit with them: the two must count documents the
// same way, or --fix would write a patch into the wrong document, so the rules exist
// once, here.
package yamlstream

import "bytes"

// LooksLikeJSON makes the same call as kubectl's YAMLOrJSONDecoder, so that a stream
// kubectl treats as JSON is not accepted under YAML's looser rules (or the reverse).
// kubectl only looks for '{'; a top-level '[' fails there either way, and taking it as
// JSON lets the error say "array". Like kubectl, it looks only at the start of the
// stream.
func LooksLikeJSON(head []byte) bool {
	trimmed := bytes.TrimLeft(head, " \t\r\n")
	return len(trimmed) > 0 && (trimmed[0] == '{' || trimmed[0] == '[')
}

// IsMarker reports whether line starts with the document marker ("---" or "...").
func IsMarker(line []byte, marker string) bool {
	rest, ok := bytes.CutPrefix(line, []byte(marker))
	// '#' right after the marker is not YAML, but kubectl splits there, and agreeing
	// with kubectl on where documents are matters more.
	return ok && (len(rest) == 0 || rest[0] == ' ' || rest[0] == '\t' || rest[0] == '#')
}

// IsComment reports whether a line is blank or a comment for the YAML parser too. The
// parser also breaks lines at CR, NEL, LS and PS, so a "comment" containing one of
// those may hide content after it, and treating it as blank would skip content that
// kubectl applies.
func IsComment(line []byte) bool {
	t := bytes.TrimLeft(line, " \t")
	if len(t) == 0 {
		return true
	}
	return t[0] == '#' && !bytes.ContainsAny(t, "\r\u0085\u2028\u2029")
}

// IsPlainComment is a stricter IsComment: true only for lines the parser is certain to
// accept and ignore (it rejects control characters and invalid UTF-8 even in comments,
// and tab-only lines), so that skipping the parser for blank documents changes nothing
// but speed.
func IsPlainComment(line []byte) bool {
	t := bytes.TrimLeft(line, " ")
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

// IsJSONSpace reports the four whitespace bytes JSON allows between values.
func IsJSONSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\r' || c == '\n'
}
