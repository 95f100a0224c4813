package main

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	"github.com/apiguard/apiguard/pkg/audit"
	"github.com/apiguard/apiguard/pkg/evaluate"
	"github.com/apiguard/apiguard/pkg/evaluate/batch"
	"github.com/apiguard/apiguard/pkg/policy"
	"github.com/apiguard/apiguard/pkg/references"
	"github.com/apiguard/apiguard/pkg/report"
)

type auditOptions struct {
	// policy holds the policy source flags, shared with check.
	policy     checkOptions
	kubeconfig string
	context    string
	output     string
	failOnWarn bool
	exclude    []string
	// passResults adds pass results to -o openreports, as the chart's reports.passResults.
	passResults bool
	warn        func(error)
}

func newAuditCommand() *cobra.Command {
	o := auditOptions{}
	cmd := &cobra.Command{
		Use:   "audit --policy DIR|GIT-URL [--kubeconfig FILE] [--context NAME]",
		Short: "Judge the exposure objects in a live cluster, read-only, as the webhook's audit does",
		Long: `Read every exposure object of a cluster (Ingress, NetworkPolicy, Service, Gateway API,
Tyk) and judge it with the given policies, as the webhook's audit would: operation AUDIT,
the cluster's own inventory as data.apiguard.inventory, and the secure defaults the
mutating webhook would add shown as patches. It only gets and lists: nothing in the
cluster changes. Run it before merging a policy change to see what it would deny in
production.

Namespaces labelled apiguard.io/ignore=true are skipped, as the webhook registration
skips them; --exclude-namespace skips more (the webhook's own, kube-system).

-o openreports prints the OpenReports Reports and ClusterReports the webhook's audit
writes (docs/audit.md), one YAML document each, so a pipeline can diff them.

Exit codes, as check: 0 nothing denied, 1 something denied (or warned, with
--fail-on-warn), 2 usage, cluster or policy errors.`,
		Example: `  apiguard audit --policy ./policies --context prod
  apiguard audit --policy 'https://git.example.com/platform/policies.git?ref=my-branch' -o sarif
  apiguard audit --policy ./policies -o openreports > reports.yaml`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			o.warn = func(err error) { fmt.Fprintln(cmd.ErrOrStderr(), "apiguard: warning:", err) }
			return runAudit(cmd.Context(), o, cmd.OutOrStdout())
		},
	}
	f := cmd.Flags()
	bindPolicyFlags(f, &o.policy)
	f.StringVar(&o.kubeconfig, "kubeconfig", "", "kubeconfig file (default $KUBECONFIG, then ~/.kube/config)")
	f.StringVar(&o.context, "context", "", "kubeconfig context (default the current one)")
	f.StringVarP(&o.output, "output", "o", "text", "output format: "+strings.Join(auditFormats(), ", "))
	f.BoolVar(&o.passResults, "pass-results", false, "with -o openreports: also a pass result for each rule that found nothing (the webhook's --audit-reports-pass-results)")
	f.BoolVar(&o.failOnWarn, "fail-on-warn", false, "exit 1 when there are warnings")
	f.StringArrayVar(&o.exclude, "exclude-namespace", nil, "namespace to skip, as the webhook's --audit-exclude-namespace; repeatable")
	return cmd
}

func runAudit(ctx context.Context, o auditOptions, out io.Writer) error {
	fail := func(err error) error { return &exitError{code: report.ExitError, err: err} }
	if !slices.Contains(auditFormats(), o.output) {
		return fail(fmt.Errorf("unknown output format %q (want %s)", o.output, strings.Join(auditFormats(), ", ")))
	}
	cfg, cluster, err := clusterConfig(o.kubeconfig, o.context)
	if err != nil {
		return fail(err)
	}
	snap, err := audit.List(ctx, cfg)
	if err != nil {
		return fail(fmt.Errorf("cluster %s: %w", cluster, err))
	}
	if snap.IgnoredErr != nil {
		o.warn(fmt.Errorf("cannot list namespaces, so objects in namespaces labelled apiguard.io/ignore=true are judged too: %w", snap.IgnoredErr))
	}
	set, err := loadPolicies(ctx, o.policy, inventoryData(snap.Inventory))
	if err != nil {
		return fail(err)
	}
	objects := slices.DeleteFunc(snap.Objects, func(obj *audit.Object) bool {
		return slices.Contains(o.exclude, obj.Namespace) || snap.Ignored[obj.Namespace]
	})
	slices.SortFunc(objects, audit.CompareObjects)
	refs, err := auditReferences(cfg)
	if err != nil {
		return fail(err)
	}
	raws := make([][]byte, len(objects))
	for i, obj := range objects {
		raws[i] = obj.Raw
	}
	judged, errs := batch.Audit(ctx, set, raws, refs)
	if o.output == openReportsFormat {
		if err := writeOpenReports(out, set, objects, judged, errs, o.passResults); err != nil {
			return fail(err)
		}
	}
	results := make([]report.Result, len(objects))
	for i, obj := range objects {
		results[i] = report.Result{
			File: "kubernetes/" + cluster, Index: i, Item: -1,
			APIVersion: obj.APIVersion, Kind: obj.Kind, Namespace: obj.Namespace, Name: obj.Name,
			Decision: judged[i].Decision, Patches: judged[i].Patches, Err: errs[i],
		}
	}
	if o.output != openReportsFormat {
		if err := report.Write(out, o.output, results, reportOptions(set, out)); err != nil {
			return fail(err)
		}
	}
	if code := report.Summarize(results).ExitCode(o.failOnWarn); code != report.ExitAllowed {
		return &exitError{code: code}
	}
	return nil
}

// auditReferences reads a Tyk OAS API's ConfigMap from the audited cluster (one GET per
// API), so apiguard audit judges the document and reports a missing ConfigMap.
func auditReferences(cfg *rest.Config) (references.Lookup, error) {
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return nil, err
	}
	return references.ClusterLookup(cs), nil
}

// openReportsFormat prints the audit's OpenReports Reports.
const openReportsFormat = "openreports"

func auditFormats() []string { return append(report.Formats(), openReportsFormat) }

// writeOpenReports prints the Reports the webhook's audit would keep for these objects:
// the same entries, builder and caps (the per-run write cap aside: nothing is written).
func writeOpenReports(out io.Writer, set *policy.PolicySet, objects []*audit.Object, judged []evaluate.Result, errs []error, passResults bool) error {
	entries := make([][]audit.Entry, len(objects))
	for i, obj := range objects {
		entries[i] = audit.ObjectEntries(obj, judged[i].Decision, judged[i].Patches, errs[i])
	}
	opts := audit.ReportOptions{PassResults: passResults}
	return audit.WriteReportsYAML(out, audit.BuildReports(audit.NewReportBuilder(set, opts, time.Now()), objects, entries))
}
