package unifieddiff

import (
	"math/rand"
	"strings"
	"testing"
	"time"

	"github.com/apiguard/apiguard/internal/unifieddiff/difftest"
)

func TestUnifiedDiffFormat(t *testing.T) {
	for _, tc := range []struct {
		name, old, new, want string
	}{
		{name: "equal", old: "a\nb\n", new: "a\nb\n", want: ""},
		{name: "both empty", want: ""},
		{
			name: "one change in the middle, three lines of context",
			old:  "1\n2\n3\n4\n5\n6\n7\n8\n9\n",
			new:  "1\n2\n3\n4\nfive\n6\n7\n8\n9\n",
			want: "--- a/f.yaml\n+++ b/f.yaml\n@@ -2,7 +2,7 @@\n 2\n 3\n 4\n-5\n+five\n 6\n 7\n 8\n",
		},
		{
			name: "changes far apart make two hunks",
			old:  "1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n11\n12\n",
			new:  "one\n2\n3\n4\n5\n6\n7\n8\n9\n10\n11\n12\n13\n",
			want: "--- a/f.yaml\n+++ b/f.yaml\n@@ -1,4 +1,4 @@\n-1\n+one\n 2\n 3\n 4\n@@ -10,3 +10,4 @@\n 10\n 11\n 12\n+13\n",
		},
		{
			name: "insertion into an empty file",
			new:  "a\n",
			want: "--- a/f.yaml\n+++ b/f.yaml\n@@ -0,0 +1 @@\n+a\n",
		},
		{
			name: "everything deleted",
			old:  "a\nb\n",
			want: "--- a/f.yaml\n+++ b/f.yaml\n@@ -1,2 +0,0 @@\n-a\n-b\n",
		},
		{
			name: "newline added at the end",
			old:  "a\nb",
			new:  "a\nb\n",
			want: "--- a/f.yaml\n+++ b/f.yaml\n@@ -1,2 +1,2 @@\n a\n-b\n\\ No newline at end of file\n+b\n",
		},
		{
			name: "line added to a file without a final newline",
			old:  "a\nb",
			new:  "a\nb\nc",
			want: "--- a/f.yaml\n+++ b/f.yaml\n@@ -1,2 +1,3 @@\n a\n-b\n\\ No newline at end of file\n+b\n+c\n\\ No newline at end of file\n",
		},
		{
			name: "CRLF lines are kept as they are",
			old:  "a\r\nb\r\n",
			new:  "a\r\nc\r\nb\r\n",
			want: "--- a/f.yaml\n+++ b/f.yaml\n@@ -1,2 +1,3 @@\n a\r\n+c\r\n b\r\n",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := Diff("a/f.yaml", "b/f.yaml", []byte(tc.old), []byte(tc.new))
			if got != tc.want {
				t.Errorf("got:\n%s\nwant:\n%s", got, tc.want)
			}
			if got != "" {
				difftest.Apply(t, tc.old, tc.new, got)
			}
		})
	}
}

// applyWithTools checks that git apply and patch -p1 accept the diff and
// turn old into new.
// TestUnifiedDiffApplies diffs random edits of random files and applies
// the result with git and patch.
func TestUnifiedDiffApplies(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	n := 60
	if testing.Short() {
		n = 10
	}
	for i := 0; i < n; i++ {
		old := randomLines(rng, rng.Intn(40))
		new := mutate(rng, old)
		oldText, newText := joinLines(rng, old), joinLines(rng, new)
		diff := Diff("a/f.yaml", "b/f.yaml", []byte(oldText), []byte(newText))
		if (diff == "") != (oldText == newText) {
			t.Fatalf("diff %q for %q -> %q", diff, oldText, newText)
		}
		if diff != "" {
			difftest.Apply(t, oldText, newText, diff)
		}
	}
}

// TestDiffIsShortest compares the edit script's length with the longest
// common subsequence computed by dynamic programming.
func TestDiffIsShortest(t *testing.T) {
	rng := rand.New(rand.NewSource(2))
	for i := 0; i < 500; i++ {
		a := randomLines(rng, rng.Intn(30))
		b := mutate(rng, a)
		if rng.Intn(4) == 0 {
			b = randomLines(rng, rng.Intn(30))
		}
		script := diffLines(a, b)
		var edits int
		var gotA, gotB []string
		for _, l := range script {
			if l.op != ' ' {
				edits++
			}
			if l.op != '+' {
				gotA = append(gotA, l.text)
			}
			if l.op != '-' {
				gotB = append(gotB, l.text)
			}
		}
		if strings.Join(gotA, "") != strings.Join(a, "") || strings.Join(gotB, "") != strings.Join(b, "") {
			t.Fatalf("script does not reproduce its inputs: %q %q", a, b)
		}
		if want := len(a) + len(b) - 2*lcs(a, b); edits != want {
			t.Fatalf("%d edits, shortest is %d: %q -> %q", edits, want, a, b)
		}
	}
}

func lcs(a, b []string) int {
	prev, cur := make([]int, len(b)+1), make([]int, len(b)+1)
	for i := range a {
		for j := range b {
			switch {
			case a[i] == b[j]:
				cur[j+1] = prev[j] + 1
			default:
				cur[j+1] = max(prev[j+1], cur[j])
			}
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

func TestUnifiedDiffLargeFiles(t *testing.T) {
	rng := rand.New(rand.NewSource(3))
	var old []string
	for i := 0; i < 10000; i++ {
		old = append(old, "  key"+strings.Repeat("x", rng.Intn(5))+": value\n")
	}
	new := append([]string(nil), old...)
	new = append(new[:5000], append([]string{"  added: line\n"}, new[5000:]...)...)
	new[100] = "  changed: line\n"

	start := time.Now()
	diff := Diff("a/f.yaml", "b/f.yaml", []byte(strings.Join(old, "")), []byte(strings.Join(new, "")))
	if strings.Count(diff, "@@ -") != 2 || !strings.Contains(diff, "+  added: line\n") {
		t.Errorf("unexpected diff:\n%s", diff)
	}
	// Entirely different files are the worst case: O(ND) time, O(N) memory.
	other := randomLines(rng, 4000)
	diff = Diff("a/f.yaml", "b/f.yaml", []byte(strings.Join(old[:4000], "")), []byte(strings.Join(other, "")))
	if !strings.HasPrefix(diff, "--- a/f.yaml\n+++ b/f.yaml\n@@ -1,4000 +1,4000 @@\n") {
		t.Errorf("unexpected diff header:\n%.200s", diff)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("diffs took %v", d)
	}
}

func randomLines(rng *rand.Rand, n int) []string {
	words := []string{"a: 1", "b: 2", "- x", "  c: d", "", "# comment", "e: f", "kind: Pod"}
	lines := make([]string, n)
	for i := range lines {
		lines[i] = words[rng.Intn(len(words))] + "\n"
	}
	return lines
}

func mutate(rng *rand.Rand, lines []string) []string {
	out := append([]string(nil), lines...)
	for k := rng.Intn(6); k > 0; k-- {
		i := rng.Intn(len(out) + 1)
		switch rng.Intn(3) {
		case 0:
			out = append(out[:i], append([]string{"new: line\n"}, out[i:]...)...)
		case 1:
			if i < len(out) {
				out = append(out[:i], out[i+1:]...)
			}
		case 2:
			if i < len(out) {
				out[i] = "changed: line\n"
			}
		}
	}
	return out
}

// joinLines sometimes drops the final newline or switches to CRLF.
func joinLines(rng *rand.Rand, lines []string) string {
	s := strings.Join(lines, "")
	if rng.Intn(4) == 0 {
		s = strings.ReplaceAll(s, "\n", "\r\n")
	}
	if rng.Intn(4) == 0 {
		s = strings.TrimSuffix(s, "\n")
	}
	return s
}
