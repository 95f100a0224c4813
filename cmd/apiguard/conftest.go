package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/spf13/pflag"

	"github.com/apiguard/apiguard/pkg/evaluate/batch"
	"github.com/apiguard/apiguard/pkg/manifest"
	"github.com/apiguard/apiguard/pkg/policy"
	"github.com/apiguard/apiguard/pkg/report"
	"github.com/apiguard/apiguard/pkg/source"
)

// conftestOptions hold the flags of `apiguard check --conftest`, which runs existing
// conftest policies unchanged on the raw manifests, as `conftest test` does.
type conftestOptions struct {
	enabled       bool
	allNamespaces bool
	regoVersion   string
	// namespaces holds every -n/--namespace value in order; in conftest mode they are
	// Rego packages, in normal mode only the last one counts (a Kubernetes namespace).
	namespaces []string
	// flags tells given flags from defaults: --policy defaults to ./policy in conftest
	// mode, and flags that only make sense for AdmissionRequests are refused.
	flags *pflag.FlagSet
}

// conftestDefaultPolicy is conftest's default policy directory.
const conftestDefaultPolicy = "policy"

// addConftestFlags registers the conftest-only flags on check's flag set.
func addConftestFlags(f *pflag.FlagSet, o *conftestOptions) {
	o.flags = f
	f.BoolVar(&o.enabled, "conftest", false, "run conftest policies unchanged: input is each raw YAML/JSON document, rules deny*, violation* and warn* in --namespace packages (default main); --policy defaults to ./policy and --data loads like conftest's")
	f.BoolVar(&o.allNamespaces, "all-namespaces", false, "with --conftest: evaluate every Rego package")
	f.StringVar(&o.regoVersion, "rego-version", "v1", "with --conftest: Rego syntax of the policies, v1 or v0")
}

// namespaceValue backs -n/--namespace, which means two things: the Kubernetes namespace
// for objects without one (the last value wins, as for any string flag), and with
// --conftest the Rego packages to evaluate (every value counts).
type namespaceValue struct {
	last *string
	all  *[]string
}

func newNamespaceValue(last *string, all *[]string, def string) *namespaceValue {
	*last = def
	return &namespaceValue{last: last, all: all}
}

func (v *namespaceValue) String() string { return *v.last }
func (v *namespaceValue) Type() string   { return "string" }

func (v *namespaceValue) Set(s string) error {
	*v.last = s
	*v.all = append(*v.all, s)
	return nil
}

// namespaceHelp documents both meanings of -n/--namespace.
const namespaceHelp = "namespace for objects that do not set one; with --conftest it means conftest's --namespace instead: a Rego package to evaluate (repeatable, comma-separated, globs; main when not given)"

// requested reports whether the user asked for conftest mode or used one of its flags,
// so a conftest flag without --conftest is refused instead of ignored.
func (o conftestOptions) requested() bool {
	if o.enabled {
		return true
	}
	return o.flags != nil && (o.flags.Changed("all-namespaces") || o.flags.Changed("rego-version"))
}

func runConftest(ctx context.Context, o checkOptions, args []string, stdin io.Reader, out io.Writer) error {
	usage := func(err error) error { return &exitError{code: report.ExitError, err: err} }
	if !o.conftest.enabled {
		return usage(errors.New("--all-namespaces and --rego-version need --conftest"))
	}
	// These describe the AdmissionRequest, which conftest mode does not build.
	for _, name := range []string{"cluster-name", "user", "group", "old"} {
		if o.conftest.flags.Changed(name) {
			return usage(fmt.Errorf("--%s does not apply with --conftest: conftest policies see the raw manifest, not an AdmissionRequest", name))
		}
	}
	if !slices.Contains(report.Formats(), o.output) {
		return usage(fmt.Errorf("unknown output format %q (want %s)", o.output, strings.Join(report.Formats(), ", ")))
	}
	policies := splitCommas(o.policies)
	if !o.conftest.flags.Changed("policy") {
		policies = []string{conftestDefaultPolicy}
	}
	trees, revision, err := conftestTrees(ctx, policies, o.gitAuth)
	if err != nil {
		return usage(err)
	}
	set, err := policy.LoadConftest(ctx, trees, policy.ConftestOptions{
		Revision:      revision,
		Namespaces:    splitCommas(o.conftest.namespaces),
		AllNamespaces: o.conftest.allNamespaces,
		RegoVersion:   o.conftest.regoVersion,
		DataPaths:     splitCommas(o.data),
	})
	if err != nil {
		return usage(fmt.Errorf("policies %s: %w", strings.Join(policies, ", "), err))
	}
	docs, err := manifest.ReadConftest(args, stdin, o.ignore)
	if err != nil {
		return usage(err)
	}
	results := batch.Conftest(ctx, set, docs)
	if err := report.Write(out, o.output, results, reportOptions(nil, out)); err != nil {
		return usage(err)
	}
	if code := report.Summarize(results).ExitCode(o.failOnWarn); code != report.ExitAllowed {
		return &exitError{code: code}
	}
	return nil
}

// splitCommas reads list flags the way conftest's comma-separated flags are read, so
// `--namespace a,b` means what it means there.
func splitCommas(values []string) []string {
	var out []string
	for _, v := range values {
		for _, part := range strings.Split(v, ",") {
			if part != "" {
				out = append(out, part)
			}
		}
	}
	return out
}

// conftestTrees reads every --policy: a directory or Git URL through the same sources as
// normal mode, or a single .rego file, which conftest also accepts. Trees are kept apart
// rather than merged, since two conftest policy directories may both hold main.rego.
func conftestTrees(ctx context.Context, specs []string, auth source.GitAuth) ([]policy.ConftestTree, string, error) {
	resolved, err := source.Resolver{Auth: auth, Files: true}.ResolveAll(ctx, specs)
	if err != nil {
		return nil, "", err
	}
	trees := make([]policy.ConftestTree, 0, len(resolved))
	for _, t := range resolved {
		trees = append(trees, policy.ConftestTree{Name: t.Name(), FS: t.FS})
	}
	return trees, source.CombinedRevision(resolved), nil
}
