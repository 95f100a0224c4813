// Package docs holds apiguard's documentation; its test keeps the links between the
// pages working, since the README points at docs/ for everything but the quickstart.
package docs

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// markdownLink matches [text](target), leaving out images' alt text handling, which
// does not matter here: an image target must exist as well.
var markdownLink = regexp.MustCompile(`\]\(([^)\s]+)\)`)

// pages are the Markdown files whose links are checked, relative to the repository root.
func pages(t *testing.T, root string) []string {
	t.Helper()
	var out []string
	for _, pattern := range []string{"README.md", "docs/*.md", "policies/README.md", "charts/apiguard/README.md", "test/*/README.md"} {
		m, err := filepath.Glob(filepath.Join(root, pattern))
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, m...)
	}
	if len(out) < 5 {
		t.Fatalf("found only %d Markdown pages under %s", len(out), root)
	}
	return out
}

// TestLinksResolve: every relative link in the README and docs names a file that exists,
// and every #anchor a heading of that file (GitHub's heading slugs).
func TestLinksResolve(t *testing.T) {
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	checked := 0
	for _, page := range pages(t, root) {
		body, err := os.ReadFile(page)
		if err != nil {
			t.Fatal(err)
		}
		rel, _ := filepath.Rel(root, page)
		for _, m := range markdownLink.FindAllStringSubmatch(stripCode(string(body)), -1) {
			target := m[1]
			if strings.Contains(target, "://") || strings.HasPrefix(target, "mailto:") {
				continue
			}
			file, anchor, _ := strings.Cut(target, "#")
			path := page
			if file != "" {
				path = filepath.Join(filepath.Dir(page), file)
			}
			checked++
			if _, err := os.Stat(path); err != nil {
				t.Errorf("%s: link %q: %v", rel, target, err)
				continue
			}
			if anchor == "" || !strings.HasSuffix(path, ".md") {
				continue
			}
			text, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if !headingSlugs(string(text))[anchor] {
				t.Errorf("%s: link %q: no heading with that anchor in %s", rel, target, file)
			}
		}
	}
	if checked < 20 {
		t.Fatalf("checked only %d links; the link pattern no longer matches the pages", checked)
	}
}

// stripCode removes fenced code blocks, whose brackets are not links.
func stripCode(md string) string {
	var b strings.Builder
	inFence := false
	for line := range strings.SplitSeq(md, "\n") {
		if strings.HasPrefix(strings.TrimSpace(line), "```") {
			inFence = !inFence
			continue
		}
		if !inFence {
			b.WriteString(line)
			b.WriteByte('\n')
		}
	}
	return b.String()
}

// headingSlugs returns the anchors GitHub gives the headings of md: lower case, spaces
// to hyphens, and every character but letters, digits, hyphens and underscores dropped.
func headingSlugs(md string) map[string]bool {
	slugs := map[string]bool{}
	for line := range strings.SplitSeq(stripCode(md), "\n") {
		if !strings.HasPrefix(line, "#") {
			continue
		}
		title := strings.TrimSpace(strings.TrimLeft(line, "#"))
		var b strings.Builder
		for _, r := range strings.ToLower(title) {
			switch {
			case r == ' ':
				b.WriteRune('-')
			case r == '-' || r == '_' || (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9'):
				b.WriteRune(r)
			}
		}
		slugs[b.String()] = true
	}
	return slugs
}

// TestHeadingSlugs pins the slug rules on headings this documentation uses.
func TestHeadingSlugs(t *testing.T) {
	got := headingSlugs("# Failure modes\n## The serving certificate expired or is not trusted\n### `apiguard status`: the fleet view\n")
	for _, want := range []string{"failure-modes", "the-serving-certificate-expired-or-is-not-trusted", "apiguard-status-the-fleet-view"} {
		if !got[want] {
			t.Errorf("no slug %q in %v", want, got)
		}
	}
}
