package policy

import (
	"encoding/json"
	"fmt"
	"unicode/utf8"

	"github.com/open-policy-agent/opa/v1/ast"
)

// inputValue builds OPA's value of the input, {"request": <AdmissionRequest>} plus
// "references" when the caller resolved any (Input.References), in one pass over the
// object bytes: the request's fields are turned into OPA values straight from the
// decoded struct (requestValue), and the object and old object, which are nearly all of
// a request's size, are parsed straight from their raw bytes. The first path (marshal
// the whole request, copy it into a string, decode that into map[string]any, then
// convert the maps) held three copies of the object and a generic tree besides the OPA
// value at its peak: about 70 times the body size per request (issue 14).
func inputValue(in Input) (ast.Value, error) {
	p := rawParser{keys: map[string]*ast.Term{}}
	req, err := requestValue(in.Request, &p)
	if err != nil {
		return nil, err
	}
	top := ast.NewObject(ast.Item(ast.InternedTerm("request"), ast.NewTerm(req)))
	if in.References != nil {
		refs, err := ast.InterfaceToValue(in.References)
		if err != nil {
			return nil, fmt.Errorf("encode references: %w", err)
		}
		top.Insert(ast.InternedTerm("references"), ast.NewTerm(refs))
	}
	return top, nil
}

// maxRawDepth bounds nesting in parsed objects; the admission handler refuses deeper ones
// (DefaultMaxObjectDepth) before they get here, so this only guards other callers against
// exhausting the stack.
const maxRawDepth = 10000

// rawParser turns JSON bytes into OPA values without an intermediate Go tree. Object keys
// repeat across a large object (every path has "path", "pathType", "backend"), so each
// distinct key is one shared term: OPA never mutates a term it is given, and interns its
// own the same way.
type rawParser struct {
	data  []byte
	pos   int
	depth int
	keys  map[string]*ast.Term
}

func (p *rawParser) parse(b []byte) (ast.Value, error) {
	p.data, p.pos, p.depth = b, 0, 0
	v, err := p.value()
	if err != nil {
		return nil, err
	}
	p.space()
	if p.pos != len(p.data) {
		return nil, p.errorf("unexpected data after the value")
	}
	return v, nil
}

func (p *rawParser) errorf(format string, args ...any) error {
	return fmt.Errorf("invalid JSON at offset %d: %s", p.pos, fmt.Sprintf(format, args...))
}

func (p *rawParser) space() {
	for p.pos < len(p.data) {
		switch p.data[p.pos] {
		case ' ', '\t', '\n', '\r':
			p.pos++
		default:
			return
		}
	}
}

func (p *rawParser) term() (*ast.Term, error) {
	p.space()
	if p.pos < len(p.data) && p.data[p.pos] == '"' {
		s, err := p.str()
		if err != nil {
			return nil, err
		}
		return p.stringTerm(s), nil
	}
	v, err := p.value()
	if err != nil {
		return nil, err
	}
	return ast.NewTerm(v), nil
}

func (p *rawParser) value() (ast.Value, error) {
	p.space()
	if p.pos >= len(p.data) {
		return nil, p.errorf("unexpected end of input")
	}
	switch c := p.data[p.pos]; {
	case c == '{':
		return p.object()
	case c == '[':
		return p.array()
	case c == '"':
		s, err := p.str()
		if err != nil {
			return nil, err
		}
		return ast.String(s), nil
	case c == 't':
		return p.literal("true", ast.Boolean(true))
	case c == 'f':
		return p.literal("false", ast.Boolean(false))
	case c == 'n':
		return p.literal("null", ast.Null{})
	case c == '-' || (c >= '0' && c <= '9'):
		return p.number()
	default:
		return nil, p.errorf("unexpected character %q", c)
	}
}

func (p *rawParser) literal(word string, v ast.Value) (ast.Value, error) {
	if len(p.data)-p.pos < len(word) || string(p.data[p.pos:p.pos+len(word)]) != word {
		return nil, p.errorf("invalid literal")
	}
	p.pos += len(word)
	return v, nil
}

func (p *rawParser) enter() error {
	p.depth++
	if p.depth > maxRawDepth {
		return p.errorf("nested more than %d levels deep", maxRawDepth)
	}
	return nil
}

func (p *rawParser) object() (ast.Value, error) {
	if err := p.enter(); err != nil {
		return nil, err
	}
	p.pos++ // {
	var items [][2]*ast.Term
	p.space()
	if p.pos < len(p.data) && p.data[p.pos] == '}' {
		p.pos++
		p.depth--
		return ast.NewObject(), nil
	}
	for {
		p.space()
		if p.pos >= len(p.data) || p.data[p.pos] != '"' {
			return nil, p.errorf("expected an object key")
		}
		k, err := p.str()
		if err != nil {
			return nil, err
		}
		key := p.stringTerm(k)
		p.space()
		if p.pos >= len(p.data) || p.data[p.pos] != ':' {
			return nil, p.errorf("expected ':' after an object key")
		}
		p.pos++
		v, err := p.term()
		if err != nil {
			return nil, err
		}
		items = append(items, [2]*ast.Term{key, v})
		p.space()
		if p.pos >= len(p.data) {
			return nil, p.errorf("unexpected end of input in an object")
		}
		switch p.data[p.pos] {
		case ',':
			p.pos++
			continue
		case '}':
			p.pos++
			p.depth--
			return newObject(items), nil
		default:
			return nil, p.errorf("expected ',' or '}' in an object")
		}
	}
}

// newObject builds an object from items; a repeated key keeps its last value, as
// encoding/json does when it decodes into a map (ast.NewObject would keep both).
func newObject(items [][2]*ast.Term) ast.Object {
	if hasDuplicateKey(items) {
		obj := ast.NewObjectWithCapacity(len(items))
		for _, kv := range items {
			obj.Insert(kv[0], kv[1])
		}
		return obj
	}
	return ast.NewObject(items...)
}

func hasDuplicateKey(items [][2]*ast.Term) bool {
	if len(items) <= 16 {
		for i := range items {
			for j := range i {
				if items[i][0].Value.Compare(items[j][0].Value) == 0 {
					return true
				}
			}
		}
		return false
	}
	seen := make(map[ast.String]struct{}, len(items))
	for _, kv := range items {
		k, _ := kv[0].Value.(ast.String)
		if _, dup := seen[k]; dup {
			return true
		}
		seen[k] = struct{}{}
	}
	return false
}

func (p *rawParser) array() (ast.Value, error) {
	if err := p.enter(); err != nil {
		return nil, err
	}
	p.pos++ // [
	var elems []*ast.Term
	p.space()
	if p.pos < len(p.data) && p.data[p.pos] == ']' {
		p.pos++
		p.depth--
		return ast.NewArray(), nil
	}
	for {
		v, err := p.term()
		if err != nil {
			return nil, err
		}
		elems = append(elems, v)
		p.space()
		if p.pos >= len(p.data) {
			return nil, p.errorf("unexpected end of input in an array")
		}
		switch p.data[p.pos] {
		case ',':
			p.pos++
		case ']':
			p.pos++
			p.depth--
			return ast.NewArray(elems...), nil
		default:
			return nil, p.errorf("expected ',' or ']' in an array")
		}
	}
}

// str reads a string. One without escapes in valid UTF-8 is copied once from the bytes;
// any other is decoded by encoding/json, so escapes and invalid bytes mean exactly what
// they mean to every other decoder in the path.
func (p *rawParser) str() (string, error) {
	start := p.pos
	p.pos++ // opening quote
	plain := true
	for p.pos < len(p.data) {
		c := p.data[p.pos]
		switch {
		case c == '"':
			p.pos++
			body := p.data[start+1 : p.pos-1]
			if plain || utf8.Valid(body) && !containsByte(body, '\\') {
				return string(body), nil
			}
			var s string
			if err := json.Unmarshal(p.data[start:p.pos], &s); err != nil {
				return "", p.errorf("invalid string: %v", err)
			}
			return s, nil
		case c == '\\':
			plain = false
			p.pos += 2
			continue
		case c < 0x20:
			return "", p.errorf("control character in a string")
		case c >= utf8.RuneSelf:
			plain = false
		}
		p.pos++
	}
	return "", p.errorf("unterminated string")
}

func containsByte(b []byte, c byte) bool {
	for _, x := range b {
		if x == c {
			return true
		}
	}
	return false
}

// term returns the term of a string value; short ones, which repeat ("Prefix", "TCP",
// a Service name), are shared like keys.
func (p *rawParser) stringTerm(s string) *ast.Term {
	if len(s) > 32 {
		return ast.StringTerm(s)
	}
	t, ok := p.keys[s]
	if !ok {
		t = ast.InternedTerm(s)
		p.keys[s] = t
	}
	return t
}

// number reads a JSON number and keeps its literal text, as OPA's own JSON decoding does
// (json.Number), so large and precise numbers stay exact.
func (p *rawParser) number() (ast.Value, error) {
	start := p.pos
	if p.data[p.pos] == '-' {
		p.pos++
	}
	digits := func() int {
		n := 0
		for p.pos < len(p.data) && p.data[p.pos] >= '0' && p.data[p.pos] <= '9' {
			p.pos++
			n++
		}
		return n
	}
	switch {
	case p.pos < len(p.data) && p.data[p.pos] == '0':
		p.pos++
	case digits() == 0:
		return nil, p.errorf("invalid number")
	}
	if p.pos < len(p.data) && p.data[p.pos] == '.' {
		p.pos++
		if digits() == 0 {
			return nil, p.errorf("invalid number")
		}
	}
	if p.pos < len(p.data) && (p.data[p.pos] == 'e' || p.data[p.pos] == 'E') {
		p.pos++
		if p.pos < len(p.data) && (p.data[p.pos] == '+' || p.data[p.pos] == '-') {
			p.pos++
		}
		if digits() == 0 {
			return nil, p.errorf("invalid number")
		}
	}
	lit := string(p.data[start:p.pos])
	if t := ast.InternedIntNumberTermFromString(lit); t != nil {
		return t.Value, nil
	}
	return ast.Number(lit), nil
}
