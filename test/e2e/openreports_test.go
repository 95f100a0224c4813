package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	orv1alpha1 "github.com/openreports/reports-api/apis/openreports.io/v1alpha1"
	networkingv1 "k8s.io/api/networking/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/yaml"

	"github.com/apiguard/apiguard/internal/gittest"
	"github.com/apiguard/apiguard/internal/kubetest"
	"github.com/apiguard/apiguard/pkg/audit"
)

var reportsGVR = schema.GroupVersionResource{Group: "openreports.io", Version: "v1alpha1", Resource: "reports"}

// reportResult is a Report result reduced to what /audit also says, in /audit's terms,
// so the two compare exactly.
type reportResult struct {
	kind, name, uid, policy, action, message, revision, path string
}

func (r reportResult) String() string {
	return fmt.Sprintf("%s/%s(%s) [%s] %s %q rev=%s path=%s", r.kind, r.name, r.uid, r.policy, r.action, r.message, r.revision, r.path)
}

func sortedResults(rs []reportResult) []reportResult {
	slices.SortFunc(rs, func(a, b reportResult) int { return strings.Compare(a.String(), b.String()) })
	return rs
}

// auditResults are the entries of /audit in ns as Report results.
func auditResults(entries []audit.Entry, ns string) []reportResult {
	var out []reportResult
	for _, e := range entries {
		if e.Namespace == ns {
			out = append(out, reportResult{e.Kind, e.Name, string(e.UID), e.Policy, e.Action, e.Message, e.Revision, e.Path})
		}
	}
	return sortedResults(out)
}

// listReports reads apiguard's Reports in ns.
func listReports(ns string) ([]orv1alpha1.Report, error) {
	list, err := testEnv.dyn.Resource(reportsGVR).Namespace(ns).List(context.Background(), metav1.ListOptions{LabelSelector: audit.ReportManagedByLabel + "=" + audit.ReportManagedBy})
	if err != nil {
		return nil, err
	}
	out := make([]orv1alpha1.Report, len(list.Items))
	for i := range list.Items {
		if err := runtime.DefaultUnstructuredConverter.FromUnstructured(list.Items[i].Object, &out[i]); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// checkReport checks what one Report must say of its object, whatever its results.
func checkReport(r orv1alpha1.Report) error {
	s := r.Scope
	if s == nil || r.Name != audit.ReportNamePrefix+string(s.UID) || s.Namespace != r.Namespace || r.Source != audit.ReportSource ||
		len(r.OwnerReferences) != 1 || r.OwnerReferences[0].UID != s.UID || r.OwnerReferences[0].Kind != s.Kind || r.OwnerReferences[0].Name != s.Name {
		return fmt.Errorf("report %s: scope %+v, owners %+v, source %q", r.Name, s, r.OwnerReferences, r.Source)
	}
	var sum orv1alpha1.ReportSummary
	for _, x := range r.Results {
		switch x.Result {
		case "fail":
			sum.Fail++
		case "warn":
			sum.Warn++
		case "error":
			sum.Error++
		default:
			return fmt.Errorf("report %s: result %q (pass results are off by default)", r.Name, x.Result)
		}
		if x.Source != audit.ReportSource || x.Timestamp.Seconds == 0 || x.Rule == "" {
			return fmt.Errorf("report %s: result %+v", r.Name, x)
		}
		if want := map[string]orv1alpha1.Result{"deny": "fail", "warn": "warn", "patch": "warn"}[x.Rule]; x.Result != want {
			return fmt.Errorf("report %s: rule %s with result %s", r.Name, x.Rule, x.Result)
		}
	}
	if r.Summary != sum {
		return fmt.Errorf("report %s: summary %+v, results count %+v", r.Name, r.Summary, sum)
	}
	return nil
}

// reportResults are the results of the Reports in ns, in /audit's terms.
func reportResults(ns string) ([]reportResult, []orv1alpha1.Report, error) {
	reports, err := listReports(ns)
	if err != nil {
		return nil, nil, err
	}
	var out []reportResult
	for _, r := range reports {
		if err := checkReport(r); err != nil {
			return nil, nil, err
		}
		for _, x := range r.Results {
			out = append(out, reportResult{r.Scope.Kind, r.Scope.Name, string(r.Scope.UID), x.Policy, x.Properties[audit.PropertyAction],
				x.Description, x.Properties[audit.PropertyRevision], x.Properties[audit.PropertyPath]})
		}
	}
	return sortedResults(out), reports, nil
}

// reportsMatchAudit waits until the webhook's /audit is a run of revision and the
// Reports in ns say exactly what /audit says of ns.
func reportsMatchAudit(t *testing.T, wh *kubetest.Webhook, ns, revision string, ok func([]reportResult) error) []orv1alpha1.Report {
	t.Helper()
	var reports []orv1alpha1.Report
	eventually(t, 60*time.Second, func() error {
		page, entries, err := readAudit(wh.HealthURL)
		if err != nil {
			return err
		}
		if page.Revision != revision {
			return fmt.Errorf("audited revision %s, want %s", page.Revision, revision)
		}
		want := auditResults(entries, ns)
		if err := ok(want); err != nil {
			return err
		}
		var got []reportResult
		if got, reports, err = reportResults(ns); err != nil {
			return err
		}
		if !slices.Equal(got, want) {
			return fmt.Errorf("Reports in %s:\n%s\n/audit:\n%s", ns, lines(got), lines(want))
		}
		return nil
	})
	return reports
}

func lines[T fmt.Stringer](xs []T) string {
	var b strings.Builder
	for _, x := range xs {
		b.WriteString("  " + x.String() + "\n")
	}
	return b.String()
}

func hasResult(policy, name string) func([]reportResult) error {
	return func(rs []reportResult) error {
		for _, r := range rs {
			if r.policy == policy && r.name == name {
				return nil
			}
		}
		return fmt.Errorf("/audit has no %s finding on %s yet", policy, name)
	}
}

// TestOpenReports installs the OpenReports CRDs from the module and audits drift with
// Reports on: the Reports match /audit exactly (one per object with findings, the
// object as scope and owner), a steady run writes nothing, and the Reports follow a fixed
// object, a policy change and a deleted object.
func TestOpenReports(t *testing.T) {
	ctx := context.Background()
	if err := kubetest.InstallOpenReportsCRDs(ctx, testEnv.cfg); err != nil {
		t.Fatal(err)
	}
	ns := namespace(t, "openreports")
	createManifests(t, ns, driftObjects)

	srv := gittest.NewServer(t, gittest.ServerOptions{})
	repo := srv.NewRepo(t, "policies")
	repo.WriteTree(filepath.Join(testEnv.root, "policies"), "policies")
	first := repo.Commit("bundled library")
	repo.Push()
	// Runs every 2s, so the steady runs are seen; every finding kept in /audit.
	ensureNamespace(t, auditLeaseNamespace)
	wh, err := kubetest.StartWebhook(ctx, kubetest.WebhookOptions{
		Binary: testEnv.webhookBin,
		Args: auditArgs(testEnv.stack.Cluster.Kubeconfig(), "openreports", "--audit-interval", "2s", "--audit-max-entries", "1000000",
			"--git-url", repo.URL(), "--git-path", "policies", "--git-interval", "300ms"),
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("webhook log tail:\n%s", wh.Logs())
		}
		_ = wh.Stop()
	})

	reports := reportsMatchAudit(t, wh, ns, first, hasResult("ingress.require_tls", "no-tls"))
	if len(reports) != 4 {
		t.Errorf("%d Reports, want one per object with findings (4)", len(reports))
	}

	t.Run("stored size", func(t *testing.T) {
		u, err := testEnv.dyn.Resource(reportsGVR).Namespace(ns).Get(ctx, reports[0].Name, metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		stored, _ := json.Marshal(u.Object)
		sent := reports[0].DeepCopy()
		sent.ObjectMeta = metav1.ObjectMeta{Name: sent.Name, Namespace: sent.Namespace, Labels: sent.Labels, Annotations: sent.Annotations, OwnerReferences: sent.OwnerReferences}
		written, _ := json.Marshal(sent)
		t.Logf("Report %s: %d bytes stored, %d written: the API server adds %d (pkg/audit's storedOverhead)", sent.Name, len(stored), len(written), len(stored)-len(written))
		if testing.Verbose() {
			u.SetManagedFields(nil)
			y, _ := yaml.Marshal(u.Object)
			t.Logf("as stored (managedFields left out):\n%s", y)
		}
	})

	t.Run("apiguard audit -o openreports prints the same Reports", func(t *testing.T) {
		out := auditCLI(t, "openreports")
		// The CLI's revision is its directory's content hash, the webhook's a commit:
		// everything else must be the same.
		comparable := func(r orv1alpha1.Report) string {
			for i := range r.Results {
				r.Results[i].Timestamp = metav1.Timestamp{}
				delete(r.Results[i].Properties, audit.PropertyRevision)
			}
			b, _ := json.Marshal(struct {
				Name, Namespace string
				Labels          map[string]string
				Owners          []metav1.OwnerReference
				Scope           any
				Summary         orv1alpha1.ReportSummary
				Config          any
				Results         []orv1alpha1.ReportResult
			}{r.Name, r.Namespace, r.Labels, r.OwnerReferences, r.Scope, r.Summary, r.Configuration, r.Results})
			return string(b)
		}
		var printed []string
		for _, doc := range strings.Split(string(out), "\n---\n") {
			var r orv1alpha1.Report
			if err := yaml.Unmarshal([]byte(strings.TrimPrefix(doc, "---\n")), &r); err != nil {
				t.Fatal(err)
			}
			if r.Kind == "Report" && r.Namespace == ns {
				printed = append(printed, comparable(r))
			}
		}
		var stored []string
		for _, r := range reports {
			stored = append(stored, comparable(*r.DeepCopy()))
		}
		slices.Sort(printed)
		slices.Sort(stored)
		if !slices.Equal(printed, stored) {
			t.Errorf("apiguard audit -o openreports in %s:\n%s\nthe cluster's Reports:\n%s", ns, strings.Join(printed, "\n"), strings.Join(stored, "\n"))
		}
	})

	t.Run("a steady run writes nothing", func(t *testing.T) {
		runs, err := wh.Metric("apiguard_audit_runs_total")
		if err != nil {
			t.Fatal(err)
		}
		writes, err := wh.MetricSum("apiguard_audit_report_writes_total")
		if err != nil {
			t.Fatal(err)
		}
		eventually(t, 30*time.Second, func() error {
			if n, _ := wh.Metric("apiguard_audit_runs_total"); n < runs+2 {
				return fmt.Errorf("%v runs, waiting for %v", n, runs+2)
			}
			return nil
		})
		if after, _ := wh.MetricSum("apiguard_audit_report_writes_total"); after != writes {
			t.Errorf("two steady runs wrote %v Reports", after-writes)
		}
		t.Logf("writes: %v until the Reports were complete, 0 per steady run", writes)
	})

	t.Run("a fixed object", func(t *testing.T) {
		ing, err := testEnv.cs.NetworkingV1().Ingresses(ns).Get(ctx, "no-tls", metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		ing.Spec.TLS = []networkingv1.IngressTLS{{Hosts: []string{ing.Spec.Rules[0].Host}, SecretName: "web-tls"}}
		if _, err := testEnv.cs.NetworkingV1().Ingresses(ns).Update(ctx, ing, metav1.UpdateOptions{}); err != nil {
			t.Fatal(err)
		}
		reportsMatchAudit(t, wh, ns, first, func(rs []reportResult) error {
			if hasResult("ingress.require_tls", "no-tls")(rs) == nil {
				return fmt.Errorf("/audit still has ingress.require_tls on no-tls")
			}
			return nil
		})
	})

	t.Run("a policy change", func(t *testing.T) {
		repo.Write("policies/e2e/require_team.rego", stricterPolicy)
		stricter := repo.Commit("Ingresses need a team label")
		repo.Push()
		reports := reportsMatchAudit(t, wh, ns, stricter, hasResult("e2e.require_team", "secure"))
		for _, r := range reports {
			for _, x := range r.Results {
				if x.Properties[audit.PropertyRevision] != stricter {
					t.Errorf("report %s result %s: revision %s, want %s", r.Name, x.Policy, x.Properties[audit.PropertyRevision], stricter)
				}
			}
		}
	})

	t.Run("a deleted object", func(t *testing.T) {
		svc, err := testEnv.cs.CoreV1().Services(ns).Get(ctx, "nodeport", metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if err := testEnv.cs.CoreV1().Services(ns).Delete(ctx, "nodeport", metav1.DeleteOptions{}); err != nil {
			t.Fatal(err)
		}
		// This API server runs no garbage collector: the writer deletes the Report.
		eventually(t, 30*time.Second, func() error {
			_, err := testEnv.dyn.Resource(reportsGVR).Namespace(ns).Get(ctx, audit.ReportNamePrefix+string(svc.UID), metav1.GetOptions{})
			if !apierrors.IsNotFound(err) {
				return fmt.Errorf("the deleted Service's Report: %v", err)
			}
			return nil
		})
		page, _, err := readAudit(wh.HealthURL)
		if err != nil {
			t.Fatal(err)
		}
		reportsMatchAudit(t, wh, ns, page.Revision, func(rs []reportResult) error {
			if hasResult("service.no_nodeport", "nodeport")(rs) == nil {
				return fmt.Errorf("/audit still has the deleted Service")
			}
			return nil
		})
	})
}
