package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/apiguard/apiguard/pkg/evaluate/batch"
	"github.com/apiguard/apiguard/pkg/inventory"
	"github.com/apiguard/apiguard/pkg/manifest"
	"github.com/apiguard/apiguard/pkg/policy"
	"github.com/apiguard/apiguard/pkg/report"
	"github.com/apiguard/apiguard/pkg/source"
)

type checkOptions struct {
	policies    []string
	data        []string
	clusterName string
	gitAuth     source.GitAuth
	namespace   string
	user        string
	groups      []string
	old         []string
	output      string
	failOnWarn  bool
	ignore      []string
	// identityGiven is set when --user or --group was passed; otherwise the CLI presents
	// the first configured GitOps identity.
	identityGiven bool
	// warn reports problems that do not stop the run, such as a skipped binary file.
	warn func(error)
	// log receives progress notes such as the files --fix changed (stderr).
	log  io.Writer
	fix  bool
	diff bool
	// conftest holds the flags of `check --conftest`, which runs conftest policies unchanged.
	conftest conftestOptions
	// inputs holds --include-hidden, --validate and --timeout (inputs.go).
	inputs inputOptions
}

func newCheckCommand(stdin io.Reader) *cobra.Command {
	o := checkOptions{}
	cmd := &cobra.Command{
		Use:   "check [flags] FILE|DIR|- ...",
		Short: "Evaluate manifests as the admission webhook would",
		Long: `Evaluate Kubernetes manifests with the same engine and the same input the
admission webhook uses. Each object becomes an AdmissionRequest (operation CREATE, or
UPDATE when --old holds a previous version), is mutated by the patch policies, and is
then validated, exactly as the API server calls the mutating and validating webhooks.

Exit codes: 0 all allowed, 1 something denied (or warned, with --fail-on-warn),
2 usage, input or policy errors.`,
		Example: `  apiguard check examples/
  helm template ./chart | apiguard check -
  apiguard check --policy ./policies --data cluster.yaml -o json deploy/`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.identityGiven = cmd.Flags().Changed("user") || cmd.Flags().Changed("group")
			o.warn = func(err error) { fmt.Fprintln(cmd.ErrOrStderr(), "apiguard: warning:", err) }
			o.log = cmd.ErrOrStderr()
			return runCheck(cmd.Context(), o, args, stdin, cmd.OutOrStdout())
		},
	}
	f := cmd.Flags()
	bindPolicyFlags(f, &o)
	f.VarP(newNamespaceValue(&o.namespace, &o.conftest.namespaces, "default"), "namespace", "n", namespaceHelp)
	f.StringVar(&o.user, "user", "", "userInfo.username in the request; by default the first GitOps identity in data.apiguard.config.gitops (identities, else identityGroups), so CI is judged as the controller that will apply it")
	f.StringArrayVar(&o.groups, "group", nil, "userInfo.groups entry in the request; repeatable")
	f.StringArrayVar(&o.old, "old", nil, "previous version of the objects (file or dir): matching objects are checked as UPDATE; repeatable")
	f.StringVarP(&o.output, "output", "o", "text", "output format: "+strings.Join(report.Formats(), ", "))
	f.BoolVar(&o.failOnWarn, "fail-on-warn", false, "exit 1 when there are warnings")
	f.StringArrayVar(&o.ignore, "ignore", nil, "glob of paths to skip when walking directories; repeatable")
	f.BoolVar(&o.fix, "fix", false, "write the secure defaults the mutating policies add into the files, keeping comments, key order and formatting")
	f.BoolVar(&o.diff, "diff", false, "print the secure defaults as a unified diff instead of the report; changes nothing")
	bindInputFlags(f, &o.inputs)
	addConftestFlags(f, &o.conftest)
	return cmd
}

func runCheck(ctx context.Context, o checkOptions, args []string, stdin io.Reader, out io.Writer) error {
	if o.conftest.requested() {
		return runConftest(ctx, o, args, stdin, out)
	}
	if !slices.Contains(report.Formats(), o.output) {
		return &exitError{code: report.ExitError, err: fmt.Errorf("unknown output format %q (want %s)", o.output, strings.Join(report.Formats(), ", "))}
	}
	// A file or document that cannot be read is a result in its place, not the end of
	// the run: the rest is still judged, and the exit code is 2 at the end.
	entries, err := readInputs(args, stdin, o, o.log)
	if err != nil {
		return &exitError{code: report.ExitError, err: err}
	}
	// Objects the API server would reject are errors, and claim nothing in the
	// offline inventory: the cluster would never store them.
	rejected, docs, err := validateInputs(o, entries)
	if err != nil {
		return &exitError{code: report.ExitError, err: err}
	}
	data, err := policy.ReadDataFiles(o.data)
	if err != nil {
		return &exitError{code: report.ExitError, err: err}
	}
	set, err := loadPolicies(ctx, o, inventoryData(batch.Inventory(inventory.FromData(data), docs, o.namespace)))
	if err != nil {
		return &exitError{code: report.ExitError, err: err}
	}
	olds, err := manifest.Read(o.old, manifest.Options{Stdin: stdin})
	if err != nil {
		return &exitError{code: report.ExitError, err: fmt.Errorf("--old: %w", err)}
	}
	if !o.identityGiven {
		if o.user, o.groups, err = gitopsIdentity(ctx, set); err != nil {
			return &exitError{code: report.ExitError, err: err}
		}
	}
	results := batch.Evaluator{
		Set: set, Namespace: o.namespace, User: o.user, Groups: o.groups, Old: olds,
		Timeout: o.inputs.timeout, References: batch.References(docs, o.namespace),
	}.Run(ctx, entries, rejected)
	echoErrors(o.log, o.output, results)
	warnExpiringExceptions(o.log, set, results)
	switch {
	case o.fix && o.diff:
		return &exitError{code: report.ExitError, err: errors.New("--fix and --diff exclude each other")}
	case o.diff:
		// The diff is the output: it can be piped to `git apply` or `patch -p1`.
		if err := applyFixes(fixDiff, results, out, o.log); err != nil {
			return &exitError{code: report.ExitError, err: err}
		}
	default:
		if o.fix {
			if err := applyFixes(fixWrite, results, out, o.log); err != nil {
				return &exitError{code: report.ExitError, err: err}
			}
		}
		if err := report.Write(out, o.output, results, reportOptions(set, out)); err != nil {
			return &exitError{code: report.ExitError, err: err}
		}
	}
	if code := report.Summarize(results).ExitCode(o.failOnWarn); code != report.ExitAllowed {
		return &exitError{code: code}
	}
	return nil
}

// inventoryData places an inventory where policies read it, data.apiguard.inventory.
func inventoryData(inventory map[string]any) map[string]any {
	return map[string]any{"apiguard": map[string]any{"inventory": inventory}}
}

// loadPolicies compiles the merged --policy trees with the --data files and the
// inventory, for check and audit; a set without policies is an error.
func loadPolicies(ctx context.Context, o checkOptions, inventory map[string]any) (*policy.PolicySet, error) {
	snap, err := source.Resolver{Auth: o.gitAuth}.Merged(ctx, o.policies)
	if err != nil {
		return nil, err
	}
	data, err := policy.ReadDataFiles(o.data)
	if err != nil {
		return nil, err
	}
	data = append(data, inventory)
	set, err := policy.Load(ctx, snap.FS, policy.LoadOptions{Revision: snap.Revision, ClusterName: o.clusterName, Data: data})
	if err != nil {
		return nil, fmt.Errorf("policies %s: %w", snap.Origin, err)
	}
	// A tree without policies would pass everything: a wrong --policy path (or a
	// ConfigMap mount read as such) must not look like a clean run.
	if len(set.Policies()) == 0 {
		return nil, fmt.Errorf("policies %s: no policies found (no Rego package defines deny, violation, warn or patch), so nothing would be checked", snap.Origin)
	}
	return set, nil
}
