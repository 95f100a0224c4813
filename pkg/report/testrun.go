package report

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/apiguard/apiguard/pkg/policy"
)

// Outcomes of a test case in apiguard test: a Rego test or an admission fixture case.
const (
	TestPassed  = "PASS"
	TestFailed  = "FAIL"
	TestErrored = "ERROR"
	TestSkipped = "SKIP"
)

// TestRun is what apiguard test reports: suites of cases and, optionally, coverage.
type TestRun struct {
	Suites []TestSuite
	// Coverage of the Rego modules by the Rego tests; nil unless asked for.
	Coverage *policy.Coverage
	// Verbose lists passing and skipped cases too, with durations, as opa test -v does.
	Verbose bool
}

// TestSuite is one file: a *_test.rego file or a fixture file.
type TestSuite struct {
	Name  string
	Cases []TestCase
}

// TestCase is one Rego test or one fixture case.
type TestCase struct {
	// Classname groups cases inside a file: a Rego test's package. Empty for fixtures.
	Classname string
	Name      string
	Outcome   string
	Duration  time.Duration
	// Message is the one-line reason for a failure or error.
	Message string
	// Detail explains a failure over several lines: expected vs got, or a trace.
	Detail string
	// Output is what the case printed.
	Output string
}

// FullName is the name people see: data.<package>.<test> for Rego tests, the case name
// for fixtures.
func (c TestCase) FullName() string {
	if c.Classname == "" {
		return c.Name
	}
	return c.Classname + "." + c.Name
}

// TestCounts tallies a run.
type TestCounts struct {
	Passed, Failed, Errored, Skipped int
}

// Count tallies the cases of every suite.
func (r TestRun) Count() TestCounts {
	var n TestCounts
	for _, s := range r.Suites {
		for _, c := range s.Cases {
			switch c.Outcome {
			case TestPassed:
				n.Passed++
			case TestFailed:
				n.Failed++
			case TestErrored:
				n.Errored++
			case TestSkipped:
				n.Skipped++
			}
		}
	}
	return n
}

// OK reports whether nothing failed or errored.
func (n TestCounts) OK() bool { return n.Failed == 0 && n.Errored == 0 }

// String is the closing summary line: "N passed, N failed" and errors and skips when
// there are any.
func (n TestCounts) String() string {
	s := fmt.Sprintf("%d passed, %d failed", n.Passed, n.Failed)
	if n.Errored > 0 {
		s += fmt.Sprintf(", %d errored", n.Errored)
	}
	if n.Skipped > 0 {
		s += fmt.Sprintf(", %d skipped", n.Skipped)
	}
	return s
}

// TestFormats lists the output formats of apiguard test.
func TestFormats() []string { return []string{"text", "junit"} }

// WriteTests renders a test run in the named format.
func WriteTests(w io.Writer, format string, run TestRun) error {
	switch format {
	case "text", "":
		return writeTestText(w, run)
	case "junit":
		return writeTestJUnit(w, run)
	}
	return fmt.Errorf("unknown output format %q (want %s)", format, strings.Join(TestFormats(), ", "))
}

// writeTestText lists failures (every case with Verbose) grouped by file, then coverage
// and the summary, which is always the last line.
func writeTestText(w io.Writer, run TestRun) error {
	var b strings.Builder
	for _, s := range run.Suites {
		header := false
		for _, c := range s.Cases {
			shown := run.Verbose || c.Outcome == TestFailed || c.Outcome == TestErrored
			if !shown {
				continue
			}
			if !header {
				fmt.Fprintf(&b, "%s\n", s.Name)
				header = true
			}
			fmt.Fprintf(&b, "  %-5s  %s", c.Outcome, c.FullName())
			if run.Verbose && c.Outcome != TestSkipped {
				fmt.Fprintf(&b, " (%s)", c.Duration.Round(time.Microsecond))
			}
			b.WriteString("\n")
			for _, text := range []string{c.Message, c.Detail, c.Output} {
				if strings.TrimSpace(text) != "" {
					b.WriteString(indentLines(strings.TrimRight(text, "\n"), "         "))
				}
			}
		}
		if header {
			b.WriteString("\n")
		}
	}
	if run.Coverage != nil {
		writeCoverage(&b, *run.Coverage, run.Verbose)
		b.WriteString("\n")
	}
	b.WriteString(run.Count().String())
	b.WriteString("\n")
	_, err := io.WriteString(w, b.String())
	return err
}

// WriteCoverage renders coverage as text: per file, then the total. Verbose adds the
// line ranges no test reached.
func WriteCoverage(w io.Writer, c policy.Coverage, verbose bool) error {
	var b strings.Builder
	writeCoverage(&b, c, verbose)
	_, err := io.WriteString(w, b.String())
	return err
}

func writeCoverage(b *strings.Builder, c policy.Coverage, verbose bool) {
	width := len("total")
	for _, f := range c.Files {
		width = max(width, len(f.File))
	}
	b.WriteString("Coverage:\n")
	for _, f := range c.Files {
		fmt.Fprintf(b, "  %-*s  %6.2f%%  %d/%d lines", width, f.File, f.Percent, f.CoveredLines, f.CoveredLines+f.NotCoveredLines)
		if verbose && len(f.NotCovered) > 0 {
			var ranges []string
			for _, r := range f.NotCovered {
				if r.Start == r.End {
					ranges = append(ranges, fmt.Sprint(r.Start))
				} else {
					ranges = append(ranges, fmt.Sprintf("%d-%d", r.Start, r.End))
				}
			}
			fmt.Fprintf(b, "  not covered: %s", strings.Join(ranges, ", "))
		}
		b.WriteString("\n")
	}
	fmt.Fprintf(b, "  %-*s  %6.2f%%  %d/%d lines\n", width, "total", c.Percent, c.CoveredLines, c.CoveredLines+c.NotCoveredLines)
}

func indentLines(s, prefix string) string {
	return prefix + strings.ReplaceAll(s, "\n", "\n"+prefix) + "\n"
}

func seconds(d time.Duration) string { return fmt.Sprintf("%.3f", d.Seconds()) }

// writeTestJUnit: a testsuite per file and a testcase per Rego test or fixture case,
// with durations, so CI systems list and time each one.
func writeTestJUnit(w io.Writer, run TestRun) error {
	doc := junitSuites{Name: "apiguard test"}
	var skipped int
	var duration time.Duration
	for _, s := range run.Suites {
		suite := junitSuite{Name: s.Name, junitCounts: junitCounts{Tests: len(s.Cases)}}
		var suiteSkipped int
		var total time.Duration
		for _, c := range s.Cases {
			class := c.Classname
			if class == "" {
				class = s.Name
			}
			tc := junitCase{Name: c.Name, Classname: class, Time: seconds(c.Duration), SystemOut: c.Output}
			text := strings.TrimSpace(strings.Join(nonEmpty(c.Message, c.Detail), "\n"))
			switch c.Outcome {
			case TestFailed:
				tc.Failure = &junitMessage{Message: firstLine(c.Message), Type: "failure", Text: text}
				suite.Fails++
			case TestErrored:
				tc.Error = &junitMessage{Message: firstLine(c.Message), Type: "error", Text: text}
				suite.Errors++
			case TestSkipped:
				tc.Skipped = &junitSkipped{Message: c.Message}
				suiteSkipped++
			}
			total += c.Duration
			suite.Cases = append(suite.Cases, tc)
		}
		suite.Skipped = &suiteSkipped
		suite.Time = seconds(total)
		doc.Tests += suite.Tests
		doc.Fails += suite.Fails
		doc.Errors += suite.Errors
		skipped += suiteSkipped
		duration += total
		doc.Suites = append(doc.Suites, suite)
	}
	doc.Skipped = &skipped
	doc.Time = seconds(duration)
	return encodeJUnit(w, doc)
}

func nonEmpty(parts ...string) []string {
	var out []string
	for _, p := range parts {
		if strings.TrimSpace(p) != "" {
			out = append(out, p)
		}
	}
	return out
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}
