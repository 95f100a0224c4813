package yamledit

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

var pointerUnescape = strings.NewReplacer("~1", "/", "~0", "~")

// parsePointer splits an RFC 6901 JSON pointer into its reference tokens.
// The empty pointer (the whole document) is not a place an add can go.
func parsePointer(p string) ([]string, error) {
	if !strings.HasPrefix(p, "/") {
		return nil, fmt.Errorf("path %q is not a JSON pointer below the document root", p)
	}
	if !utf8.ValidString(p) {
		// JSON would turn the bad bytes into U+FFFD, and the key would no
		// longer be the one the path names.
		return nil, fmt.Errorf("path %q is not valid UTF-8", p)
	}
	tokens := strings.Split(p[1:], "/")
	for i, tok := range tokens {
		tokens[i] = pointerUnescape.Replace(tok)
	}
	return tokens, nil
}

// arrayIndex reads a token used on an array. json-patch takes whatever
// strconv.Atoi takes, and reads "-1" as the last element; only the plain
// forms are accepted here, so that no token means something different to
// the editor than to the engine.
func arrayIndex(tok string) (int, bool, error) {
	if tok == "-" {
		return 0, true, nil
	}
	n, err := strconv.Atoi(tok)
	if err != nil {
		return 0, false, fmt.Errorf("%q is not an array index", tok)
	}
	if n < 0 || strconv.Itoa(n) != tok {
		return 0, false, unsupported("array index %q", tok)
	}
	return n, false, nil
}

// fieldPart is one step of a field path for FieldLine.
type fieldPart struct {
	name   string
	index  int  // >= 0 for "[n]"
	quoted bool // ["a.b"]: a key that must not be split at dots
}

// parseField reads a JSON pointer ("/spec/tls/0/hosts") or a dotted path
// ("spec.tls[0].hosts", "metadata.annotations['a.b/c']").
func parseField(field string) ([]fieldPart, error) {
	if field == "" {
		return nil, nil
	}
	if strings.HasPrefix(field, "/") {
		tokens, err := parsePointer(field)
		if err != nil {
			return nil, err
		}
		parts := make([]fieldPart, len(tokens))
		for i, tok := range tokens {
			// A pointer names keys exactly; numbers are resolved against
			// arrays when the node turns out to be one.
			parts[i] = fieldPart{name: tok, index: -1, quoted: true}
		}
		return parts, nil
	}
	var parts []fieldPart
	s := field
	for s != "" {
		switch {
		case s[0] == '.':
			s = s[1:]
		case s[0] == '[' && len(s) > 1 && (s[1] == '"' || s[1] == '\''):
			// A quoted key may hold dots and brackets.
			closing := strings.IndexByte(s[2:], s[1])
			if closing < 0 || 2+closing+1 >= len(s) || s[2+closing+1] != ']' {
				return nil, fmt.Errorf("field %q: bad quoted key", field)
			}
			parts = append(parts, fieldPart{name: s[2 : 2+closing], index: -1, quoted: true})
			s = s[2+closing+2:]
		case s[0] == '[':
			end := strings.IndexByte(s, ']')
			if end < 0 {
				return nil, fmt.Errorf("field %q: unclosed [", field)
			}
			n, err := strconv.Atoi(s[1:end])
			if err != nil || n < 0 {
				return nil, fmt.Errorf("field %q: bad index %s", field, s[:end+1])
			}
			parts = append(parts, fieldPart{name: s[1:end], index: n})
			s = s[end+1:]
		default:
			end := strings.IndexAny(s, ".[")
			if end < 0 {
				end = len(s)
			}
			parts = append(parts, fieldPart{name: s[:end], index: -1})
			s = s[end:]
		}
	}
	return parts, nil
}
