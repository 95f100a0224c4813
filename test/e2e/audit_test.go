package e2e

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml"

	"github.com/apiguard/apiguard/internal/gittest"
	"github.com/apiguard/apiguard/internal/kubetest"
	"github.com/apiguard/apiguard/pkg/audit"
)

// auditLeaseNamespace holds the Leases of the suite's auditing webhooks. It is their
// --namespace, which audit skips, as it skips the webhook's own namespace in a cluster.
const auditLeaseNamespace = "apiguard-audit-e2e"

func ensureNamespace(t *testing.T, name string) {
	t.Helper()
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}}
	if _, err := testEnv.cs.CoreV1().Namespaces().Create(context.Background(), ns, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
		t.Fatal(err)
	}
}

// auditArgs are the flags of an auditing webhook on kubeconfig's cluster; each test
// names its own Lease so its webhooks never compete with another test's.
func auditArgs(kubeconfig, lease string, extra ...string) []string {
	return append([]string{
		"--kubeconfig", kubeconfig, "--inventory", "on",
		"--data-file", filepath.Join(testEnv.root, "test", "examples-config.yaml"),
		"--namespace", auditLeaseNamespace, "--audit-lease-name", lease,
		// Long: a test sees the run at start and the runs a new revision triggers.
		"--audit-interval", "1h",
	}, extra...)
}

// startAuditWebhook starts a webhook on the bundled policies that audits the suite's
// cluster. It is not registered: audit needs no admission traffic.
func startAuditWebhook(t *testing.T, lease string, extra ...string) *kubetest.Webhook {
	t.Helper()
	return startAuditWebhookOn(t, filepath.Join(testEnv.root, "policies"), lease, extra...)
}

// startAuditWebhookOn is startAuditWebhook on another policy tree.
func startAuditWebhookOn(t *testing.T, policyDir, lease string, extra ...string) *kubetest.Webhook {
	t.Helper()
	ensureNamespace(t, auditLeaseNamespace)
	wh, err := kubetest.StartWebhook(context.Background(), kubetest.WebhookOptions{
		Binary: testEnv.webhookBin, PolicyDir: policyDir,
		Args: auditArgs(testEnv.stack.Cluster.Kubeconfig(), lease, extra...),
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("webhook %s log tail:\n%s", lease, wh.Logs())
		}
		_ = wh.Stop()
	})
	return wh
}

// readAudit reads every page of a webhook's /audit. A status other than 200 is an error
// (there is no report yet while the first run is going).
func readAudit(healthURL string) (audit.Page, []audit.Entry, error) {
	var first audit.Page
	var all []audit.Entry
	query := url.Values{"limit": {"200"}}
	for page := 0; ; page++ {
		resp, err := http.Get(healthURL + "/audit?" + query.Encode())
		if err != nil {
			return first, nil, err
		}
		var p audit.Page
		err = json.NewDecoder(resp.Body).Decode(&p)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return first, nil, fmt.Errorf("/audit: HTTP %d", resp.StatusCode)
		}
		if err != nil {
			return first, nil, err
		}
		if page == 0 {
			first = p
		}
		all = append(all, p.Items...)
		if p.Continue == "" {
			return first, all, nil
		}
		query.Set("continue", p.Continue)
	}
}

// waitAudit waits until the webhook serves a report that satisfies ok.
func waitAudit(t *testing.T, wh *kubetest.Webhook, timeout time.Duration, ok func(audit.Page, []audit.Entry) error) (audit.Page, []audit.Entry) {
	t.Helper()
	var p audit.Page
	var entries []audit.Entry
	eventually(t, timeout, func() error {
		var err error
		if p, entries, err = readAudit(wh.HealthURL); err != nil {
			return err
		}
		return ok(p, entries)
	})
	return p, entries
}

// finding is an entry reduced to what must agree between /audit, metrics and the CLI.
type finding struct{ namespace, kind, name, policy, action string }

func (f finding) String() string {
	return fmt.Sprintf("%s %s/%s [%s] %s", f.kind, f.namespace, f.name, f.policy, f.action)
}

func findingsOf(entries []audit.Entry, keep func(audit.Entry) bool) []finding {
	var out []finding
	for _, e := range entries {
		if keep(e) {
			out = append(out, finding{e.Namespace, e.Kind, e.Name, e.Policy, e.Action})
		}
	}
	slices.SortFunc(out, func(a, b finding) int { return strings.Compare(a.String(), b.String()) })
	return slices.Compact(out)
}

func inNamespace(ns string) func(audit.Entry) bool {
	return func(e audit.Entry) bool { return e.Namespace == ns }
}

// auditMetrics returns the apiguard_audit_violations samples of one namespace, keyed
// "policy kind action", and the value of the other audit gauges by name.
func auditMetrics(t *testing.T, wh *kubetest.Webhook, ns string) (map[string]float64, map[string]float64) {
	t.Helper()
	resp, err := http.Get(wh.MetricURL)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	violations, gauges := map[string]float64{}, map[string]float64{}
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		line := sc.Text()
		if !strings.HasPrefix(line, "apiguard_audit_") {
			continue
		}
		fields := strings.Fields(line)
		v, err := strconv.ParseFloat(fields[len(fields)-1], 64)
		if err != nil {
			t.Fatalf("metric line %q: %v", line, err)
		}
		name, labels, _ := strings.Cut(fields[0], "{")
		if name != "apiguard_audit_violations" {
			gauges[name] = v
			continue
		}
		l := map[string]string{}
		for _, kv := range strings.Split(strings.TrimSuffix(labels, "}"), ",") {
			k, val, _ := strings.Cut(kv, "=")
			l[k] = strings.Trim(val, `"`)
		}
		if l["namespace"] == ns {
			violations[l["policy"]+" "+l["kind"]+" "+l["action"]] += v
		}
	}
	return violations, gauges
}

// driftObjects are created while no webhook guards their namespace: what slipped in
// while the webhook was absent.
const driftObjects = `
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: no-tls, labels: {app.kubernetes.io/owner: team-e2e}}
spec:
  ingressClassName: nginx
  rules:
  - host: no-tls.NS.example.com
    http: {paths: [{path: /, pathType: Prefix, backend: {service: {name: web, port: {number: 80}}}}]}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: secure, labels: {app.kubernetes.io/owner: team-e2e}}
spec:
  ingressClassName: nginx
  tls: [{hosts: [secure.NS.example.com], secretName: web-tls}]
  rules:
  - host: secure.NS.example.com
    http: {paths: [{path: /, pathType: Prefix, backend: {service: {name: web, port: {number: 80}}}}]}
---
apiVersion: v1
kind: Service
metadata: {name: nodeport}
spec:
  type: NodePort
  ports: [{port: 80}]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: allow-all}
spec:
  podSelector: {}
  ingress: [{}]
`

// createManifests creates every document of manifests in ns (NS in the text is
// replaced by ns, so hosts are unique to the test).
func createManifests(t *testing.T, ns, manifests string) {
	t.Helper()
	for _, doc := range strings.Split(strings.ReplaceAll(manifests, "NS", ns), "\n---\n") {
		var obj map[string]any
		if err := yaml.Unmarshal([]byte(doc), &obj); err != nil {
			t.Fatal(err)
		}
		obj["metadata"].(map[string]any)["namespace"] = ns
		if _, err := createObject(context.Background(), obj, false); err != nil {
			t.Fatal(err)
		}
	}
}

// TestAuditFindsDrift creates violating objects with no webhook guarding them, then
// starts a webhook with audit on: /audit reports exactly those objects with the policies
// that judge them, the missing secure defaults as "would patch", the metrics count the
// same, and `apiguard audit` against the same API server finds the same set.
func TestAuditFindsDrift(t *testing.T) {
	ns := namespace(t, "audit-drift")
	createManifests(t, ns, driftObjects)
	// Every finding in the cluster is compared with the CLI's: none may be cut.
	wh := startAuditWebhook(t, "drift", "--audit-events", "--audit-max-entries", "1000000")

	hsts := "ingress.default_hsts"
	redirect := "ingress.default_ssl_redirect"
	want := []finding{
		{ns, "Ingress", "no-tls", hsts, "patch"},
		{ns, "Ingress", "no-tls", redirect, "patch"},
		{ns, "Ingress", "no-tls", "ingress.require_tls", "deny"},
		{ns, "Ingress", "secure", hsts, "patch"},
		{ns, "Ingress", "secure", redirect, "patch"},
		{ns, "NetworkPolicy", "allow-all", "networkpolicy.no_allow_all", "deny"},
		{ns, "Service", "nodeport", "service.no_nodeport", "deny"},
	}
	slices.SortFunc(want, func(a, b finding) int { return strings.Compare(a.String(), b.String()) })
	page, entries := waitAudit(t, wh, 60*time.Second, func(audit.Page, []audit.Entry) error { return nil })
	got := findingsOf(entries, inNamespace(ns))
	if !slices.Equal(got, want) {
		t.Fatalf("/audit in %s:\n got %v\nwant %v", ns, got, want)
	}
	for _, e := range entries {
		if e.Namespace != ns {
			continue
		}
		if e.Revision != page.Revision || e.APIVersion == "" || e.UID == "" || e.Message == "" {
			t.Errorf("entry %+v (report revision %s)", e, page.Revision)
		}
		if e.Policy == "ingress.require_tls" && !strings.Contains(e.Message, "no-tls."+ns+".example.com") {
			t.Errorf("message %q", e.Message)
		}
		if e.Namespace == auditLeaseNamespace {
			t.Errorf("the webhook's own namespace was audited: %+v", e)
		}
	}
	if page.Objects < 4 || page.Errors != 0 || page.Truncated {
		t.Errorf("report: %d objects, %d errors, truncated %t", page.Objects, page.Errors, page.Truncated)
	}

	t.Run("metrics match /audit", func(t *testing.T) {
		violations, gauges := auditMetrics(t, wh, ns)
		wantMetrics := map[string]float64{}
		for _, e := range entries {
			if e.Namespace == ns {
				wantMetrics[e.Policy+" "+e.Kind+" "+e.Action]++
			}
		}
		if fmt.Sprint(violations) != fmt.Sprint(wantMetrics) {
			t.Errorf("apiguard_audit_violations in %s:\n got %v\nwant %v", ns, violations, wantMetrics)
		}
		if gauges["apiguard_audit_objects"] != float64(page.Objects) || gauges["apiguard_audit_leader"] != 1 ||
			gauges["apiguard_audit_last_run_timestamp_seconds"] != float64(page.FinishedAt.UnixNano())/1e9 || gauges["apiguard_audit_duration_seconds"] <= 0 {
			t.Errorf("gauges %v, report finished %s with %d objects", gauges, page.FinishedAt, page.Objects)
		}
	})

	t.Run("a Warning Event on each violating object", func(t *testing.T) {
		want := map[string]string{"no-tls": "ingress.require_tls", "nodeport": "service.no_nodeport", "allow-all": "networkpolicy.no_allow_all"}
		eventually(t, 30*time.Second, func() error {
			events, err := testEnv.cs.CoreV1().Events(ns).List(context.Background(), metav1.ListOptions{})
			if err != nil {
				return err
			}
			got := map[string]string{}
			for _, e := range events.Items {
				// The API server records events of its own in the namespace too (its
				// ClusterIP repair controller, racing a Service's allocation, once
				// failed this test); only the audit's are judged here.
				if e.Source.Component != "apiguard-audit" {
					continue
				}
				if e.Reason != audit.EventReason || e.Type != corev1.EventTypeWarning || e.InvolvedObject.UID == "" {
					return fmt.Errorf("event %+v", e)
				}
				policy, _, _ := strings.Cut(strings.TrimPrefix(e.Message, "["), "]")
				got[e.InvolvedObject.Name] = policy
			}
			if fmt.Sprint(got) != fmt.Sprint(want) {
				return fmt.Errorf("events by object %v, want %v", got, want)
			}
			return nil
		})
	})

	t.Run("apiguard audit finds the same set", func(t *testing.T) {
		out := auditCLI(t, "json")
		var results []struct {
			Namespace, Kind, Name string
			Error                 string
			Violations            []struct{ Policy, Action string }
			Warnings              []struct{ Policy string }
			Patches               []struct{ Policy string }
		}
		if err := json.Unmarshal(out, &results); err != nil {
			t.Fatal(err)
		}
		var cliEntries []audit.Entry
		for _, r := range results {
			if r.Error != "" {
				t.Errorf("%s %s/%s: %s", r.Kind, r.Namespace, r.Name, r.Error)
			}
			add := func(pol, action string) {
				cliEntries = append(cliEntries, audit.Entry{Namespace: r.Namespace, Kind: r.Kind, Name: r.Name, Policy: pol, Action: action})
			}
			for _, v := range r.Violations {
				add(v.Policy, v.Action)
			}
			for _, w := range r.Warnings {
				add(w.Policy, "warn")
			}
			for _, p := range r.Patches {
				add(p.Policy, audit.ActionPatch)
			}
		}
		// The whole cluster, not only this test's namespace: both read every exposure
		// object. Dry-run warn findings are left out of the CLI's json by design.
		everything := func(e audit.Entry) bool { return e.Action != "dryrun" }
		cliSet, webhookSet := findingsOf(cliEntries, everything), findingsOf(entries, everything)
		if !slices.Equal(cliSet, webhookSet) {
			t.Errorf("apiguard audit and /audit differ:\n cli     %v\n webhook %v", cliSet, webhookSet)
		}
		if len(webhookSet) < len(want) {
			t.Errorf("compared only %d findings", len(webhookSet))
		}
	})
}

func stderrOf(err error) string {
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		return string(exit.Stderr)
	}
	return ""
}

// stricterPolicy is committed to the Git source during the test: it denies an Ingress
// without a team label, which the bundled library allows.
const stricterPolicy = `# METADATA
# title: Ingresses name their team (e2e)
# custom:
#   kinds: [Ingress]
package e2e.require_team

deny contains msg if {
	input.request.operation in {"CREATE", "UPDATE", "AUDIT"}
	not input.request.object.metadata.labels.team
	msg := sprintf("Ingress %s has no team label", [input.request.name])
}
`

// TestAuditSeesPolicyChange: an Ingress that passes the policies in Git is reported by
// audit once a stricter policy is committed, without waiting for the next interval: a
// new revision is audited at once.
func TestAuditSeesPolicyChange(t *testing.T) {
	ns := namespace(t, "audit-change")
	createManifests(t, ns, strings.Split(driftObjects, "\n---\n")[1])
	srv := gittest.NewServer(t, gittest.ServerOptions{})
	repo := srv.NewRepo(t, "policies")
	repo.WriteTree(filepath.Join(testEnv.root, "policies"), "policies")
	first := repo.Commit("bundled library")
	repo.Push()
	ensureNamespace(t, auditLeaseNamespace)
	wh, err := kubetest.StartWebhook(context.Background(), kubetest.WebhookOptions{
		Binary: testEnv.webhookBin,
		Args: auditArgs(testEnv.stack.Cluster.Kubeconfig(), "change",
			"--git-url", repo.URL(), "--git-path", "policies", "--git-interval", "300ms"),
	})
	if err != nil {
		t.Fatal(err)
	}
	defer wh.Stop()

	denied := func(entries []audit.Entry) []finding {
		return findingsOf(entries, func(e audit.Entry) bool { return e.Namespace == ns && e.Action == "deny" })
	}
	page, entries := waitAudit(t, wh, 60*time.Second, func(p audit.Page, _ []audit.Entry) error {
		if p.Revision != first {
			return fmt.Errorf("audited revision %s, want %s", p.Revision, first)
		}
		return nil
	})
	if d := denied(entries); len(d) != 0 {
		t.Fatalf("denied before the change: %v", d)
	}
	firstRun := page.FinishedAt

	repo.Write("policies/e2e/require_team.rego", stricterPolicy)
	stricter := repo.Commit("Ingresses need a team label")
	repo.Push()
	_, entries = waitAudit(t, wh, 60*time.Second, func(p audit.Page, _ []audit.Entry) error {
		if p.Revision != stricter {
			return fmt.Errorf("audited revision %s, want %s", p.Revision, stricter)
		}
		return nil
	})
	want := []finding{{ns, "Ingress", "secure", "e2e.require_team", "deny"}}
	if d := denied(entries); !slices.Equal(d, want) {
		t.Errorf("after the change: %v, want %v", d, want)
	}
	for _, e := range entries {
		if e.Policy == "e2e.require_team" && e.Namespace == ns && (e.Revision != stricter || e.Message != "Ingress secure has no team label") {
			t.Errorf("entry %+v", e)
		}
	}
	if runs, err := wh.Metric("apiguard_audit_runs_total"); err != nil || runs != 2 {
		t.Errorf("runs %v (%v): want the start and the new revision, no interval run (first at %s)", runs, err, firstRun)
	}
}

// TestAuditLeaderElection: two webhooks share a Lease; exactly one audits, both serve
// its report at /audit, and when it stops the other takes over.
func TestAuditLeaderElection(t *testing.T) {
	a := startAuditWebhook(t, "election")
	b := startAuditWebhook(t, "election")
	leaderOf := func() (*kubetest.Webhook, *kubetest.Webhook, error) {
		la, _ := a.Metric("apiguard_audit_leader")
		lb, _ := b.Metric("apiguard_audit_leader")
		switch {
		case la == 1 && lb == 0:
			return a, b, nil
		case lb == 1 && la == 0:
			return b, a, nil
		}
		return nil, nil, fmt.Errorf("leader gauges %v and %v", la, lb)
	}
	var leader, follower *kubetest.Webhook
	eventually(t, 60*time.Second, func() error {
		var err error
		if leader, follower, err = leaderOf(); err != nil {
			return err
		}
		if runs, _ := leader.Metric("apiguard_audit_runs_total"); runs < 1 {
			return errors.New("the leader has not finished a run yet")
		}
		return nil
	})
	page, entries, err := readAudit(leader.HealthURL)
	if err != nil {
		t.Fatal(err)
	}
	// The follower relays the leader's report, entry for entry.
	fpage, fentries, err := readAudit(follower.HealthURL)
	if err != nil {
		t.Fatal(err)
	}
	if fpage.Auditor != page.Auditor || fpage.FinishedAt != page.FinishedAt || len(fentries) != len(entries) || !strings.Contains(page.Auditor, strings.TrimPrefix(leader.HealthURL, "http://")) {
		t.Errorf("follower serves %s (%d entries), leader %s (%d entries)", fpage.Auditor, len(fentries), page.Auditor, len(entries))
	}
	// The follower never audits: not at start, not while the leader holds the lease.
	if runs, err := follower.Metric("apiguard_audit_runs_total"); err != nil || runs != 0 {
		t.Errorf("the follower ran %v audits (%v)", runs, err)
	}
	if _, err := follower.Metric("apiguard_audit_last_run_timestamp_seconds"); err == nil {
		t.Error("the follower exports audit results")
	}

	// The leader stops gracefully and releases the Lease: the follower takes over.
	if err := leader.Stop(); err != nil {
		t.Fatal(err)
	}
	eventually(t, 60*time.Second, func() error {
		if l, _ := follower.Metric("apiguard_audit_leader"); l != 1 {
			return errors.New("the follower has not taken the lease")
		}
		if runs, _ := follower.Metric("apiguard_audit_runs_total"); runs < 1 {
			return errors.New("the new leader has not finished a run")
		}
		return nil
	})
	if p, _, err := readAudit(follower.HealthURL); err != nil || p.Auditor == page.Auditor {
		t.Errorf("after the handover /audit comes from %s (%v), before from %s", p.Auditor, err, page.Auditor)
	}
}

// auditCLI runs apiguard audit against the suite's cluster with the bundled policies and
// the examples' configuration, in the given output format; objects are denied, so it
// must exit 1.
func auditCLI(t *testing.T, format string) []byte {
	t.Helper()
	cli := exec.Command(testEnv.cliBin, "audit", "--kubeconfig", testEnv.stack.Cluster.Kubeconfig(),
		"--policy", filepath.Join(testEnv.root, "policies"), "--data", filepath.Join(testEnv.root, "test", "examples-config.yaml"),
		"--exclude-namespace", auditLeaseNamespace, "-o", format)
	out, err := cli.Output()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 1 {
		t.Fatalf("exit %v (want 1: objects are denied); stderr %s", err, stderrOf(err))
	}
	return out
}
