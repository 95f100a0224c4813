package chart

import (
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/apiguard/apiguard/internal/testenv"
)

// TestWebhookAcceptsRenderedFlags builds cmd/webhook and checks that every flag the
// chart passes, in every values file, is one the binary defines: an unknown flag would
// crash-loop every pod.
func TestWebhookAcceptsRenderedFlags(t *testing.T) {
	testenv.Integration(t, testenv.BuiltTools+" (bin/helm, cmd/webhook)")
	t.Parallel()
	needHelm(t)
	bin := filepath.Join(t.TempDir(), "webhook")
	build := exec.Command("go", "build", "-o", bin, "./cmd/webhook")
	build.Dir = root
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build ./cmd/webhook: %v\n%s", err, out)
	}
	help, _ := exec.Command(bin, "--help").CombinedOutput()
	defined := map[string]bool{}
	for _, m := range regexp.MustCompile(`(?m)^\s+(?:-\w, )?--([a-z0-9-]+)`).FindAllStringSubmatch(string(help), -1) {
		defined[m[1]] = true
	}
	if !defined["cert-dir"] || !defined["git-url"] {
		t.Fatalf("could not parse the webhook's --help:\n%s", help)
	}
	for _, f := range goodValues {
		r := renderTyped(t, f)
		for _, a := range r.container.Args {
			name, _, _ := strings.Cut(strings.TrimPrefix(a, "--"), "=")
			if !strings.HasPrefix(a, "--") || !defined[name] {
				t.Errorf("%s: the chart passes %q, which the webhook does not define", f, a)
			}
		}
		if len(r.container.Command) != 0 {
			t.Errorf("%s: command %q; the image's entrypoint is the webhook", f, r.container.Command)
		}
	}
}
