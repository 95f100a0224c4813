package main

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime/debug"
	"strconv"
	"strings"
	"testing"

	"github.com/apiguard/apiguard/internal/testenv"
)

// opaBinary returns bin/opa at the repository root, building it with `make bin/opa`
// when it is missing, and checks that it is the OPA release apiguard links, so the two
// sides of the comparison run the same evaluator.
func opaBinary(t *testing.T) string {
	t.Helper()
	testenv.Integration(t, testenv.BuiltTools+" (bin/opa)")
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	opa := filepath.Join(root, "bin", "opa")
	if _, err := os.Stat(opa); errors.Is(err, os.ErrNotExist) {
		cmd := exec.Command("make", "bin/opa")
		cmd.Dir = root
		cmd.Env = append(os.Environ(), "GOTOOLCHAIN=local")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("make bin/opa: %v\n%s", err, out)
		}
	}
	out, err := exec.Command(opa, "version").Output()
	if err != nil {
		t.Fatalf("%s version: %v", opa, err)
	}
	want := ""
	if info, ok := debug.ReadBuildInfo(); ok {
		for _, dep := range info.Deps {
			if dep.Path == "github.com/open-policy-agent/opa" {
				want = strings.TrimPrefix(dep.Version, "v")
			}
		}
	}
	if want == "" || !strings.Contains(string(out), "Version: "+want+"\n") {
		t.Fatalf("%s is not OPA %s, the version apiguard links (rebuild it with make bin/opa):\n%s", opa, want, out)
	}
	return opa
}

// runOPA runs bin/opa with args and returns its exit code and stdout. It does not stop
// the test, so it may run on another goroutine.
func runOPA(opa string, args ...string) (int, []byte, error) {
	var stdout, stderr bytes.Buffer
	cmd := exec.Command(opa, args...)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var exit *exec.ExitError
	switch {
	case err == nil:
		return 0, stdout.Bytes(), nil
	case errors.As(err, &exit):
		return exit.ExitCode(), stdout.Bytes(), nil
	}
	return 0, nil, fmt.Errorf("opa %s: %w\n%s", strings.Join(args, " "), err, stderr.String())
}

// opaOutcomes reads `opa test --format=json` into outcome by data.<package>.<test>.
func opaOutcomes(t *testing.T, out []byte) map[string]string {
	t.Helper()
	var results []struct {
		Package string          `json:"package"`
		Name    string          `json:"name"`
		Fail    bool            `json:"fail"`
		Skip    bool            `json:"skip"`
		Error   json.RawMessage `json:"error"`
	}
	if err := json.Unmarshal(out, &results); err != nil {
		t.Fatalf("opa test --format=json: %v\n%s", err, out)
	}
	got := map[string]string{}
	for _, r := range results {
		outcome := "PASS"
		switch {
		case r.Skip:
			outcome = "SKIP"
		case len(r.Error) > 0 && string(r.Error) != "null":
			outcome = "ERROR"
		case r.Fail:
			outcome = "FAIL"
		}
		got[r.Package+"."+r.Name] = outcome
	}
	return got
}

// apiguardOutcomes reads apiguard test -o junit into outcome by data.<package>.<test>.
func apiguardOutcomes(t *testing.T, out string) map[string]string {
	t.Helper()
	var doc struct {
		Suites []struct {
			Cases []struct {
				Name      string    `xml:"name,attr"`
				Classname string    `xml:"classname,attr"`
				Failure   *struct{} `xml:"failure"`
				Error     *struct{} `xml:"error"`
				Skipped   *struct{} `xml:"skipped"`
			} `xml:"testcase"`
		} `xml:"testsuite"`
	}
	if err := xml.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("apiguard test -o junit: %v\n%s", err, out)
	}
	got := map[string]string{}
	for _, s := range doc.Suites {
		for _, c := range s.Cases {
			outcome := "PASS"
			switch {
			case c.Skipped != nil:
				outcome = "SKIP"
			case c.Error != nil:
				outcome = "ERROR"
			case c.Failure != nil:
				outcome = "FAIL"
			}
			got[c.Classname+"."+c.Name] = outcome
		}
	}
	return got
}

// TestOPAParity runs the real `opa test` and `apiguard test` on the same trees and
// requires the same outcome for every test, and matching exit codes. opa exits 2 when
// a test fails and 1 when the tree does not load or compile; apiguard, like every
// apiguard command, exits 1 for failures and 2 for input errors.
func TestOPAParity(t *testing.T) {
	opa := opaBinary(t)
	broken := t.TempDir()
	writeTree(t, broken, map[string]string{"b/b_test.rego": "package b_test\n\ntest_unclosed if {\n"})
	cases := map[string]struct {
		dir                    string
		wantOPA, wantApiguard  int
		wantPassing, wantTotal int // wantPassing < 0: at least wantTotal tests, all passing
	}{
		"bundled library":               {dir: policies, wantOPA: 0, wantApiguard: 0, wantPassing: -1, wantTotal: 400},
		"failing, erroring and skipped": {dir: testcmdRego, wantOPA: 2, wantApiguard: 1, wantPassing: 3, wantTotal: 6},
		"a tree that does not compile":  {dir: broken, wantOPA: 1, wantApiguard: 2},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			opaCode, opaOut, err := runOPA(opa, "test", "--format=json", tc.dir)
			if err != nil {
				t.Fatal(err)
			}
			code, out, errOut := run(t, "", "test", "-o", "junit", tc.dir)
			if opaCode != tc.wantOPA || code != tc.wantApiguard {
				t.Fatalf("exit codes: opa %d (want %d), apiguard %d (want %d)\napiguard stderr: %s", opaCode, tc.wantOPA, code, tc.wantApiguard, errOut)
			}
			if tc.wantTotal == 0 {
				return
			}
			want, got := opaOutcomes(t, opaOut), apiguardOutcomes(t, out)
			if len(want) < tc.wantTotal {
				t.Fatalf("opa ran %d tests, want at least %d", len(want), tc.wantTotal)
			}
			passing := 0
			for name, outcome := range want {
				if got[name] != outcome {
					t.Errorf("%s: opa %s, apiguard %q", name, outcome, got[name])
				}
				if outcome == "PASS" {
					passing++
				}
			}
			for name := range got {
				if _, ok := want[name]; !ok {
					t.Errorf("%s: run by apiguard only", name)
				}
			}
			if tc.wantPassing >= 0 && passing != tc.wantPassing || tc.wantPassing < 0 && passing != len(want) {
				t.Errorf("%d of %d tests pass", passing, len(want))
			}
		})
	}
}

// coverageLine is one row of apiguard test --coverage: file, percent, covered/total.
var coverageLine = regexp.MustCompile(`(?m)^  (\S+)\s+([0-9.]+)%  (\d+)/(\d+) lines$`)

// TestCoverageMatchesOPA compares apiguard test --coverage with opa test --coverage on
// the bundled library, file by file and in total. Both compute it with OPA's cover
// package over every module, tests included, so the numbers are equal.
func TestCoverageMatchesOPA(t *testing.T) {
	t.Parallel()
	opa := opaBinary(t)
	// opa runs while apiguard does; coverage tracing is the slow part of both.
	type opaRun struct {
		code int
		out  []byte
		err  error
	}
	done := make(chan opaRun, 1)
	go func() {
		code, out, err := runOPA(opa, "test", "--coverage", "--format=json", policies)
		done <- opaRun{code, out, err}
	}()
	code, out, errOut := run(t, "", "test", "--coverage", policies)
	if code != 0 {
		t.Fatalf("apiguard test --coverage: exit %d\n%s%s", code, out, errOut)
	}
	r := <-done
	if r.err != nil {
		t.Fatal(r.err)
	}
	if r.code != 0 {
		t.Fatalf("opa test --coverage: exit %d\n%s", r.code, r.out)
	}
	opaOut := r.out
	var want struct {
		Files map[string]struct {
			CoveredLines    int     `json:"covered_lines"`
			NotCoveredLines int     `json:"not_covered_lines"`
			Coverage        float64 `json:"coverage"`
		} `json:"files"`
		CoveredLines    int     `json:"covered_lines"`
		NotCoveredLines int     `json:"not_covered_lines"`
		Coverage        float64 `json:"coverage"`
	}
	if err := json.Unmarshal(opaOut, &want); err != nil {
		t.Fatal(err)
	}
	rows := coverageLine.FindAllStringSubmatch(out, -1)
	if len(rows) != len(want.Files)+1 {
		t.Fatalf("apiguard reports %d rows, opa %d files + total:\n%s", len(rows), len(want.Files), out)
	}
	for _, row := range rows {
		file, percent := row[1], row[2]
		covered, _ := strconv.Atoi(row[3])
		total, _ := strconv.Atoi(row[4])
		wantCovered, wantTotal, wantPercent := want.CoveredLines, want.CoveredLines+want.NotCoveredLines, want.Coverage
		if file != "total" {
			f, ok := want.Files[file]
			if !ok {
				t.Errorf("%s: not in opa's report", file)
				continue
			}
			wantCovered, wantTotal, wantPercent = f.CoveredLines, f.CoveredLines+f.NotCoveredLines, f.Coverage
		}
		if covered != wantCovered || total != wantTotal || percent != fmt.Sprintf("%.2f", wantPercent) {
			t.Errorf("%s: apiguard %s%% %d/%d, opa %.2f%% %d/%d", file, percent, covered, total, wantPercent, wantCovered, wantTotal)
		}
	}
	t.Logf("coverage of %s: %.4f%% (%d of %d lines) in both", policies, want.Coverage, want.CoveredLines, want.CoveredLines+want.NotCoveredLines)
}
