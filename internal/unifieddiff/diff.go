// Package unifieddiff writes unified diffs (diff -u, git diff) of two texts, line by line,
// for apiguard check --diff. It is its own package because a diff has nothing to do with
// editing YAML: pkg/yamledit produces the fixed text, this compares the two.
package unifieddiff

import (
	"bytes"
	"fmt"
	"strings"
)

// diffContext is the number of unchanged lines around each change, as in
// diff -u and git diff.
const diffContext = 3

// Diff returns a unified diff from old to new, or "" when they are
// equal. The names are written as given after "---" and "+++", so for
// `patch -p1` and `git apply` pass "a/"+path and "b/"+path. Lines are
// compared with their line endings, so CRLF files diff and patch cleanly,
// and a last line without a newline is marked "\ No newline at end of file".
func Diff(oldName, newName string, old, new []byte) string {
	if bytes.Equal(old, new) {
		return ""
	}
	a, b := splitLines(old), splitLines(new)
	script := diffLines(a, b)

	var out strings.Builder
	fmt.Fprintf(&out, "--- %s\n+++ %s\n", oldName, newName)
	// before[k] counts the old and new lines ahead of script[k].
	type counts struct{ old, new int }
	before := make([]counts, len(script)+1)
	for k, e := range script {
		c := before[k]
		if e.op != '+' {
			c.old++
		}
		if e.op != '-' {
			c.new++
		}
		before[k+1] = c
	}
	for k := 0; k < len(script); {
		for k < len(script) && script[k].op == ' ' {
			k++
		}
		if k == len(script) {
			break
		}
		start, end := max(k-diffContext, 0), k
		for {
			for end < len(script) && script[end].op != ' ' {
				end++
			}
			next := end
			for next < len(script) && script[next].op == ' ' {
				next++
			}
			// Changes separated by at most twice the context share a hunk.
			if next < len(script) && next-end <= 2*diffContext {
				end = next
				continue
			}
			end = min(end+diffContext, len(script))
			break
		}
		from, to := before[start], before[end]
		fmt.Fprintf(&out, "@@ -%s +%s @@\n", hunkRange(from.old, to.old-from.old), hunkRange(from.new, to.new-from.new))
		for _, e := range script[start:end] {
			out.WriteByte(e.op)
			out.WriteString(e.text)
			if !strings.HasSuffix(e.text, "\n") {
				out.WriteString("\n\\ No newline at end of file\n")
			}
		}
		k = end
	}
	return out.String()
}

// hunkRange formats "start,count" the way diff does: the count is left out
// when it is 1, and an empty range names the line before it.
func hunkRange(before, count int) string {
	switch count {
	case 0:
		return fmt.Sprintf("%d,0", before)
	case 1:
		return fmt.Sprintf("%d", before+1)
	}
	return fmt.Sprintf("%d,%d", before+1, count)
}

// splitLines cuts text after each "\n"; the last line may have none.
func splitLines(text []byte) []string {
	var lines []string
	for len(text) > 0 {
		i := bytes.IndexByte(text, '\n') + 1
		if i == 0 {
			i = len(text)
		}
		lines = append(lines, string(text[:i]))
		text = text[i:]
	}
	return lines
}

type diffLine struct {
	op   byte // ' ', '-' or '+'
	text string
}

// diffLines returns a shortest edit script from a to b, deletions before
// insertions within each change.
func diffLines(a, b []string) []diffLine {
	// Compare small integers instead of strings.
	ids := map[string]int{}
	intern := func(lines []string) []int {
		out := make([]int, len(lines))
		for i, l := range lines {
			id, ok := ids[l]
			if !ok {
				id = len(ids)
				ids[l] = id
			}
			out[i] = id
		}
		return out
	}
	d := differ{a: intern(a), b: intern(b), deleted: make([]bool, len(a)), inserted: make([]bool, len(b))}
	d.compare(0, len(a), 0, len(b))

	script := make([]diffLine, 0, max(len(a), len(b)))
	for i, j := 0, 0; i < len(a) || j < len(b); {
		switch {
		case i < len(a) && d.deleted[i]:
			script = append(script, diffLine{'-', a[i]})
			i++
		case j < len(b) && d.inserted[j]:
			script = append(script, diffLine{'+', b[j]})
			j++
		default:
			script = append(script, diffLine{' ', a[i]})
			i++
			j++
		}
	}
	return script
}

// differ implements Myers' O(ND) difference algorithm in its linear-space
// form: find the middle snake of an optimal path, then solve the two
// halves. Memory stays O(N) however different the inputs are.
type differ struct {
	a, b              []int
	deleted, inserted []bool
}

func (d *differ) compare(aLo, aHi, bLo, bHi int) {
	for aLo < aHi && bLo < bHi && d.a[aLo] == d.b[bLo] {
		aLo++
		bLo++
	}
	for aLo < aHi && bLo < bHi && d.a[aHi-1] == d.b[bHi-1] {
		aHi--
		bHi--
	}
	if aLo == aHi || bLo == bHi {
		d.replace(aLo, aHi, bLo, bHi)
		return
	}
	x, y, ok := d.middle(aLo, aHi, bLo, bHi)
	if !ok || (x == aLo && y == bLo) || (x == aHi && y == bHi) {
		// Cannot happen for a correct split; a replacement keeps the
		// script valid and the recursion finite regardless.
		d.replace(aLo, aHi, bLo, bHi)
		return
	}
	d.compare(aLo, x, bLo, y)
	d.compare(x, aHi, y, bHi)
}

func (d *differ) replace(aLo, aHi, bLo, bHi int) {
	for i := aLo; i < aHi; i++ {
		d.deleted[i] = true
	}
	for j := bLo; j < bHi; j++ {
		d.inserted[j] = true
	}
}

// middle runs the search from both corners of the edit graph at once until
// the paths meet, and returns a point where they do. Diagonals whose paths
// ran off the graph are dropped from the search, and only points inside
// the graph are tested for meeting, so a split is always a real point.
func (d *differ) middle(aLo, aHi, bLo, bHi int) (int, int, bool) {
	n, m := aHi-aLo, bHi-bLo
	maxD := (n + m + 1) / 2
	off := maxD + 1
	fwd := make([]int, 2*maxD+3) // fwd[off+k]: furthest x on diagonal k = x-y from the start
	rev := make([]int, 2*maxD+3) // rev[off+k]: furthest distance back from the end on diagonal k
	for i := range fwd {
		fwd[i], rev[i] = -1, -1
	}
	fwd[off+1], rev[off+1] = 0, 0
	delta := n - m
	odd := delta%2 != 0
	var fLo, fHi, rLo, rHi int // diagonals trimmed off each end of the search
	for step := 0; step <= maxD; step++ {
		for k := -step + fLo; k <= step-fHi; k += 2 {
			var x int
			if k == -step || (k != step && fwd[off+k-1] < fwd[off+k+1]) {
				x = fwd[off+k+1]
			} else {
				x = fwd[off+k-1] + 1
			}
			y := x - k
			for x < n && y < m && d.a[aLo+x] == d.b[bLo+y] {
				x++
				y++
			}
			fwd[off+k] = x
			switch {
			case x > n:
				fHi += 2
			case y > m:
				fLo += 2
			case odd:
				if r := off + delta - k; r >= 0 && r < len(rev) && rev[r] >= 0 && x >= n-rev[r] {
					return aLo + x, bLo + y, true
				}
			}
		}
		for k := -step + rLo; k <= step-rHi; k += 2 {
			var x int
			if k == -step || (k != step && rev[off+k-1] < rev[off+k+1]) {
				x = rev[off+k+1]
			} else {
				x = rev[off+k-1] + 1
			}
			y := x - k
			for x < n && y < m && d.a[aHi-1-x] == d.b[bHi-1-y] {
				x++
				y++
			}
			rev[off+k] = x
			switch {
			case x > n:
				rHi += 2
			case y > m:
				rLo += 2
			case !odd:
				if f := off + delta - k; f >= 0 && f < len(fwd) && fwd[f] >= 0 && fwd[f] >= n-x {
					return aHi - x, bHi - y, true
				}
			}
		}
	}
	return 0, 0, false
}
