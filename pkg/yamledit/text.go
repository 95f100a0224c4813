package yamledit

import (
	"sort"
	"unicode/utf8"
)

// lineTable maps the parser's (line, column) positions to byte offsets.
// The parser breaks lines at CR, LF, CRLF, NEL, LS and PS and counts
// columns in characters, so the table has to do the same, or a U+2028 in
// a string or a multi-byte character in a flow mapping would shift every
// position after it.
type lineTable struct {
	src    []byte
	starts []int // starts[l] is the offset of line l (1-based); starts[0] is unused
}

func newLineTable(src []byte) lineTable {
	starts := []int{0, 0}
	for i := 0; i < len(src); {
		n := breakLen(src, i)
		if n == 0 {
			i++
			continue
		}
		i += n
		starts = append(starts, i)
	}
	return lineTable{src: src, starts: starts}
}

// breakLen returns the length of the line break at src[i], or 0.
func breakLen(src []byte, i int) int {
	switch c := src[i]; {
	case c == '\n':
		return 1
	case c == '\r':
		if i+1 < len(src) && src[i+1] == '\n' {
			return 2
		}
		return 1
	case c == 0xC2 && i+1 < len(src) && src[i+1] == 0x85:
		return 2
	case c == 0xE2 && i+2 < len(src) && src[i+1] == 0x80 && (src[i+2] == 0xA8 || src[i+2] == 0xA9):
		return 3
	}
	return 0
}

// lines is the number of lines; a text ending in a line break has an empty
// last line.
func (t lineTable) lines() int { return len(t.starts) - 1 }

// lastLine is the last line that has any text: lines(), or the line
// before it when the text ends with a line break.
func (t lineTable) lastLine() int {
	if n := t.lines(); n > 1 && t.starts[n] == len(t.src) {
		return n - 1
	}
	return t.lines()
}

// offset converts a 1-based line and column (in characters) to a byte offset.
func (t lineTable) offset(line, col int) int {
	if line < 1 {
		return 0
	}
	if line > t.lines() {
		return len(t.src)
	}
	off := t.starts[line]
	for ; col > 1 && off < len(t.src); col-- {
		_, size := utf8.DecodeRune(t.src[off:])
		off += size
	}
	return off
}

// text returns line l without its line break.
func (t lineTable) text(l int) []byte {
	if l < 1 || l > t.lines() {
		return nil
	}
	start := t.starts[l]
	end := len(t.src)
	if l+1 < len(t.starts) {
		end = t.starts[l+1]
		end -= breakLenBefore(t.src, end)
	}
	return t.src[start:end]
}

// breakLenBefore returns the length of the line break ending at src[end].
func breakLenBefore(src []byte, end int) int {
	for n := 3; n >= 1; n-- {
		if end-n >= 0 && breakLen(src, end-n) == n {
			return n
		}
	}
	return 0
}

// lineOf returns the line holding offset off.
func (t lineTable) lineOf(off int) int {
	return sort.Search(len(t.starts)-1, func(i int) bool { return t.starts[i+1] > off })
}

// blank reports a line of only spaces and tabs.
func blank(text []byte) bool {
	for _, c := range text {
		if c != ' ' && c != '\t' {
			return false
		}
	}
	return true
}

// comment reports a line whose first non-space character starts a comment.
func comment(text []byte) bool {
	for _, c := range text {
		switch c {
		case ' ', '\t':
			continue
		case '#':
			return true
		}
		return false
	}
	return false
}

// indentation counts the leading spaces of a line.
func indentation(text []byte) int {
	n := 0
	for n < len(text) && text[n] == ' ' {
		n++
	}
	return n
}

func spaceOrTab(c byte) bool { return c == ' ' || c == '\t' }
