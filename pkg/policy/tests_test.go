package policy

import (
	"context"
	"strings"
	"testing"
	"testing/fstest"
)

// A tree with one policy and a test of every outcome.
var outcomeTree = map[string]string{
	"p/p.rego": `package p

deny contains "no owner" if not input.owner

# Reached only by test_owner_set; test_unreached_line never runs it.
allowed_owner(o) if o == "team"
`,
	"p/p_test.rego": `package p_test

import data.p

test_no_owner_denies if {
	p.deny == {"no owner"} with input as {}
}

test_owner_set if {
	count(p.deny) == 0 with input as {"owner": "x"}
	p.allowed_owner("team")
}

test_fails if {
	print("deny is", p.deny) with input as {}
	count(p.deny) == 0 with input as {}
}

f(x) := 1 if x > 0

f(x) := 2 if x > 1

test_errors if {
	f(5) == 1
}

todo_test_later if false
`,
}

func mapFS(files map[string]string) fstest.MapFS {
	fsys := fstest.MapFS{}
	for p, src := range files {
		fsys[p] = &fstest.MapFile{Data: []byte(src)}
	}
	return fsys
}

func TestRunTestsWithResults(t *testing.T) {
	report, err := RunTestsWith(context.Background(), mapFS(outcomeTree), LoadOptions{}, TestOptions{Print: true})
	if err != nil {
		t.Fatal(err)
	}
	if report.Passed != 2 || report.Failed != 1 || report.Errored != 1 || report.Skipped != 1 {
		t.Fatalf("counts: %s", report)
	}
	want := []struct {
		name    string
		outcome TestOutcome
		row     int
	}{
		{"test_no_owner_denies", TestPass, 5},
		{"test_owner_set", TestPass, 9},
		{"test_fails", TestFail, 14},
		{"test_errors", TestError, 23},
		{"todo_test_later", TestSkip, 27},
	}
	if len(report.Results) != len(want) {
		t.Fatalf("%d results: %+v", len(report.Results), report.Results)
	}
	for i, w := range want {
		r := report.Results[i]
		if r.Name != w.name || r.Outcome != w.outcome || r.Row != w.row || r.File != "p/p_test.rego" || r.Package != "data.p_test" {
			t.Errorf("result %d = %+v, want %s %s at row %d", i, r, w.name, w.outcome, w.row)
		}
	}
	if got := report.Results[2]; !strings.Contains(got.Output, `deny is {"no owner"}`) {
		t.Errorf("print output of the failing test = %q", got.Output)
	}
	if got := report.Results[3]; !strings.Contains(got.Err, "conflicting") {
		t.Errorf("error of the erroring test = %q", got.Err)
	}
	if got := report.Results[0].FullName(); got != "data.p_test.test_no_owner_denies" {
		t.Errorf("full name = %q", got)
	}
	// The activation gate's summary names failures in result order.
	wantFailures := []string{
		"p/p_test.rego:14 data.p_test.test_fails: failed",
		"p/p_test.rego:23 data.p_test.test_errors: " + report.Results[3].Err,
	}
	if strings.Join(report.Failures, "\n") != strings.Join(wantFailures, "\n") {
		t.Errorf("failures = %q, want %q", report.Failures, wantFailures)
	}
	if report.Coverage != nil {
		t.Error("coverage computed without being asked for")
	}
}

func TestRunTestsWithoutPrintDropsOutput(t *testing.T) {
	report, err := RunTests(context.Background(), mapFS(outcomeTree), LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range report.Results {
		if r.Output != "" {
			t.Errorf("%s printed %q although print is off", r.Name, r.Output)
		}
	}
}

func TestRunTestsFilter(t *testing.T) {
	cases := map[string]struct {
		run  string
		want []string
	}{
		"prefix of the rule":   {run: "test_owner", want: []string{"test_owner_set"}},
		"package path":         {run: `^data\.p_test\.test_(no|errors)`, want: []string{"test_no_owner_denies", "test_errors"}},
		"skipped tests match":  {run: "todo_", want: []string{"todo_test_later"}},
		"nothing matches":      {run: "nope", want: nil},
		"empty runs every one": {run: "", want: []string{"test_no_owner_denies", "test_owner_set", "test_fails", "test_errors", "todo_test_later"}},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			report, err := RunTestsWith(context.Background(), mapFS(outcomeTree), LoadOptions{}, TestOptions{Run: tc.run})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, r := range report.Results {
				got = append(got, r.Name)
			}
			if strings.Join(got, ",") != strings.Join(tc.want, ",") {
				t.Errorf("ran %v, want %v", got, tc.want)
			}
		})
	}
	if _, err := RunTestsWith(context.Background(), mapFS(outcomeTree), LoadOptions{}, TestOptions{Run: "("}); err == nil {
		t.Error("a bad --run expression was accepted")
	}
}

func TestRunTestsTraceExplainsFailures(t *testing.T) {
	report, err := RunTestsWith(context.Background(), mapFS(outcomeTree), LoadOptions{}, TestOptions{Trace: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range report.Results {
		switch r.Outcome {
		case TestFail:
			// The failed comparison, located in the test file.
			if !strings.Contains(r.Detail, "Fail") || !strings.Contains(r.Detail, "p/p_test.rego:16") {
				t.Errorf("trace of %s:\n%s", r.Name, r.Detail)
			}
		case TestPass:
			if r.Detail != "" {
				t.Errorf("passing test %s has a trace:\n%s", r.Name, r.Detail)
			}
		}
	}
	plain, err := RunTests(context.Background(), mapFS(outcomeTree), LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range plain.Results {
		if r.Detail != "" {
			t.Errorf("%s has a trace without Trace:\n%s", r.Name, r.Detail)
		}
	}
}

func TestRunTestsParameterisedFailuresNameTheirCases(t *testing.T) {
	files := map[string]string{"q_test.rego": `package q_test

test_double[note] if {
	some c in [{"note": "one", "in": 1, "out": 2}, {"note": "two", "in": 2, "out": 5}]
	note := c.note
	c["in"] * 2 == c.out
}
`}
	report, err := RunTests(context.Background(), mapFS(files), LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if report.Failed != 1 || len(report.Results) != 1 {
		t.Fatalf("report = %s %+v", report, report.Results)
	}
	if d := report.Results[0].Detail; !strings.Contains(d, "case two: FAIL") || strings.Contains(d, "case one") {
		t.Errorf("detail = %q", d)
	}
}

func TestRunTestsCoverage(t *testing.T) {
	files := map[string]string{
		"c/c.rego": `package c

deny contains "big" if {
	input.n > 10
}

deny contains "negative" if {
	input.n < 0
}
`,
		"c/c_test.rego": `package c_test

import data.c

test_big if {
	c.deny == {"big"} with input as {"n": 11}
}
`,
	}
	report, err := RunTestsWith(context.Background(), mapFS(files), LoadOptions{}, TestOptions{Coverage: true, Trace: true})
	if err != nil {
		t.Fatal(err)
	}
	cov := report.Coverage
	if cov == nil {
		t.Fatal("no coverage")
	}
	if len(cov.Files) != 2 || cov.Files[0].File != "c/c.rego" || cov.Files[1].File != "c/c_test.rego" {
		t.Fatalf("files = %+v", cov.Files)
	}
	policyFile := cov.Files[0]
	// The "negative" rule (row 7) never produced a value; the "big" one (rows 3-4) did.
	notCovered := func(row int) bool {
		for _, r := range policyFile.NotCovered {
			if r.Start <= row && row <= r.End {
				return true
			}
		}
		return false
	}
	if !notCovered(7) || notCovered(3) || notCovered(4) || policyFile.NotCoveredLines == 0 {
		t.Errorf("c.rego not covered = %d %+v", policyFile.NotCoveredLines, policyFile.NotCovered)
	}
	if policyFile.Percent <= 0 || policyFile.Percent >= 100 || cov.Files[1].Percent != 100 {
		t.Errorf("per-file percentages = %v, %v", policyFile.Percent, cov.Files[1].Percent)
	}
	covered, missed := 0, 0
	for _, f := range cov.Files {
		covered += f.CoveredLines
		missed += f.NotCoveredLines
	}
	if cov.CoveredLines != covered || cov.NotCoveredLines != missed {
		t.Errorf("totals %d/%d do not add up the files' %d/%d", cov.CoveredLines, cov.NotCoveredLines, covered, missed)
	}
	if want := 100 * float64(covered) / float64(covered+missed); cov.Percent != want {
		t.Errorf("total = %v, want %v", cov.Percent, want)
	}
	// Coverage takes precedence over tracing, as in opa test.
	for _, r := range report.Results {
		if r.Detail != "" {
			t.Errorf("%s traced under coverage", r.Name)
		}
	}
}
