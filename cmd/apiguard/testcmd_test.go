package main

import (
	"context"
	"encoding/xml"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/apiguard/apiguard/pkg/fixture"
	"github.com/apiguard/apiguard/pkg/policy"
)

var updateGolden = flag.Bool("update", false, "rewrite the golden files under testdata/")

// The test command's own tree: a policy with passing, failing, erroring and skipped
// Rego tests, and fixtures that pass, fail and error.
const (
	testcmdRego     = "testdata/testcmd/rego"
	testcmdFixtures = "testdata/testcmd/fixtures"
	libraryFixtures = "../../test/fixtures"
)

// Durations differ from run to run; golden files hold them as zero.
var (
	junitTime   = regexp.MustCompile(`time="[0-9.]+"`)
	verboseTime = regexp.MustCompile(` \([0-9.]+(ns|µs|ms|s)\)`)
)

// TestTestCommandGolden renders apiguard test on testdata/testcmd in each format and
// compares it with testdata/testcmd/golden.*; regenerate with
// `go test ./cmd/apiguard -run TestTestCommandGolden -update` and review the diff.
func TestTestCommandGolden(t *testing.T) {
	variants := map[string][]string{
		"text":         {"test", "--fixtures", testcmdFixtures, testcmdRego},
		"verbose.text": {"test", "-v", "--fixtures", testcmdFixtures, testcmdRego},
		"junit":        {"test", "-o", "junit", "--fixtures", testcmdFixtures, testcmdRego},
	}
	for name, args := range variants {
		t.Run(name, func(t *testing.T) {
			code, out, errOut := run(t, "", args...)
			if code != 1 {
				t.Fatalf("exit %d, want 1 (the tree fails on purpose)\nstdout: %s\nstderr: %s", code, out, errOut)
			}
			out = junitTime.ReplaceAllString(out, `time="0.000"`)
			out = verboseTime.ReplaceAllString(out, " (0s)")
			file := filepath.Join("testdata", "testcmd", "golden."+name)
			if *updateGolden {
				if err := os.WriteFile(file, []byte(out), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(file)
			if err != nil {
				t.Fatalf("%v (run with -update)", err)
			}
			if out != string(want) {
				t.Errorf("output differs from %s:\n%s", file, out)
			}
		})
	}
}

func TestTestCommandExitCodes(t *testing.T) {
	dir := t.TempDir()
	broken := filepath.Join(dir, "broken")
	writeTree(t, broken, map[string]string{"x/x_test.rego": "package x_test\n\ntest_a if {\n"})
	restricted := filepath.Join(dir, "restricted")
	writeTree(t, restricted, map[string]string{"n_test.rego": "package n_test\n\ntest_net if {\n\thttp.send({\"method\": \"get\", \"url\": \"http://x\"})\n}\n"})
	badFixture := writeFile(t, dir, "bad-fixture.yaml", "cases:\n  - name: a\n    objekt: x.yaml\n")
	extra := filepath.Join(dir, "extra")
	writeTree(t, extra, map[string]string{"extra/extra_test.rego": "package extra_test\n\ntest_merged if true\n"})
	cases := map[string]struct {
		args     []string
		wantCode int
		wantOut  []string
		wantErr  []string
	}{
		"failing tree":                    {args: []string{"test", testcmdRego}, wantCode: 1, wantOut: []string{"FAIL   data.demo.owner_test.test_deliberately_fails", "ERROR  data.demo.owner_test.test_deliberately_errors", "3 passed, 1 failed, 1 errored, 1 skipped"}},
		"--run keeps the passing tests":   {args: []string{"test", "--run", "owner_test.test_(owner|missing)", testcmdRego}, wantCode: 0, wantOut: []string{"2 passed, 0 failed\n"}},
		"--run selects fixture cases":     {args: []string{"test", "--run", "^an unowned", "--fixtures", testcmdFixtures, testcmdRego}, wantCode: 0, wantOut: []string{"2 passed, 0 failed\n"}},
		"--policy and arguments merge":    {args: []string{"test", "--policy", testcmdRego, extra}, wantCode: 1, wantOut: []string{"test_deliberately_fails", "4 passed, 1 failed, 1 errored, 1 skipped"}},
		"--rego=false runs fixtures only": {args: []string{"test", "--rego=false", "--fixtures", testcmdFixtures, testcmdRego}, wantCode: 1, wantOut: []string{"6 passed, 2 failed, 1 errored\n"}},
		"--rego=false and --coverage":     {args: []string{"test", "--rego=false", "--coverage", testcmdRego}, wantCode: 2, wantErr: []string{"--rego=false"}},
		"compile error":                   {args: []string{"test", broken}, wantCode: 2, wantErr: []string{"x/x_test.rego:"}},
		"removed builtin in a test":       {args: []string{"test", restricted}, wantCode: 2, wantErr: []string{"http.send is not allowed"}},
		"bad --run":                       {args: []string{"test", "--run", "(", policies}, wantCode: 2, wantErr: []string{"--run"}},
		"unknown format":                  {args: []string{"test", "-o", "tap", policies}, wantCode: 2, wantErr: []string{`unknown output format "tap"`}},
		"threshold out of range":          {args: []string{"test", "--threshold", "101", policies}, wantCode: 2, wantErr: []string{"--threshold 101"}},
		"bad fixture file":                {args: []string{"test", "--fixtures", badFixture, policies}, wantCode: 2, wantErr: []string{"bad-fixture.yaml", `unknown field "objekt"`}},
		"missing fixtures":                {args: []string{"test", "--fixtures", filepath.Join(dir, "none"), policies}, wantCode: 2, wantErr: []string{"none"}},
		"missing policy directory":        {args: []string{"test", filepath.Join(dir, "none")}, wantCode: 2, wantErr: []string{"policy directory"}},
		"no tree given runs builtin":      {args: []string{"test", "-v", "--run", "test_many_hosts_covered"}, wantCode: 0, wantOut: []string{"builtin:ingress/require_tls_test.rego", "PASS"}},
		"threshold missed": {args: []string{"test", "--threshold", "100", "--run", "test_owner_label_passes", testcmdRego}, wantCode: 1,
			wantOut: []string{"Coverage:", "total"}, wantErr: []string{"is below the threshold of 100.00%"}},
		"threshold met":  {args: []string{"test", "--threshold", "25", "--run", "test_owner_label_passes", testcmdRego}, wantCode: 0, wantOut: []string{"Coverage:"}},
		"junit coverage": {args: []string{"test", "-o", "junit", "--coverage", testcmdRego}, wantCode: 1, wantOut: []string{"<testsuites"}, wantErr: []string{"Coverage:", "total"}},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			code, out, errOut := run(t, "", tc.args...)
			if code != tc.wantCode {
				t.Fatalf("exit %d, want %d\nstdout: %s\nstderr: %s", code, tc.wantCode, out, errOut)
			}
			for _, w := range tc.wantOut {
				if !strings.Contains(out, w) {
					t.Errorf("stdout does not contain %q:\n%s", w, out)
				}
			}
			for _, w := range tc.wantErr {
				if !strings.Contains(errOut, w) {
					t.Errorf("stderr does not contain %q:\n%s", w, errOut)
				}
			}
		})
	}
}

func TestTestCommandJUnitCoverageStaysOffStdout(t *testing.T) {
	code, out, _ := run(t, "", "test", "-o", "junit", "--coverage", "--run", "owner_label", testcmdRego)
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, out)
	}
	var doc struct {
		Tests int `xml:"tests,attr"`
	}
	if err := xml.Unmarshal([]byte(out), &doc); err != nil || doc.Tests != 1 {
		t.Fatalf("stdout is not one test's JUnit: %v\n%s", err, out)
	}
}

// TestLibraryFixtures runs the bundled library's admission fixtures through the
// command, as a policy author would: make test fails when a policy and its fixtures
// disagree.
func TestLibraryFixtures(t *testing.T) {
	t.Parallel()
	// The Rego tests run in TestOPAParity; here only the fixtures.
	code, out, errOut := run(t, "", "test", "--rego=false", "-o", "junit", "--fixtures", libraryFixtures, policies)
	if code != 0 {
		t.Fatalf("exit %d\nstdout: %s\nstderr: %s", code, out, errOut)
	}
	var doc struct {
		Suites []struct {
			Name  string `xml:"name,attr"`
			Tests int    `xml:"tests,attr"`
			Fails int    `xml:"failures,attr"`
		} `xml:"testsuite"`
	}
	if err := xml.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatal(err)
	}
	paths, err := fixture.Find([]string{libraryFixtures})
	if err != nil {
		t.Fatal(err)
	}
	if len(doc.Suites) != len(paths) {
		t.Errorf("%d suites for %d fixture files", len(doc.Suites), len(paths))
	}
	cases := 0
	for _, s := range doc.Suites {
		if slices.Contains(paths, s.Name) {
			cases += s.Tests
			paths = slices.DeleteFunc(paths, func(p string) bool { return p == s.Name })
		}
	}
	if len(paths) > 0 || cases < 80 {
		t.Errorf("%d fixture cases ran; files without a suite: %v", cases, paths)
	}
}

// TestLibraryFixturesCoverEveryPolicy: every bundled policy has a fixture case that
// expects each kind of result it can give (a denial, a warning, a patch), so a new
// policy cannot arrive without fixtures. The adversarial corpus (test/adversarial) is
// fixture files too, run by the same runner through the CLI and the webhook; a gateway
// pack's cases live there, one file per pack.
func TestLibraryFixturesCoverEveryPolicy(t *testing.T) {
	paths, err := fixture.Find([]string{libraryFixtures, "../../test/adversarial"})
	if err != nil {
		t.Fatal(err)
	}
	files, err := fixture.Load(paths)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, f := range files {
		for _, c := range f.Cases {
			for _, id := range c.Expect.Violations {
				seen[policy.RuleDeny+" "+id] = true
			}
			for _, id := range c.Expect.Warnings {
				seen[policy.RuleWarn+" "+id] = true
			}
			for _, p := range c.Expect.Patches {
				seen[policy.RulePatch+" "+p.Policy] = true
			}
		}
	}
	set, err := policy.Load(context.Background(), os.DirFS(policies), policy.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(set.Policies()) < 25 {
		t.Fatalf("only %d policies found", len(set.Policies()))
	}
	for _, p := range set.Policies() {
		for _, rule := range p.Rules {
			kind := rule
			if rule == policy.RuleViolation {
				kind = policy.RuleDeny
			}
			if !seen[kind+" "+p.ID] {
				t.Errorf("no fixture in %s expects %s from %s (a %s rule)", libraryFixtures, kind, p.ID, rule)
			}
		}
	}
}

func writeTree(t *testing.T, root string, files map[string]string) {
	t.Helper()
	for name, content := range files {
		p := filepath.Join(root, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
