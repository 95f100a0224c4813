package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/spf13/cobra"
	admissionv1 "k8s.io/api/admission/v1"

	"github.com/apiguard/apiguard/pkg/evaluate"
	"github.com/apiguard/apiguard/pkg/inventory"
	"github.com/apiguard/apiguard/pkg/manifest"
	"github.com/apiguard/apiguard/pkg/policy"
	"github.com/apiguard/apiguard/pkg/references"
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
	entries, docs, err := readInputs(args, stdin, o, o.log)
	if err != nil {
		return &exitError{code: report.ExitError, err: err}
	}
	// Objects the API server would reject are errors, and claim nothing in the
	// offline inventory: the cluster would never store them.
	rejected, docs, err := validateInputs(o, entries, docs)
	if err != nil {
		return &exitError{code: report.ExitError, err: err}
	}
	data, err := policy.ReadDataFiles(o.data)
	if err != nil {
		return &exitError{code: report.ExitError, err: err}
	}
	set, err := loadPolicies(ctx, o, offlineInventory(docs, o.namespace, inventory.FromData(data)))
	if err != nil {
		return &exitError{code: report.ExitError, err: err}
	}
	olds, err := readOld(o.old, stdin)
	if err != nil {
		return &exitError{code: report.ExitError, err: err}
	}
	if !o.identityGiven {
		if o.user, o.groups, err = gitopsIdentity(ctx, set); err != nil {
			return &exitError{code: report.ExitError, err: err}
		}
	}
	results := checkAll(ctx, set, entries, rejected, o, olds, referenceIndex(docs, o.namespace))
	fieldLines(results, set.Policies())
	echoErrors(o.log, o.output, results)
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

// offlineInventory builds data.apiguard.inventory from the manifests being checked, so
// two files claiming one host in different namespaces are caught before they reach a
// cluster, and merges it into base, the inventory --data supplies (per key the union of
// claims; see inventory.Merge). Objects are decoded from Raw one at a time: the
// documents do not keep them.
func offlineInventory(docs []manifest.Document, defaultNamespace string, base map[string]any) map[string]any {
	objects := func(yield func(map[string]any) bool) {
		for _, d := range docs {
			var obj map[string]any
			dec := json.NewDecoder(bytes.NewReader(d.Raw))
			// Numbers as the reader gave them (json.Number). Raw was encoded from a
			// decoded object, so it always decodes.
			dec.UseNumber()
			if err := dec.Decode(&obj); err != nil || !yield(obj) {
				return
			}
		}
	}
	return map[string]any{"apiguard": map[string]any{"inventory": evaluate.InventoryOf(base, objects, defaultNamespace)}}
}

func loadPolicies(ctx context.Context, o checkOptions, inventoryData map[string]any) (*policy.PolicySet, error) {
	snaps := make([]source.Snapshot, 0, len(o.policies))
	for _, p := range o.policies {
		s, err := snapshot(ctx, p, o.gitAuth)
		if err != nil {
			return nil, err
		}
		snaps = append(snaps, s)
	}
	snap, err := source.Merge(snaps...)
	if err != nil {
		return nil, err
	}
	data, err := policy.ReadDataFiles(o.data)
	if err != nil {
		return nil, err
	}
	data = append(data, inventoryData)
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

// snapshot reads one --policy: a directory, or a Git URL with optional ?ref= and ?path=,
// fetched through the same source as the webhook so CI checks the exact revision a
// cluster runs.
func snapshot(ctx context.Context, spec string, auth source.GitAuth) (source.Snapshot, error) {
	if spec == builtinPolicy {
		return builtinLibrary().Snapshot(ctx)
	}
	if !isGitURL(spec) {
		return source.Dir{Path: spec}.Snapshot(ctx)
	}
	raw, query, _ := strings.Cut(spec, "?")
	q, err := url.ParseQuery(query)
	if err != nil {
		return source.Snapshot{}, fmt.Errorf("--policy %s: bad query: %w", source.RedactURL(raw), err)
	}
	for k := range q {
		if k != "ref" && k != "path" {
			return source.Snapshot{}, fmt.Errorf("--policy %s: unknown parameter %q (want ref and path)", source.RedactURL(raw), k)
		}
	}
	g, err := source.NewGit(source.GitOptions{URL: raw, Ref: q.Get("ref"), Path: q.Get("path"), Auth: auth})
	if err != nil {
		return source.Snapshot{}, err
	}
	defer g.Close()
	return g.Fetch(ctx, "")
}

func isGitURL(s string) bool {
	for _, prefix := range []string{"https://", "http://", "ssh://", "file://", "git@"} {
		if strings.HasPrefix(s, prefix) {
			return true
		}
	}
	return false
}

// objectKey identifies an object across the new and --old inputs.
func objectKey(apiVersion, kind, namespace, name string) string {
	return strings.Join([]string{apiVersion, kind, namespace, name}, "\x00")
}

func readOld(paths []string, stdin io.Reader) (map[string][]byte, error) {
	olds := map[string][]byte{}
	if len(paths) == 0 {
		return olds, nil
	}
	docs, err := manifest.Read(paths, manifest.Options{Stdin: stdin})
	if err != nil {
		return nil, fmt.Errorf("--old: %w", err)
	}
	for _, d := range docs {
		olds[objectKey(d.APIVersion(), d.Kind(), d.Namespace(), d.Name())] = d.Raw
	}
	return olds, nil
}

// checkAll evaluates every document on GOMAXPROCS workers sharing the compiled set's
// prepared queries, keeping results in input order so every output format is stable.
// An entry that could not be read, and an object the API server would reject
// (rejected, by entry), become error results in their place.
func checkAll(ctx context.Context, set *policy.PolicySet, entries []manifest.Entry, rejected []error, o checkOptions, olds map[string][]byte, refs *references.Index) []report.Result {
	results := make([]report.Result, len(entries))
	forEach(len(entries), func(i int) {
		e := entries[i]
		switch {
		case e.Err != nil:
			results[i] = inputErrorResult(e.Err)
		case rejected[i] != nil:
			results[i] = documentResult(*e.Document)
			results[i].Err = rejected[i]
			withDefaultNamespace(&results[i], o.namespace)
		default:
			results[i] = checkDocument(ctx, set, *e.Document, o, olds, refs)
		}
	})
	return results
}

func documentResult(d manifest.Document) report.Result {
	return report.Result{File: d.File, Index: d.Index, Item: d.Item, Line: d.Line, APIVersion: d.APIVersion(), Kind: d.Kind(), Namespace: d.Namespace(), Name: d.Name()}
}

// forEach calls f for every index below n, on GOMAXPROCS workers.
func forEach(n int, f func(i int)) {
	workers := min(runtime.GOMAXPROCS(0), n)
	next := atomic.Int64{}
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				f(i)
			}
		})
	}
	wg.Wait()
}

// checkDocument mutates then validates one object, the order the API server calls the
// webhooks in, so the verdict is the one the cluster would give.
func checkDocument(ctx context.Context, set *policy.PolicySet, d manifest.Document, o checkOptions, olds map[string][]byte, refs *references.Index) report.Result {
	res := documentResult(d)
	ro := policy.RequestOptions{Operation: admissionv1.Create, Namespace: o.namespace, User: o.user, Groups: o.groups}
	if old, ok := olds[objectKey(res.APIVersion, res.Kind, res.Namespace, res.Name)]; ok {
		ro.Operation, ro.Old = admissionv1.Update, old
	}
	// The admission fixtures of apiguard test go through the same evaluation.
	var out evaluate.Result
	err := withTimeout(ctx, o.inputs.timeout, func(ctx context.Context) error {
		var err error
		out, err = checkObject(ctx, set, d.Raw, ro, refs)
		return err
	})
	if out.Request != nil {
		res.Namespace = out.Request.Namespace
	}
	res.Patches, res.Decision, res.Err = out.Patches, out.Decision, err
	return res
}
