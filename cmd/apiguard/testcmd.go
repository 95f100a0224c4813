package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/apiguard/apiguard/pkg/fixture"
	"github.com/apiguard/apiguard/pkg/policy"
	"github.com/apiguard/apiguard/pkg/policybench"
	"github.com/apiguard/apiguard/pkg/report"
	"github.com/apiguard/apiguard/pkg/source"
)

type testOptions struct {
	policies    []string
	fixtures    []string
	clusterName string
	gitAuth     source.GitAuth
	rego        bool
	verbose     bool
	coverage    bool
	threshold   float64
	run         string
	output      string
	bench       benchOptions
}

// benchOptions are the flags of apiguard test --bench.
type benchOptions struct {
	enabled bool
	out     string
	time    time.Duration
	count   int
	kinds   []string
	data    []string
}

func newTestCommand() *cobra.Command {
	o := testOptions{}
	cmd := &cobra.Command{
		Use:   "test [flags] [POLICY_DIR ...]",
		Short: "Run the policies' Rego tests and admission fixtures",
		Long: `Run the *_test.rego tests of the policy trees, as opa test does but with the
builtins apiguard allows, and the admission fixtures given with --fixtures: YAML cases
that send a whole object through the mutating and validating policies, exactly as
apiguard check does, and state the verdict it must get (test/fixtures/README.md
describes the format).

Policy trees are the POLICY_DIR arguments and --policy values together (the built-in
library when there are none; "builtin" names it); several are merged as check merges them. Fixture files are never
picked up from inside a policy tree: opa test and opa check would load them as data.

--bench measures instead of testing: for each kind of a fixed corpus (clean objects,
violating objects, large objects with 100 hosts, rules, listeners or paths) it times
the kind's whole decision and what each policy adds to it, by dropping that one policy
(enforcement off) and timing the decision again, decision by decision, interleaved, in
the thread's CPU time; it reports the median differences. It prints a table of each kind's decision and its costliest policies, with
their share of the decision (marked ! above 15%), and with --bench-out writes every
policy's time and allocations as JSON. --data sets the configuration measured under
(make bench-policies uses test/examples-config.yaml); docs/performance.md explains
the method. Rego tests and fixtures are not run.

Exit codes: 0 every test and case passed, 1 something failed or errored or coverage is
below --threshold, 2 usage, input or policy errors.`,
		Example: `  apiguard test policies/
  apiguard test -v --run 'require_tls' policies/
  apiguard test --coverage --threshold 90 policies/
  apiguard test --fixtures test/fixtures -o junit policies/ > report.xml
  apiguard test --bench --data test/examples-config.yaml --bench-out bench/policies.json policies/`,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runTest(cmd.Context(), o, args, cmd.OutOrStdout(), cmd.ErrOrStderr())
		},
	}
	f := cmd.Flags()
	f.StringArrayVar(&o.policies, "policy", nil, policyFlagUsage)
	f.StringArrayVar(&o.fixtures, "fixtures", nil, "fixture file, or directory whose *.yaml files are fixtures; repeatable")
	f.StringVar(&o.clusterName, "cluster-name", "", "select clusters/<name>/ in the policy tree, as the webhook's --cluster-name does")
	bindGitAuthFlags(f, &o.gitAuth)
	f.BoolVar(&o.rego, "rego", true, "run the Rego tests; --rego=false runs only the fixtures")
	f.BoolVarP(&o.verbose, "verbose", "v", false, "list every test and case with its duration, and trace failing Rego tests")
	f.BoolVar(&o.coverage, "coverage", false, "report how much of the Rego the tests evaluate, per file and in total")
	f.Float64Var(&o.threshold, "threshold", 0, "exit 1 when total coverage is below this percentage (implies --coverage)")
	f.StringVar(&o.run, "run", "", "run only the Rego tests (data.<package>.<test>) and fixture cases whose name matches this regular expression")
	f.StringVarP(&o.output, "output", "o", "text", "output format: "+strings.Join(report.TestFormats(), ", "))
	f.BoolVar(&o.bench.enabled, "bench", false, "measure each policy's cost per kind on a fixed corpus instead of running tests")
	f.StringVar(&o.bench.out, "bench-out", "", "with --bench: write the full results as JSON to this file")
	f.DurationVar(&o.bench.time, "benchtime", policybench.DefaultBenchTime, "with --bench: CPU time the full set spends on one class of objects per round")
	f.IntVar(&o.bench.count, "count", policybench.DefaultCount, "with --bench: rounds; every set decides each object in every round, and medians of the pairs are reported")
	f.StringArrayVar(&o.bench.kinds, "bench-kind", nil, "with --bench: measure only this kind (Ingress, or group/Kind); repeatable")
	f.StringArrayVar(&o.bench.data, "data", nil, "with --bench: JSON or YAML data merged over the policies' data, as check --data; repeatable")
	return cmd
}

func runTest(ctx context.Context, o testOptions, args []string, out, errOut io.Writer) error {
	usage := func(err error) error { return &exitError{code: report.ExitError, err: err} }
	if !slices.Contains(report.TestFormats(), o.output) {
		return usage(fmt.Errorf("unknown output format %q (want %s)", o.output, strings.Join(report.TestFormats(), ", ")))
	}
	if o.threshold < 0 || o.threshold > 100 {
		return usage(fmt.Errorf("--threshold %v: want a percentage between 0 and 100", o.threshold))
	}
	// As in opa test, asking for a threshold asks for coverage.
	o.coverage = o.coverage || o.threshold > 0
	if o.coverage && !o.rego {
		return usage(fmt.Errorf("--coverage and --threshold measure the Rego tests, which --rego=false leaves out"))
	}
	if err := checkBenchFlags(o); err != nil {
		return usage(err)
	}
	var filter *regexp.Regexp
	if o.run != "" {
		var err error
		if filter, err = regexp.Compile(o.run); err != nil {
			return usage(fmt.Errorf("--run: %w", err))
		}
	}
	specs := append(slices.Clone(o.policies), args...)
	if len(specs) == 0 {
		specs = []string{source.Builtin}
	}
	trees, err := source.Resolver{Auth: o.gitAuth}.ResolveAll(ctx, specs)
	if err != nil {
		return usage(err)
	}
	snap, err := source.Merge(source.Snapshots(trees)...)
	if err != nil {
		return usage(err)
	}
	if o.bench.enabled {
		return runBench(ctx, o, snap, out, errOut)
	}
	names, err := source.FileNames(trees)
	if err != nil {
		return usage(err)
	}
	// Fixtures are read before anything runs, so a mistake in one is a usage error and
	// not a half-finished report.
	fixturePaths, err := fixture.Find(o.fixtures)
	if err != nil {
		return usage(err)
	}
	files, err := fixture.Load(fixturePaths)
	if err != nil {
		return usage(err)
	}

	var tests policy.TestReport
	if o.rego {
		tests, err = policy.RunTestsWith(ctx, snap.FS, policy.LoadOptions{ClusterName: o.clusterName}, policy.TestOptions{
			Run: o.run, Trace: o.verbose, Print: true, Coverage: o.coverage,
		})
		if err != nil {
			return usage(fmt.Errorf("policies %s: %w", snap.Origin, err))
		}
	}
	if o.verbose {
		// The policies the tree's own configuration leaves inert (enabled is false): the
		// engine never evaluates them; fixture files' data may enable them.
		if set, err := policy.Load(ctx, snap.FS, policy.LoadOptions{Revision: snap.Revision, ClusterName: o.clusterName}); err != nil {
			fmt.Fprintf(errOut, "apiguard: warning: policies %s: %v\n", snap.Origin, err)
		} else if ids := set.Inert(); len(ids) > 0 {
			fmt.Fprintf(errOut, "inert under the tree's configuration (enabled is false, not evaluated): %s\n", strings.Join(ids, ", "))
		}
	}
	load := func(ctx context.Context, data []map[string]any) (*policy.PolicySet, error) {
		set, err := policy.Load(ctx, snap.FS, policy.LoadOptions{Revision: snap.Revision, ClusterName: o.clusterName, Data: data})
		if err != nil {
			return nil, fmt.Errorf("policies %s: %w", snap.Origin, err)
		}
		return set, nil
	}
	cases, err := fixture.Run(ctx, load, files, fixture.Options{Run: filter, Identity: gitopsIdentity})
	if err != nil {
		return usage(err)
	}

	run := report.TestRun{Suites: append(regoSuites(tests.Results, names), fixtureSuites(cases)...), Verbose: o.verbose}
	if tests.Coverage != nil {
		c := *tests.Coverage
		c.Files = slices.Clone(c.Files)
		for i := range c.Files {
			c.Files[i].File = names(c.Files[i].File)
		}
		run.Coverage = &c
	}
	// JUnit has no place for coverage; CI parsers want the XML alone on stdout.
	if o.output == "junit" && run.Coverage != nil {
		if err := report.WriteCoverage(errOut, *run.Coverage, o.verbose); err != nil {
			return usage(err)
		}
		run.Coverage = nil
	}
	if err := report.WriteTests(out, o.output, run); err != nil {
		return usage(err)
	}
	if !run.Count().OK() {
		return &exitError{code: report.ExitDenied}
	}
	if tests.Coverage != nil && tests.Coverage.Percent < o.threshold {
		return &exitError{code: report.ExitDenied, err: fmt.Errorf("coverage %.2f%% is below the threshold of %.2f%%", tests.Coverage.Percent, o.threshold)}
	}
	return nil
}

// checkBenchFlags rejects flags that mean nothing together with (or without) --bench.
func checkBenchFlags(o testOptions) error {
	if !o.bench.enabled {
		if o.bench.out != "" || len(o.bench.kinds) > 0 || len(o.bench.data) > 0 {
			return fmt.Errorf("--bench-out, --bench-kind and --data need --bench")
		}
		return nil
	}
	switch {
	case len(o.fixtures) > 0 || o.coverage || o.threshold > 0:
		return fmt.Errorf("--bench runs no tests: drop --fixtures, --coverage and --threshold")
	case o.output != "text":
		return fmt.Errorf("--bench prints a text table; use --bench-out for JSON")
	case o.bench.time <= 0 || o.bench.count <= 0:
		return fmt.Errorf("--benchtime and --count must be positive")
	}
	return nil
}

// runBench is apiguard test --bench: pkg/policybench on the merged trees.
func runBench(ctx context.Context, o testOptions, snap source.Snapshot, out, errOut io.Writer) error {
	if _, err := policy.ReadDataFiles(o.bench.data); err != nil {
		return &exitError{code: report.ExitError, err: err}
	}
	load := func(ctx context.Context, extra []map[string]any) (*policy.PolicySet, error) {
		// Read afresh for every load: policy.Load merges the documents into the set's
		// data by reference, so reused ones would carry one load's drop into the next.
		data, err := policy.ReadDataFiles(o.bench.data)
		if err != nil {
			return nil, err
		}
		set, err := policy.Load(ctx, snap.FS, policy.LoadOptions{
			Revision: snap.Revision, ClusterName: o.clusterName, Data: append(slices.Clone(data), extra...),
		})
		if err != nil {
			return nil, fmt.Errorf("policies %s: %w", snap.Origin, err)
		}
		// Measured as the webhook serves a revision: with its data-only rules folded.
		if _, err := set.Fold(ctx); err != nil {
			return nil, err
		}
		return set, nil
	}
	rep, err := policybench.Run(ctx, load, policybench.Options{
		BenchTime: o.bench.time, Count: o.bench.count, Kinds: o.bench.kinds, Progress: errOut,
	})
	if err != nil {
		return &exitError{code: report.ExitError, err: err}
	}
	if len(rep.Kinds) == 0 {
		return &exitError{code: report.ExitError, err: fmt.Errorf("no policy of %s applies to a kind of the benchmark corpus", snap.Origin)}
	}
	if o.bench.out != "" {
		if err := writeFileWith(o.bench.out, rep.WriteJSON); err != nil {
			return &exitError{code: report.ExitError, err: err}
		}
	}
	return rep.WriteText(out, benchTableRows)
}

// benchTableRows is how many policies per kind the table lists, to fit one screen.
const benchTableRows = 5

func writeFileWith(path string, write func(io.Writer) error) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := write(f); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// regoSuites groups Rego test results by file, keeping their order (file, then row).
func regoSuites(results []policy.TestResult, names func(string) string) []report.TestSuite {
	var suites []report.TestSuite
	for _, r := range results {
		file := names(r.File)
		if len(suites) == 0 || suites[len(suites)-1].Name != file {
			suites = append(suites, report.TestSuite{Name: file})
		}
		c := report.TestCase{Classname: r.Package, Name: r.Name, Duration: r.Duration, Detail: r.Detail, Output: r.Output}
		switch r.Outcome {
		case policy.TestPass:
			c.Outcome = report.TestPassed
		case policy.TestSkip:
			c.Outcome = report.TestSkipped
		case policy.TestFail:
			c.Outcome, c.Message = report.TestFailed, fmt.Sprintf("%s:%d: test failed", file, r.Row)
		case policy.TestError:
			c.Outcome, c.Message = report.TestErrored, r.Err
		}
		suites[len(suites)-1].Cases = append(suites[len(suites)-1].Cases, c)
	}
	return suites
}

// fixtureSuites groups fixture results by file, in the order they ran.
func fixtureSuites(results []fixture.Result) []report.TestSuite {
	var suites []report.TestSuite
	for _, r := range results {
		if len(suites) == 0 || suites[len(suites)-1].Name != r.File {
			suites = append(suites, report.TestSuite{Name: r.File})
		}
		c := report.TestCase{Name: r.Name, Duration: r.Duration, Outcome: report.TestPassed}
		switch {
		case r.Err != nil:
			c.Outcome, c.Message = report.TestErrored, r.Err.Error()
		case len(r.Failures) > 0:
			c.Outcome, c.Message = report.TestFailed, strings.Join(r.Failures, "\n")
		}
		suites[len(suites)-1].Cases = append(suites[len(suites)-1].Cases, c)
	}
	return suites
}
