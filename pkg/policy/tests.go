package policy

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"time"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/storage/inmem"
	"github.com/open-policy-agent/opa/v1/tester"
)

// DefaultTestTimeout bounds one test case, so a runaway test cannot stall activation.
const DefaultTestTimeout = 10 * time.Second

// TestReport summarises a run of a policy tree's own *_test.rego tests.
type TestReport struct {
	Passed, Failed, Errored, Skipped int
	// Failures name each failed or errored test: "file:row package.test: reason".
	Failures []string
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

// RunTests compiles the tree, tests included, with the same restricted builtins as
// evaluation, and runs every test. opts.Data should normally be empty: the repository's
// tests are its own contract and run against its own data, not a cluster's overrides.
// A compile problem is returned as a *CompileError; failing tests are in the report.
func RunTests(ctx context.Context, fsys fs.FS, opts LoadOptions) (TestReport, error) {
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
	runner := tester.NewRunner().
		SetCompiler(newCompiler()).
		SetStore(store).
		SetModules(modules).
		SetTimeout(DefaultTestTimeout)
	ch, err := runner.RunTests(ctx, txn)
	if err != nil {
		var errs ast.Errors
		if errors.As(err, &errs) {
			return report, &CompileError{Problems: describeASTError(errs)}
		}
		return report, fmt.Errorf("run policy tests: %w", err)
	}
	for r := range ch {
		switch {
		case r.Skip:
			report.Skipped++
		case r.Error != nil:
			report.Errored++
			report.Failures = append(report.Failures, describeTest(r, r.Error.Error()))
		case r.Fail:
			report.Failed++
			report.Failures = append(report.Failures, describeTest(r, "failed"))
		default:
			report.Passed++
		}
	}
	if err := ctx.Err(); err != nil {
		return report, fmt.Errorf("run policy tests: %w", err)
	}
	return report, nil
}

func describeTest(r *tester.Result, reason string) string {
	where := ""
	if r.Location != nil {
		where = fmt.Sprintf("%s:%d ", r.Location.File, r.Location.Row)
	}
	return fmt.Sprintf("%s%s.%s: %s", where, r.Package, r.Name, reason)
}
