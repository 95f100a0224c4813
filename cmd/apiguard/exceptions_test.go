package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// `apiguard check --policy DIR` honours DIR's exceptions/ as the webhook does: a covered
// finding passes with the exception named, and a CI run is warned when the exception
// expires soon; an expired one no longer applies; a malformed one fails the revision
// (exit 2, file and line named).
func TestCheckHonoursPolicyExceptions(t *testing.T) {
	exception := func(expires time.Time, extra string) string {
		return `apiVersion: apiguard.io/v1alpha1
kind: PolicyException
metadata:
  name: legacy-blog
spec:
  policies: [ingress.require_tls]
  match: {kinds: [Ingress], namespaces: [default], names: [blog]}
  reason: the partner terminates TLS in front of us until the migration
  ticket: SEC-42
  expires: "` + expires.UTC().Format(time.RFC3339) + `"
` + extra
	}
	now := time.Now()
	cases := map[string]struct {
		exception string
		wantCode  int
		wantOut   []string
		wantErr   []string
	}{
		"honoured, expiring soon": {exception(now.Add(5*24*time.Hour), ""), 0,
			[]string{"WARN", "[ingress.require_tls]", "allowed by PolicyException legacy-blog, ticket SEC-42"},
			[]string{"passes only because of PolicyException legacy-blog", "fix the finding or renew the exception"}},
		"honoured, far from expiry": {exception(now.Add(60*24*time.Hour), ""), 0,
			[]string{"allowed by PolicyException legacy-blog"}, nil},
		"expired": {exception(now.Add(-time.Hour), ""), 1,
			[]string{"DENY", "[ingress.require_tls]"}, nil},
		"malformed": {strings.Replace(exception(now.Add(24*time.Hour), ""), "  reason: the partner terminates TLS in front of us until the migration\n", "", 1), 2,
			nil, []string{"exceptions/legacy.yaml:1: spec.reason is required"}},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			tree := filepath.Join(dir, "policies")
			if err := os.CopyFS(tree, os.DirFS(policies)); err != nil {
				t.Fatal(err)
			}
			if err := os.MkdirAll(filepath.Join(tree, "exceptions"), 0o755); err != nil {
				t.Fatal(err)
			}
			writeFile(t, filepath.Join(tree, "exceptions"), "legacy.yaml", tc.exception)
			bad := writeFile(t, dir, "bad.yaml", badIngress)
			code, out, errOut := run(t, "", "check", "--policy", tree, bad)
			if code != tc.wantCode {
				t.Fatalf("exit %d, want %d\nstdout: %s\nstderr: %s", code, tc.wantCode, out, errOut)
			}
			for _, w := range tc.wantOut {
				if !strings.Contains(out, w) {
					t.Errorf("stdout lacks %q:\n%s", w, out)
				}
			}
			for _, w := range tc.wantErr {
				if !strings.Contains(errOut, w) {
					t.Errorf("stderr lacks %q:\n%s", w, errOut)
				}
			}
			if tc.wantErr == nil && strings.Contains(errOut, "passes only because") {
				t.Errorf("warned about an exception far from expiry:\n%s", errOut)
			}
		})
	}
}
