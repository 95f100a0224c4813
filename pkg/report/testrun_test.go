package report

import (
	"bytes"
	"encoding/xml"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/apiguard/apiguard/pkg/policy"
)

func sampleTestRun() TestRun {
	return TestRun{Suites: []TestSuite{
		{Name: "policies/p/p_test.rego", Cases: []TestCase{
			{Classname: "data.p_test", Name: "test_ok", Outcome: TestPassed, Duration: 2 * time.Millisecond},
			{Classname: "data.p_test", Name: "test_bad", Outcome: TestFailed, Duration: 2 * time.Millisecond,
				Message: "policies/p/p_test.rego:9: test failed", Detail: "query:1  | Fail x == 1", Output: "x is 2\n"},
			{Classname: "data.p_test", Name: "test_boom", Outcome: TestErrored, Duration: time.Millisecond, Message: "p/p_test.rego:12: eval_conflict_error: <conflict> & more"},
			{Classname: "data.p_test", Name: "todo_test_later", Outcome: TestSkipped},
		}},
		{Name: "fixtures/suite.yaml", Cases: []TestCase{
			{Name: "owned passes", Outcome: TestPassed, Duration: 3 * time.Millisecond},
			{Name: "wrong verdict", Outcome: TestFailed, Duration: 4 * time.Millisecond,
				Message: "violations: want [a], got none\n  missing    a"},
		}},
	}}
}

func sampleCoverage() *policy.Coverage {
	return &policy.Coverage{
		Files: []policy.FileCoverage{
			{File: "policies/p/p.rego", CoveredLines: 9, NotCoveredLines: 3, Percent: 75, NotCovered: []policy.LineRange{{Start: 4, End: 4}, {Start: 10, End: 11}}},
			{File: "policies/p/p_test.rego", CoveredLines: 12, Percent: 100},
		},
		CoveredLines: 21, NotCoveredLines: 3, Percent: 87.5,
	}
}

// TestTestRunGolden renders apiguard test output and compares it with
// testdata/golden-test.<variant>; regenerate with `go test ./pkg/report -update`.
func TestTestRunGolden(t *testing.T) {
	verbose := sampleTestRun()
	verbose.Verbose, verbose.Coverage = true, sampleCoverage()
	withCoverage := sampleTestRun()
	withCoverage.Coverage = sampleCoverage()
	variants := map[string]struct {
		format string
		run    TestRun
	}{
		"text":          {"text", sampleTestRun()},
		"verbose.text":  {"text", verbose},
		"coverage.text": {"text", withCoverage},
		"junit":         {"junit", sampleTestRun()},
	}
	for name, v := range variants {
		t.Run(name, func(t *testing.T) {
			var b bytes.Buffer
			if err := WriteTests(&b, v.format, v.run); err != nil {
				t.Fatal(err)
			}
			file := filepath.Join("testdata", "golden-test."+name)
			if *update {
				if err := os.WriteFile(file, b.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(file)
			if err != nil {
				t.Fatalf("%v (run with -update)", err)
			}
			if b.String() != string(want) {
				t.Errorf("output differs from %s:\n%s", file, b.String())
			}
		})
	}
}

func TestTestRunText(t *testing.T) {
	var b bytes.Buffer
	if err := WriteTests(&b, "text", sampleTestRun()); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{
		"policies/p/p_test.rego\n  FAIL   data.p_test.test_bad\n",
		"  ERROR  data.p_test.test_boom\n",
		"fixtures/suite.yaml\n  FAIL   wrong verdict\n         violations: want [a], got none\n           missing    a\n",
		"         x is 2\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %q in:\n%s", want, out)
		}
	}
	// Without -v, passing and skipped cases are counted, not listed.
	for _, unwanted := range []string{"test_ok", "owned passes", "todo_test_later", "ms)"} {
		if strings.Contains(out, unwanted) {
			t.Errorf("%q listed without verbose:\n%s", unwanted, out)
		}
	}
	if !strings.HasSuffix(out, "\n2 passed, 2 failed, 1 errored, 1 skipped\n") {
		t.Errorf("summary is not the last line:\n%s", out)
	}
	b.Reset()
	if err := WriteTests(&b, "text", TestRun{}); err != nil || b.String() != "0 passed, 0 failed\n" {
		t.Errorf("empty run = %q, %v", b.String(), err)
	}
	if err := WriteTests(&b, "tap", TestRun{}); err == nil {
		t.Error("unknown format accepted")
	}
}

func TestTestCounts(t *testing.T) {
	n := sampleTestRun().Count()
	if n != (TestCounts{Passed: 2, Failed: 2, Errored: 1, Skipped: 1}) || n.OK() {
		t.Errorf("counts = %+v ok=%t", n, n.OK())
	}
	if ok := (TestCounts{Passed: 3, Skipped: 1}); !ok.OK() || ok.String() != "3 passed, 0 failed, 1 skipped" {
		t.Errorf("%+v: %q ok=%t", ok, ok.String(), ok.OK())
	}
	if errored := (TestCounts{Errored: 1}); errored.OK() {
		t.Error("an error counts as OK")
	}
}

func TestTestRunJUnit(t *testing.T) {
	var b bytes.Buffer
	if err := WriteTests(&b, "junit", sampleTestRun()); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Tests   int `xml:"tests,attr"`
		Fails   int `xml:"failures,attr"`
		Errors  int `xml:"errors,attr"`
		Skipped int `xml:"skipped,attr"`
		Suites  []struct {
			Name  string `xml:"name,attr"`
			Time  string `xml:"time,attr"`
			Cases []struct {
				Name      string `xml:"name,attr"`
				Classname string `xml:"classname,attr"`
				Time      string `xml:"time,attr"`
				Failure   *struct {
					Message string `xml:"message,attr"`
					Text    string `xml:",chardata"`
				} `xml:"failure"`
				Error   *struct{} `xml:"error"`
				Skipped *struct{} `xml:"skipped"`
			} `xml:"testcase"`
		} `xml:"testsuite"`
	}
	if err := xml.Unmarshal(b.Bytes(), &doc); err != nil {
		t.Fatalf("not XML: %v\n%s", err, b.String())
	}
	if doc.Tests != 6 || doc.Fails != 2 || doc.Errors != 1 || doc.Skipped != 1 || len(doc.Suites) != 2 {
		t.Fatalf("totals: %+v", doc)
	}
	rego, fixtures := doc.Suites[0], doc.Suites[1]
	if rego.Time != "0.005" || rego.Cases[1].Name != "test_bad" || rego.Cases[1].Classname != "data.p_test" || rego.Cases[1].Time != "0.002" {
		t.Errorf("rego suite: %+v", rego)
	}
	if f := rego.Cases[1].Failure; f == nil || f.Message != "policies/p/p_test.rego:9: test failed" || !strings.Contains(f.Text, "Fail x == 1") {
		t.Errorf("failure: %+v", f)
	}
	if rego.Cases[2].Error == nil || rego.Cases[3].Skipped == nil || rego.Cases[0].Failure != nil {
		t.Errorf("outcomes: %+v", rego.Cases)
	}
	// A fixture case is classed under its file; the failure's message is its first line.
	if c := fixtures.Cases[1]; c.Classname != "fixtures/suite.yaml" || c.Failure == nil || c.Failure.Message != "violations: want [a], got none" || !strings.Contains(c.Failure.Text, "missing    a") {
		t.Errorf("fixture case: %+v", c)
	}
}

func TestWriteCoverage(t *testing.T) {
	var b bytes.Buffer
	if err := WriteCoverage(&b, *sampleCoverage(), true); err != nil {
		t.Fatal(err)
	}
	want := "Coverage:\n" +
		"  policies/p/p.rego        75.00%  9/12 lines  not covered: 4, 10-11\n" +
		"  policies/p/p_test.rego  100.00%  12/12 lines\n" +
		"  total                    87.50%  21/24 lines\n"
	if b.String() != want {
		t.Errorf("coverage =\n%s\nwant\n%s", b.String(), want)
	}
}
