package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// benchTree is a one-policy tree for apiguard test --bench: it judges Ingress alone, so
// the run measures one kind with two sets (all, and without the policy).
const benchTreePolicy = `# METADATA
# title: Ingress needs TLS
# custom:
#   kinds: [Ingress]
package bench.tls

deny contains "no TLS" if not input.request.object.spec.tls
`

func TestTestBench(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "tls.rego", benchTreePolicy)
	out := filepath.Join(t.TempDir(), "policies.json")
	code, stdout, stderr := run(t, "", "test", "--bench", "--benchtime", "1ms", "--count", "1", "--bench-out", out, dir)
	if code != 0 {
		t.Fatalf("exit %d\nstdout: %s\nstderr: %s", code, stdout, stderr)
	}
	for _, want := range []string{"Per-policy cost (drop-one)", "Ingress, 1 policies", "bench.tls", "clean", "violating", "large", "rest"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("stdout has no %q:\n%s", want, stdout)
		}
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	var rep struct {
		Kinds []struct {
			Kind        string `json:"kind"`
			PolicyCosts []struct {
				ID   string                     `json:"id"`
				Cost map[string]json.RawMessage `json:"cost"`
			} `json:"policyCosts"`
		} `json:"kinds"`
	}
	if err := json.Unmarshal(b, &rep); err != nil {
		t.Fatal(err)
	}
	if len(rep.Kinds) != 1 || rep.Kinds[0].Kind != "networking.k8s.io/Ingress" ||
		len(rep.Kinds[0].PolicyCosts) != 1 || rep.Kinds[0].PolicyCosts[0].ID != "bench.tls" || len(rep.Kinds[0].PolicyCosts[0].Cost) != 3 {
		t.Errorf("bench-out: %s", b)
	}
}

func TestTestBenchUsage(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "tls.rego", benchTreePolicy)
	other := t.TempDir()
	writeFile(t, other, "cm.rego", "# METADATA\n# custom:\n#   kinds: [ConfigMap]\npackage bench.cm\n\ndeny contains \"x\" if false\n")
	cases := map[string]struct {
		args    []string
		wantErr string
	}{
		"fixtures":          {[]string{"test", "--bench", "--fixtures", dir, dir}, "--bench runs no tests"},
		"coverage":          {[]string{"test", "--bench", "--coverage", dir}, "--bench runs no tests"},
		"junit":             {[]string{"test", "--bench", "-o", "junit", dir}, "--bench prints a text table"},
		"bench-out alone":   {[]string{"test", "--bench-out", "x.json", dir}, "need --bench"},
		"data alone":        {[]string{"test", "--data", "x.yaml", dir}, "need --bench"},
		"zero count":        {[]string{"test", "--bench", "--count", "0", dir}, "must be positive"},
		"no kind in corpus": {[]string{"test", "--bench", "--benchtime", "1ms", "--count", "1", other}, "applies to a kind of the benchmark corpus"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			code, stdout, stderr := run(t, "", tc.args...)
			if code != 2 || !strings.Contains(stderr, tc.wantErr) {
				t.Errorf("exit %d, want 2 with %q\nstdout: %s\nstderr: %s", code, tc.wantErr, stdout, stderr)
			}
		})
	}
}
