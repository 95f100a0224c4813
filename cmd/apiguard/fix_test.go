package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// A manifest as people write them: a header comment, comments on keys and values, an
// indentless sequence and a second document that needs nothing.
const commentedIngress = `# Shop front door. Owned by team-a.
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: shop # keep in sync with the Service
  namespace: team
  labels:
    app.kubernetes.io/owner: team-a
spec:
  ingressClassName: nginx
  tls:
  - hosts: [shop.example.com]
    secretName: shop-tls   # issued by cert-manager
  rules:
  - host: shop.example.com
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: untouched # a comment that must survive
`

func TestCheckFixWritesSecureDefaultsAndIsIdempotent(t *testing.T) {
	dir := t.TempDir()
	file := writeFile(t, dir, "shop.yaml", commentedIngress)
	args := []string{"check", "--policy", policies, "--fix", file}

	code, out, errOut := run(t, "", args...)
	if code != 0 {
		t.Fatalf("exit %d\n%s%s", code, out, errOut)
	}
	if !strings.Contains(errOut, "apiguard: fixed "+file) || !strings.Contains(out, "PATCH") {
		t.Fatalf("want the fixed file on stderr and the patches in the report:\nstdout:\n%s\nstderr:\n%s", out, errOut)
	}
	fixed, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	// Every original line survives, in order, comments included.
	rest := string(fixed)
	for _, line := range strings.Split(strings.TrimSuffix(commentedIngress, "\n"), "\n") {
		i := strings.Index(rest, line+"\n")
		if i < 0 {
			t.Fatalf("line %q lost or reordered; file now:\n%s", line, fixed)
		}
		rest = rest[i+len(line)+1:]
	}
	if !strings.Contains(string(fixed), `    nginx.ingress.kubernetes.io/force-ssl-redirect: "true"`) {
		t.Fatalf("the ssl-redirect default was not written:\n%s", fixed)
	}

	// The fixed file needs nothing more, and a second --fix leaves it alone.
	code, out, errOut = run(t, "", args...)
	if code != 0 || strings.Contains(out, "PATCH") || strings.Contains(errOut, "fixed") {
		t.Fatalf("second run: exit %d, want no patches and no fix\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
	again, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if string(again) != string(fixed) {
		t.Fatalf("second --fix changed the file:\n%s", again)
	}
}

func TestCheckDiffIsAPatchGitAccepts(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "shop.yaml", commentedIngress)
	policyDir := mustAbs(t, policies)
	// Relative paths, as in a repository, so the diff applies with git apply.
	t.Chdir(dir)
	code, out, errOut := run(t, "", "check", "--policy", policyDir, "--diff", "shop.yaml")
	if code != 0 {
		t.Fatalf("exit %d\n%s%s", code, out, errOut)
	}
	if !strings.HasPrefix(out, "--- a/shop.yaml\n+++ b/shop.yaml\n@@ ") {
		t.Fatalf("want a unified diff of shop.yaml, got:\n%s", out)
	}
	if got, _ := os.ReadFile("shop.yaml"); string(got) != commentedIngress {
		t.Fatal("--diff changed the file")
	}
	writeFile(t, dir, "fix.patch", out)
	git := exec.Command("git", "apply", "fix.patch")
	if b, err := git.CombinedOutput(); err != nil {
		t.Fatalf("git apply: %v\n%s", err, b)
	}
	// Applying the diff gives exactly what --fix writes: no patches remain.
	code, out, _ = run(t, "", "check", "--policy", policyDir, "shop.yaml")
	if code != 0 || strings.Contains(out, "PATCH") {
		t.Fatalf("after applying the diff: exit %d, output:\n%s", code, out)
	}
}

func TestCheckFixRefusals(t *testing.T) {
	dir := t.TempDir()
	file := writeFile(t, dir, "shop.yaml", commentedIngress)
	cases := map[string]struct {
		args    []string
		stdin   string
		wantErr string
	}{
		"stdin cannot be fixed":  {args: []string{"--fix", "-"}, stdin: commentedIngress, wantErr: "standard input cannot be fixed"},
		"--fix and --diff clash": {args: []string{"--fix", "--diff", file}, wantErr: "--fix and --diff exclude each other"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			code, _, errOut := run(t, tc.stdin, append([]string{"check", "--policy", policies}, tc.args...)...)
			if code != 2 || !strings.Contains(errOut, tc.wantErr) {
				t.Fatalf("exit %d, stderr %q; want 2 and %q", code, errOut, tc.wantErr)
			}
			if got, _ := os.ReadFile(file); string(got) != commentedIngress {
				t.Fatal("the file was changed")
			}
		})
	}
}

func mustAbs(t *testing.T, p string) string {
	t.Helper()
	abs, err := filepath.Abs(p)
	if err != nil {
		t.Fatal(err)
	}
	return abs
}

// TestCheckFindingsPointAtTheField: a finding is annotated on the line of the field the
// policy judges (METADATA custom.field), or of its nearest existing parent, not on the
// document's first line.
func TestCheckFindingsPointAtTheField(t *testing.T) {
	dir := t.TempDir()
	// spec.tls is missing, so ingress.require_tls points at spec (line 10); the
	// ConfigMap before it shifts the document to line 5.
	file := writeFile(t, dir, "blog.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n---\n"+badIngress)
	code, out, errOut := run(t, "", "check", "--policy", policies, "-o", "github", file)
	if code != 1 {
		t.Fatalf("exit %d\n%s%s", code, out, errOut)
	}
	want := "::error file=" + file + ",line=10,title=ingress.require_tls::"
	if !strings.Contains(out, want) {
		t.Fatalf("want %q in:\n%s", want, out)
	}
}
