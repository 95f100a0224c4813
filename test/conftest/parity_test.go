// Package conftest_test checks that `apiguard check --conftest` gives the same verdicts
// as the real conftest on the same policies and manifests, and that a conftest shim over
// the bundled library agrees with native `apiguard check`.
package conftest_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/apiguard/apiguard/internal/kubetest"
	"github.com/apiguard/apiguard/internal/testenv"
)

// Set once by TestMain before any test runs, read-only afterwards.
var (
	repoRoot    string
	apiguardBin string
	conftestBin string
)

func TestMain(m *testing.M) {
	if testenv.IntegrationMain(testenv.BuiltTools + " (bin/conftest)") {
		os.Exit(0)
	}
	os.Exit(run(m))
}

func run(m *testing.M) int {
	dir, err := os.MkdirTemp("", "apiguard-conftest-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	if err := setup(dir); err != nil {
		fmt.Fprintln(os.Stderr, "setup:", err)
		return 1
	}
	return m.Run()
}

// setup builds the CLI and, like the other tools in bin/, conftest when it is missing.
func setup(dir string) error {
	var err error
	if repoRoot, err = kubetest.RepoRoot(); err != nil {
		return err
	}
	conftestBin = filepath.Join(repoRoot, "bin", "conftest")
	if _, err := os.Stat(conftestBin); errors.Is(err, os.ErrNotExist) {
		cmd := exec.Command("make", "bin/conftest")
		cmd.Dir = repoRoot
		cmd.Env = append(os.Environ(), "GOTOOLCHAIN=local")
		if out, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("make bin/conftest: %w\n%s", err, out)
		}
	}
	apiguardBin, err = kubetest.Build(context.Background(), "./cmd/apiguard", dir)
	return err
}

// outcome is one tool's run: its exit code and, per file, its findings as
// "FAIL <namespace>: <msg>" and "WARN <namespace>: <msg>", sorted.
type outcome struct {
	code     int
	files    []string
	findings map[string][]string
	stderr   string
	errors   []string
}

func runTool(t *testing.T, dir, bin string, args ...string) (stdout []byte, stderr string, code int) {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Dir = dir
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	var exit *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &exit):
		code = exit.ExitCode()
	default:
		t.Fatalf("%s %s: %v", bin, strings.Join(args, " "), err)
	}
	return out.Bytes(), errOut.String(), code
}

func runConftest(t *testing.T, dir string, args ...string) outcome {
	t.Helper()
	stdout, stderr, code := runTool(t, dir, conftestBin, append([]string{"test", "-o", "json", "--no-color"}, args...)...)
	o := outcome{code: code, stderr: stderr, findings: map[string][]string{}}
	if len(bytes.TrimSpace(stdout)) == 0 {
		return o // conftest prints nothing when it fails to run
	}
	var results []struct {
		Filename  string `json:"filename"`
		Namespace string `json:"namespace"`
		Failures  []struct {
			Msg string `json:"msg"`
		} `json:"failures"`
		Warnings []struct {
			Msg string `json:"msg"`
		} `json:"warnings"`
	}
	if err := json.Unmarshal(stdout, &results); err != nil {
		t.Fatalf("conftest output: %v\n%s", err, stdout)
	}
	for _, r := range results {
		o.addFile(r.Filename)
		for _, f := range r.Failures {
			o.add(r.Filename, "FAIL "+r.Namespace+": "+f.Msg)
		}
		for _, w := range r.Warnings {
			o.add(r.Filename, "WARN "+r.Namespace+": "+w.Msg)
		}
	}
	o.sort()
	return o
}

func runApiguard(t *testing.T, dir string, args ...string) outcome {
	t.Helper()
	stdout, stderr, code := runTool(t, dir, apiguardBin, append([]string{"check", "-o", "json"}, args...)...)
	o := outcome{code: code, stderr: stderr, findings: map[string][]string{}}
	if len(bytes.TrimSpace(stdout)) == 0 {
		return o
	}
	var results []struct {
		File       string `json:"file"`
		Violations []struct {
			Policy  string `json:"policy"`
			Message string `json:"message"`
			Action  string `json:"action"`
		} `json:"violations"`
		Warnings []struct {
			Policy  string `json:"policy"`
			Message string `json:"message"`
		} `json:"warnings"`
		Error string `json:"error"`
	}
	if err := json.Unmarshal(stdout, &results); err != nil {
		t.Fatalf("apiguard output: %v\n%s", err, stdout)
	}
	for _, r := range results {
		o.addFile(r.File)
		if r.Error != "" {
			o.errors = append(o.errors, r.Error)
		}
		for _, v := range r.Violations {
			label := "FAIL "
			if v.Action == "warn" {
				label = "WARN "
			}
			o.add(r.File, label+v.Policy+": "+v.Message)
		}
		for _, w := range r.Warnings {
			o.add(r.File, "WARN "+w.Policy+": "+w.Message)
		}
	}
	o.sort()
	return o
}

func (o *outcome) addFile(f string) {
	if !slices.Contains(o.files, f) {
		o.files = append(o.files, f)
	}
}

func (o *outcome) add(file, finding string) { o.findings[file] = append(o.findings[file], finding) }

func (o *outcome) sort() {
	slices.Sort(o.files)
	for _, f := range o.findings {
		slices.Sort(f)
	}
}

func (o outcome) count(prefix string) int {
	n := 0
	for _, fs := range o.findings {
		for _, f := range fs {
			if strings.HasPrefix(f, prefix) {
				n++
			}
		}
	}
	return n
}

// apiguardCode is the exit code apiguard documents for what conftest's code says. The
// codes differ in one place: with --fail-on-warn conftest exits 2 for failures, where
// apiguard keeps 1 for "denied" and reserves 2 for errors.
func apiguardCode(conftestCode int, failOnWarn bool) int {
	if failOnWarn && conftestCode == 2 {
		return 1
	}
	return conftestCode
}

func TestParity(t *testing.T) {
	tests := map[string]struct {
		args                       []string
		wantCode                   int
		wantFailures, wantWarnings int
	}{
		"default policy dir and namespace main: string and object messages, suffix rules, exception, List, JSON": {
			args:     []string{"manifests"},
			wantCode: 1, wantFailures: 6, wantWarnings: 2,
		},
		"passing manifest": {
			args: []string{"manifests/pass.yaml"},
		},
		"multi-document file": {
			args:     []string{"manifests/multi.yaml"},
			wantCode: 1, wantFailures: 1,
		},
		"data loaded by directory": {
			args:     []string{"--data", "data", "manifests/deployment-fail.yaml", "manifests/pass.yaml"},
			wantCode: 1, wantFailures: 5, wantWarnings: 1,
		},
		"namespace": {
			args:     []string{"--namespace", "k8s.ingress", "manifests"},
			wantCode: 1, wantFailures: 1,
		},
		"namespace repeated and comma-separated": {
			args:     []string{"--namespace", "k8s.service,k8s.ingress", "--namespace", "main", "manifests/multi.yaml"},
			wantCode: 1, wantFailures: 2, wantWarnings: 1,
		},
		"namespace glob": {
			args:     []string{"--namespace", "k8s.*", "manifests/multi.yaml"},
			wantCode: 1, wantFailures: 1, wantWarnings: 1,
		},
		"namespace without policies": {
			args: []string{"--namespace", "nothing.here", "manifests"},
		},
		"all namespaces": {
			args:     []string{"--all-namespaces", "manifests"},
			wantCode: 1, wantFailures: 7, wantWarnings: 3,
		},
		"warn only": {
			args:         []string{"warn-only"},
			wantWarnings: 1,
		},
		"warn only with fail-on-warn": {
			args:     []string{"--fail-on-warn", "warn-only"},
			wantCode: 1, wantWarnings: 1,
		},
		"failures with fail-on-warn": {
			args:     []string{"--fail-on-warn", "manifests/deployment-fail.yaml"},
			wantCode: 1, wantFailures: 4, wantWarnings: 1,
		},
		"rego v0 policies": {
			args:     []string{"--rego-version", "v0", "--policy", "policy-v0", "manifests/multi.yaml"},
			wantCode: 1, wantFailures: 1, wantWarnings: 1,
		},
		"two policy dirs with the same file name": {
			args:     []string{"--policy", "policy", "--policy", "policy-extra", "manifests/multi.yaml"},
			wantCode: 1, wantFailures: 2,
		},
	}
	dir := filepath.Join(repoRoot, "test", "conftest", "testdata")
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			failOnWarn := slices.Contains(tc.args, "--fail-on-warn")
			want := runConftest(t, dir, tc.args...)
			got := runApiguard(t, dir, append([]string{"--conftest"}, tc.args...)...)
			if want.stderr != "" || len(got.errors) > 0 {
				t.Fatalf("unexpected errors:\nconftest: %s\napiguard: %s%v", want.stderr, got.stderr, got.errors)
			}
			if c := apiguardCode(want.code, failOnWarn); got.code != c || got.code != tc.wantCode {
				t.Errorf("exit code: apiguard %d, conftest %d (%d for apiguard), want %d\n%s", got.code, want.code, c, tc.wantCode, got.stderr)
			}
			if !slices.Equal(got.files, want.files) {
				t.Errorf("files:\napiguard %q\nconftest %q", got.files, want.files)
			}
			for _, f := range want.files {
				if !slices.Equal(got.findings[f], want.findings[f]) {
					t.Errorf("%s:\napiguard %q\nconftest %q", f, got.findings[f], want.findings[f])
				}
			}
			if n := got.count("FAIL "); n != tc.wantFailures {
				t.Errorf("%d failures, want %d: %v", n, tc.wantFailures, got.findings)
			}
			if n := got.count("WARN "); n != tc.wantWarnings {
				t.Errorf("%d warnings, want %d: %v", n, tc.wantWarnings, got.findings)
			}
		})
	}
}

// TestParityErrors covers policies both tools refuse: conftest exits 1 with an error and
// no report, apiguard exits 2 (its code for errors).
func TestParityErrors(t *testing.T) {
	tests := map[string]struct {
		args []string
		// conftestSays and apiguardSays are parts of each tool's error message.
		conftestSays, apiguardSays string
	}{
		"object result without msg": {
			args:         []string{"--policy", "policy-badmsg", "manifests/pass.yaml"},
			conftestSays: `"msg" field must be present and a string`,
			apiguardSays: `"msg" field must be present and a string`,
		},
		"if without contains": {
			args:         []string{"--policy", "policy-if", "manifests/pass.yaml"},
			conftestSays: "rule is using 'if' keyword without 'contains' keyword",
			apiguardSays: "uses 'if' without 'contains'",
		},
		"v0 syntax without --rego-version v0": {
			args:         []string{"--policy", "policy-v0", "manifests/pass.yaml"},
			conftestSays: "`if` keyword is required before rule body",
			apiguardSays: "`if` keyword is required before rule body",
		},
		"no policies": {
			args:         []string{"--policy", "manifests", "manifests/pass.yaml"},
			conftestSays: "no policies found",
			apiguardSays: "no policies found",
		},
	}
	dir := filepath.Join(repoRoot, "test", "conftest", "testdata")
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			want := runConftest(t, dir, tc.args...)
			got := runApiguard(t, dir, append([]string{"--conftest"}, tc.args...)...)
			if want.code != 1 || !strings.Contains(want.stderr, tc.conftestSays) {
				t.Errorf("conftest: exit %d, stderr %q; want exit 1 saying %q", want.code, want.stderr, tc.conftestSays)
			}
			said := got.stderr + strings.Join(got.errors, "\n")
			if got.code != 2 || !strings.Contains(said, tc.apiguardSays) {
				t.Errorf("apiguard: exit %d, errors %q; want exit 2 saying %q", got.code, said, tc.apiguardSays)
			}
		})
	}
}

// shimmed maps the bundled policies the shim calls to the shim's rule names.
func shimmed() []string {
	return []string{"ingress.require_tls", "ingress.no_plain_http", "ingress.no_wildcard_host", "ingress.no_snippet_annotations", "ingress.require_owner_label"}
}

// TestShimMatchesNative runs the bundled library through a conftest shim (package main
// building the AdmissionRequest) and checks that conftest, apiguard --conftest and
// native apiguard check report the same messages for every example Ingress.
func TestShimMatchesNative(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(repoRoot, "examples", "ingress-*.yaml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("examples: %v (%d files)", err, len(files))
	}
	for i, f := range files {
		files[i], _ = filepath.Rel(repoRoot, f)
	}
	shimArgs := append([]string{"--policy", "policies", "--policy", "test/conftest/testdata/shim"}, files...)
	viaConftest := runConftest(t, repoRoot, shimArgs...)
	viaApiguard := runApiguard(t, repoRoot, append([]string{"--conftest"}, shimArgs...)...)
	native := runApiguard(t, repoRoot, append([]string{"--policy", "policies"}, files...)...)
	if viaConftest.stderr != "" || len(viaApiguard.errors) > 0 || len(native.errors) > 0 {
		t.Fatalf("errors:\nconftest: %s\napiguard --conftest: %s%v\nnative: %s%v", viaConftest.stderr, viaApiguard.stderr, viaApiguard.errors, native.stderr, native.errors)
	}
	if viaApiguard.code != viaConftest.code {
		t.Errorf("exit code: apiguard --conftest %d, conftest %d", viaApiguard.code, viaConftest.code)
	}
	total := map[string]int{}
	for _, f := range files {
		c := withoutPolicy(viaConftest.findings[f], nil)
		a := withoutPolicy(viaApiguard.findings[f], nil)
		n := withoutPolicy(native.findings[f], shimmed())
		if !slices.Equal(c, a) || !slices.Equal(c, n) {
			t.Errorf("%s:\nconftest            %q\napiguard --conftest %q\nnative              %q", f, c, a, n)
		}
		for _, finding := range c {
			total[finding[:4]]++
		}
	}
	// One failing example per shimmed deny policy, and the owner label warning.
	if total["FAIL"] != 4 || total["WARN"] != 1 {
		t.Errorf("shim found %v, want 4 FAIL and 1 WARN", total)
	}
}

// withoutPolicy drops the namespace or policy ID from findings ("FAIL main: msg" ->
// "FAIL msg"), keeping only those of the given policies when keep is not nil.
func withoutPolicy(findings, keep []string) []string {
	out := []string{}
	for _, f := range findings {
		label, rest, _ := strings.Cut(f, " ")
		id, msg, _ := strings.Cut(rest, ": ")
		if keep != nil && !slices.Contains(keep, id) {
			continue
		}
		out = append(out, label+" "+msg)
	}
	slices.Sort(out)
	return out
}
