package yamledit

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// plainString reports whether s can be written without quotes and still be
// read back as the same string by both YAML 1.1 (kubectl's decoder) and
// YAML 1.2 (the parser used here). The rule is deliberately narrow: quoting
// a string that did not need it costs nothing, the reverse turns "true"
// into a boolean or "0777" into 511.
func plainString(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', c == '_', c == '/':
		case i > 0 && ('0' <= c && c <= '9' || c == '.' || c == '-'):
		default:
			// Digits, '.', '-' and '+' first could make a number; anything
			// else may be a YAML indicator.
			return false
		}
	}
	switch strings.ToLower(s) {
	case "y", "n", "yes", "no", "true", "false", "on", "off", "null":
		return false
	}
	return true
}

// quote writes s as a YAML double-quoted scalar. Characters YAML does not
// allow raw, and line breaks that would be folded, are escaped.
func quote(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			r = '\uFFFD' // as encoding/json does for invalid UTF-8
		}
		i += size
		switch {
		case r == '"':
			b.WriteString(`\"`)
		case r == '\\':
			b.WriteString(`\\`)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\t':
			b.WriteString(`\t`)
		case r == '\r':
			b.WriteString(`\r`)
		case r < 0x20 || 0x7F <= r && r <= 0x9F:
			fmt.Fprintf(&b, `\x%02X`, r)
		case r == 0x2028 || r == 0x2029 || r == 0xFEFF || r == 0xFFFE || r == 0xFFFF:
			fmt.Fprintf(&b, `\u%04X`, r)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}

func str(s string) string {
	if plainString(s) {
		return s
	}
	return quote(s)
}

// scalar renders a JSON scalar so that it reads back as the same JSON value.
func scalar(v any) (string, error) {
	switch v := v.(type) {
	case nil:
		return "null", nil
	case bool:
		return strconv.FormatBool(v), nil
	case string:
		return str(v), nil
	case json.Number:
		// JSON number syntax is also a YAML 1.1 and 1.2 number; anything
		// else in a json.Number would be written as a string by mistake.
		if !jsonNumber(string(v)) {
			return "", fmt.Errorf("invalid number %q", string(v))
		}
		// YAML decoders read a number too large for a float64 as a string.
		if _, err := strconv.ParseFloat(string(v), 64); err != nil {
			return "", fmt.Errorf("number %s is out of range", v)
		}
		return string(v), nil
	case float64:
		if math.IsInf(v, 0) || math.IsNaN(v) {
			return "", fmt.Errorf("number %v has no JSON form", v)
		}
		return strconv.FormatFloat(v, 'g', -1, 64), nil
	case float32:
		return scalar(float64(v))
	case int, int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64:
		return fmt.Sprint(v), nil
	}
	return "", fmt.Errorf("unsupported value type %T", v)
}

// jsonNumber checks RFC 8259 number syntax.
func jsonNumber(s string) bool {
	i := 0
	digits := func() int {
		n := 0
		for i < len(s) && '0' <= s[i] && s[i] <= '9' {
			i++
			n++
		}
		return n
	}
	if i < len(s) && s[i] == '-' {
		i++
	}
	if i < len(s) && s[i] == '0' {
		i++
	} else if digits() == 0 {
		return false
	}
	if i < len(s) && s[i] == '.' {
		i++
		if digits() == 0 {
			return false
		}
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		if digits() == 0 {
			return false
		}
	}
	return i == len(s)
}

// layout is how a file indents: step for nested mappings, seq for the "-"
// of a sequence relative to its key (0 for kubectl's indentless style).
type layout struct {
	step, seq int
}

var defaultLayout = layout{step: 2, seq: 0}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	// Values come from JSON objects, which have no order; sorting makes the
	// output reproducible.
	slices.Sort(keys)
	return keys
}

// inline reports values written on the line of their key or "-".
func inline(v any) bool {
	switch v := v.(type) {
	case map[string]any:
		return len(v) == 0
	case []any:
		return len(v) == 0
	}
	return true
}

// flow renders v on one line, in flow style.
func flow(v any) (string, error) {
	switch v := v.(type) {
	case map[string]any:
		parts := make([]string, 0, len(v))
		for _, k := range sortedKeys(v) {
			s, err := flow(v[k])
			if err != nil {
				return "", err
			}
			parts = append(parts, str(k)+": "+s)
		}
		return "{" + strings.Join(parts, ", ") + "}", nil
	case []any:
		parts := make([]string, 0, len(v))
		for _, e := range v {
			s, err := flow(e)
			if err != nil {
				return "", err
			}
			parts = append(parts, s)
		}
		return "[" + strings.Join(parts, ", ") + "]", nil
	}
	return scalar(v)
}

// entry renders "key: value" in block style with the key at indent.
func (l layout) entry(b *strings.Builder, key string, v any, indent int) error {
	b.WriteString(strings.Repeat(" ", indent))
	b.WriteString(str(key))
	b.WriteString(":")
	return l.value(b, v, indent)
}

// value renders what follows "key:" whose key is at indent: an inline
// value on the same line, or a block collection on the next lines.
func (l layout) value(b *strings.Builder, v any, indent int) error {
	if inline(v) {
		s, err := flow(v)
		if err != nil {
			return err
		}
		b.WriteString(" " + s + "\n")
		return nil
	}
	b.WriteString("\n")
	return l.children(b, v, indent)
}

// children renders the entries or items of a non-empty collection that is
// the value of a key at indent.
func (l layout) children(b *strings.Builder, v any, indent int) error {
	switch v := v.(type) {
	case map[string]any:
		for _, k := range sortedKeys(v) {
			if err := l.entry(b, k, v[k], indent+l.step); err != nil {
				return err
			}
		}
	case []any:
		for _, e := range v {
			if err := l.item(b, e, indent+l.seq); err != nil {
				return err
			}
		}
	}
	return nil
}

// item renders "- value" with the dash at indent. A collection starts on
// the dash line ("- name: x"), its other lines two columns in.
func (l layout) item(b *strings.Builder, v any, indent int) error {
	if inline(v) {
		s, err := flow(v)
		if err != nil {
			return err
		}
		b.WriteString(strings.Repeat(" ", indent) + "- " + s + "\n")
		return nil
	}
	var inner strings.Builder
	switch v := v.(type) {
	case map[string]any:
		for _, k := range sortedKeys(v) {
			if err := l.entry(&inner, k, v[k], indent+2); err != nil {
				return err
			}
		}
	case []any:
		for _, e := range v {
			if err := l.item(&inner, e, indent+2); err != nil {
				return err
			}
		}
	}
	b.WriteString(strings.Repeat(" ", indent) + "- ")
	b.WriteString(inner.String()[indent+2:])
	return nil
}
