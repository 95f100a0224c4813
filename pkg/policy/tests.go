package policy

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/cover"
	"github.com/open-policy-agent/opa/v1/storage/inmem"
	"github.com/open-policy-agent/opa/v1/tester"
	"github.com/open-policy-agent/opa/v1/topdown"
	"github.com/open-policy-agent/opa/v1/topdown/lineage"
)

// DefaultTestTimeout bounds one test case, so a runaway test cannot stall activation.
const DefaultTestTimeout = 10 * time.Second

// TestReport summarises a run of a policy tree's own *_test.rego tests.
type TestReport struct {
	Passed, Failed, Errored, Skipped int
	// Failures name each failed or errored test: "file:row package.test: reason".
	Failures []string
	// Results hold every test that ran (or was skipped), sorted by file, row and name.
	Results []TestResult
	// Coverage is set when TestOptions.Coverage asked for it.
	Coverage *Coverage
}

// OK reports whether every test that ran passed.
func (r TestReport) OK() bool { return r.Failed == 0 && r.Errored == 0 }

// String summarises the report for logs and /status.
func (r TestReport) String() string {
	s := fmt.Sprintf("%d passed, %d failed, %d errored", r.Passed, r.Failed, r.Errored)
	if r.Skipped > 0 {
		s += fmt.Sprintf(", %d skipped", r.Skipped)
	}
	return s
}

// TestOutcome is how one test ended, spelled as opa test prints it.
type TestOutcome string

// Test outcomes.
const (
	TestPass  TestOutcome = "PASS"
	TestFail  TestOutcome = "FAIL"
	TestError TestOutcome = "ERROR"
	TestSkip  TestOutcome = "SKIP"
)

// TestResult is one test rule's outcome.
type TestResult struct {
	// File and Row locate the test rule; File is the path inside the policy tree.
	File string
	Row  int
	// Package is the test's package ("data.ingress.require_tls_test"), Name its rule name.
	Package string
	Name    string
	Outcome TestOutcome
	// Duration is zero for skipped tests.
	Duration time.Duration
	// Err says why an ERROR test could not be evaluated.
	Err string
	// Output is what the test printed with print(), when TestOptions.Print is set.
	Output string
	// Detail explains a failure: the failed cases of a parameterised test and, with
	// TestOptions.Trace, the notes and failed expressions that led to it.
	Detail string
}

// FullName is the name opa test prints and --run matches: data.<package>.<test>.
func (r TestResult) FullName() string { return r.Package + "." + r.Name }

// Coverage says which lines of a tree's modules, tests included, the tests evaluated.
// It is computed by OPA's cover package over the same modules `opa test --coverage`
// reports on, so the numbers agree.
type Coverage struct {
	// Files are sorted by path.
	Files           []FileCoverage
	CoveredLines    int
	NotCoveredLines int
	// Percent is CoveredLines / (CoveredLines + NotCoveredLines) * 100; 0 with no lines.
	Percent float64
}

// FileCoverage is the coverage of one module.
type FileCoverage struct {
	File            string
	CoveredLines    int
	NotCoveredLines int
	Percent         float64
	// NotCovered are the line ranges no test evaluated, in order.
	NotCovered []LineRange
}

// LineRange is an inclusive range of 1-based line numbers.
type LineRange struct{ Start, End int }

// TestOptions tune a test run for people (apiguard test). The zero value is what the
// activation gate runs: every test, no trace, no coverage.
type TestOptions struct {
	// Run selects tests whose full name (data.<package>.<test>) matches the regular
	// expression, as opa test --run does. Empty runs every test.
	Run string
	// Trace keeps, for failing tests, the notes and failed expressions that led to the
	// failure, as opa test -v prints them. Tracing slows every test down. Coverage
	// takes precedence, as it does in opa.
	Trace bool
	// Print lets print() calls in policies and tests through, captured per test.
	// Evaluation never prints; this only changes what a test run shows.
	Print bool
	// Coverage records which lines the tests evaluate.
	Coverage bool
}

// RunTests compiles the tree, tests included, with the same restricted builtins as
// evaluation, and runs every test. opts.Data should normally be empty: the repository's
// tests are its own contract and run against its own data, not a cluster's overrides.
// A compile problem is returned as a *CompileError; failing tests are in the report.
func RunTests(ctx context.Context, fsys fs.FS, opts LoadOptions) (TestReport, error) {
	return RunTestsWith(ctx, fsys, opts, TestOptions{})
}

// RunTestsWith is RunTests with the knobs a person running tests wants: a name filter,
// traces of failures, print output and coverage.
func RunTestsWith(ctx context.Context, fsys fs.FS, opts LoadOptions, topts TestOptions) (TestReport, error) {
	var report TestReport
	src, err := readSources(fsys, opts)
	if err != nil {
		return report, err
	}
	all := make(map[string]string, len(src.modules)+len(src.tests))
	maps.Copy(all, src.modules)
	maps.Copy(all, src.tests)
	modules, err := parseModules(all)
	if err != nil {
		return report, err
	}
	store := inmem.NewFromObject(src.data)
	txn, err := store.NewTransaction(ctx)
	if err != nil {
		return report, fmt.Errorf("open data store: %w", err)
	}
	defer store.Abort(ctx, txn)
	// Printing changes what a test shows, never what it decides. Tests may also call
	// trace, for opa test -v style notes; policies may not (refuseTestOnlyCalls).
	compiler := newCompiler(testCapabilities()).
		WithEnablePrintStatements(topts.Print).
		WithStageAfterID(ast.StageRewriteExprTerms, ast.CompilerStageDefinition{
			Name: "RefuseTestOnlyBuiltins", MetricName: "refuse_test_only_builtins", Stage: refuseTestOnlyCalls,
		})
	runner := tester.NewRunner().
		SetCompiler(compiler).
		SetStore(store).
		SetModules(modules).
		SetTimeout(DefaultTestTimeout).
		CapturePrintOutput(topts.Print).
		Filter(topts.Run)
	var cov *cover.Cover
	switch {
	case topts.Coverage:
		cov = cover.New()
		// The supplementary passes only explain why a line was missed; they do not
		// change the numbers and would run every test three times.
		runner = runner.SetCoverageQueryTracer(cov).SetCoverageRuns(nil)
	case topts.Trace:
		runner = runner.EnableTracing(true)
	}
	ch, err := runner.RunTests(ctx, txn)
	if err != nil {
		var errs ast.Errors
		if errors.As(err, &errs) {
			return report, &CompileError{Problems: describeASTError(errs)}
		}
		return report, fmt.Errorf("run policy tests: %w", err)
	}
	for r := range ch {
		res := testResult(r, topts.Trace && !topts.Coverage)
		switch res.Outcome {
		case TestSkip:
			report.Skipped++
		case TestError:
			report.Errored++
		case TestFail:
			report.Failed++
		default:
			report.Passed++
		}
		report.Results = append(report.Results, res)
	}
	if err := ctx.Err(); err != nil {
		return report, fmt.Errorf("run policy tests: %w", err)
	}
	// Tests run in parallel; a stable order makes reports diffable.
	slices.SortFunc(report.Results, func(a, b TestResult) int {
		return cmp.Or(cmp.Compare(a.File, b.File), cmp.Compare(a.Row, b.Row), cmp.Compare(a.FullName(), b.FullName()))
	})
	for _, r := range report.Results {
		switch r.Outcome {
		case TestError:
			report.Failures = append(report.Failures, describeTest(r, r.Err))
		case TestFail:
			report.Failures = append(report.Failures, describeTest(r, "failed"))
		}
	}
	if cov != nil {
		c := coverageOf(cov.Report(modules))
		report.Coverage = &c
	}
	return report, nil
}

// refuseTestOnlyCalls fails the compile of a test run when a policy, not a test, calls
// the test-only builtin, with the error evaluation would give: a tree whose tests pass
// must also load. It runs after nested calls are rewritten into expressions of their
// own, so a call inside another term or a comprehension is seen too.
func refuseTestOnlyCalls(c *ast.Compiler) *ast.Error {
	for _, name := range sortedKeys(c.Modules) {
		if IsTestFile(name) {
			continue
		}
		var call *ast.Expr
		ast.WalkExprs(c.Modules[name], func(e *ast.Expr) bool {
			if call == nil && e.IsCall() && e.Operator().String() == testOnlyBuiltin {
				call = e
			}
			return call != nil
		})
		if call != nil {
			return ast.NewError(ast.TypeErr, call.Location, "undefined function %s", testOnlyBuiltin)
		}
	}
	return nil
}

func testResult(r *tester.Result, trace bool) TestResult {
	res := TestResult{Package: r.Package, Name: r.Name, Duration: r.Duration, Output: string(r.Output)}
	if r.Location != nil {
		res.File, res.Row = r.Location.File, r.Location.Row
	}
	switch {
	case r.Skip:
		res.Outcome = TestSkip
	case r.Error != nil:
		res.Outcome, res.Err = TestError, r.Error.Error()
	case r.Fail:
		res.Outcome = TestFail
	default:
		res.Outcome = TestPass
	}
	if res.Outcome != TestFail && res.Outcome != TestError {
		return res
	}
	var detail strings.Builder
	for name, sr := range r.SubResults.Iter {
		if sr.Fail && len(sr.SubResults) == 0 {
			fmt.Fprintf(&detail, "case %s: FAIL\n", strings.Join(name, " / "))
		}
	}
	if trace && len(r.Trace) > 0 {
		// opa test -v shows the notes and the failed expressions with the evaluation
		// steps that led to them; the full trace is rarely readable.
		events := lineage.Filter(r.Trace, func(e *topdown.Event) bool {
			return e.Op == topdown.NoteOp || e.Op == topdown.FailOp
		})
		topdown.PrettyTraceWithOpts(&detail, events, topdown.PrettyTraceOptions{Locations: true})
	}
	res.Detail = strings.TrimRight(detail.String(), "\n")
	return res
}

func coverageOf(rep cover.Report) Coverage {
	c := Coverage{CoveredLines: rep.CoveredLines, NotCoveredLines: rep.NotCoveredLines, Percent: rep.Coverage}
	for _, file := range sortedKeys(rep.Files) {
		fr := rep.Files[file]
		fc := FileCoverage{File: file, CoveredLines: fr.CoveredLines, NotCoveredLines: fr.NotCoveredLines, Percent: fr.Coverage}
		for _, rng := range fr.NotCovered {
			fc.NotCovered = append(fc.NotCovered, LineRange{Start: rng.Start.Row, End: rng.End.Row})
		}
		c.Files = append(c.Files, fc)
	}
	return c
}

func describeTest(r TestResult, reason string) string {
	where := ""
	if r.File != "" {
		where = fmt.Sprintf("%s:%d ", r.File, r.Row)
	}
	return fmt.Sprintf("%s%s: %s", where, r.FullName(), reason)
}
