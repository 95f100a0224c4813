package chart

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/apiguard/apiguard/internal/kubetest"
	"github.com/apiguard/apiguard/internal/testenv"
)

// Metrics the dashboard and the alerts read that the webhook does not serve yet, and
// why. Every other name a query reads must be in /metrics of a running webhook.
// exceptionExpiryMetric is served only while the active revision holds a PolicyException,
// so the webhook here runs on the library with one.
const exceptionExpiryMetric = "apiguard_policy_exception_expiry_timestamp_seconds"

// targetLabels are the labels Prometheus adds to every series it scrapes through the
// chart's ServiceMonitor, and exported_namespace, the audited namespace renamed because
// it collides with the target's namespace (honorLabels false).
var targetLabels = []string{"namespace", "job", "pod", "instance", "service", "container", "endpoint", "exported_namespace"}

// exposition maps each sample name /metrics serves (a histogram's _bucket, _sum and
// _count) to the label names its samples carry.
type exposition map[string][]string

func parseExposition(t *testing.T, body []byte) exposition {
	t.Helper()
	p := expfmt.NewTextParser(model.UTF8Validation)
	families, err := p.TextToMetricFamilies(bytes.NewReader(body))
	if err != nil {
		t.Fatalf("parse /metrics: %v", err)
	}
	out := exposition{}
	add := func(name string, m *dto.Metric, extra ...string) {
		ls := out[name]
		for _, l := range m.GetLabel() {
			if !slices.Contains(ls, l.GetName()) {
				ls = append(ls, l.GetName())
			}
		}
		for _, l := range extra {
			if !slices.Contains(ls, l) {
				ls = append(ls, l)
			}
		}
		out[name] = ls
	}
	for name, f := range families {
		for _, m := range f.GetMetric() {
			switch f.GetType() {
			case dto.MetricType_HISTOGRAM:
				add(name+"_bucket", m, "le")
				add(name+"_sum", m)
				add(name+"_count", m)
			case dto.MetricType_SUMMARY:
				add(name, m, "quantile")
				add(name+"_sum", m)
				add(name+"_count", m)
			default:
				add(name, m)
			}
		}
	}
	return out
}

// checkServed: every metric a query reads is served (or listed in notServedYet), and
// every label it reads is one of those metrics' labels, a target label, or one it creates.
func checkServed(t *testing.T, served exposition, where, query string) {
	t.Helper()
	expr, err := parseQuery(query)
	if err != nil {
		t.Errorf("%s: %v", where, err)
		return
	}
	r := refsOf(expr)
	known := slices.Concat(targetLabels, r.created)
	for _, m := range r.metrics {
		ls, ok := served[m]
		if !ok {
			t.Errorf("%s: reads %s, which the webhook's /metrics does not serve", where, m)
			continue
		}
		known = append(known, ls...)
	}
	for _, l := range r.labels {
		if !slices.Contains(known, l) {
			t.Errorf("%s: reads label %q, which none of %v carries\n%s", where, l, r.metrics, query)
		}
	}
}

// TestDashboardMetricsServed runs the real webhook binary against a real API server,
// with the audit on and admission traffic that produces each kind of series (allowed,
// denied, patched, undecided), then checks every dashboard query and every alert
// against its /metrics.
func TestDashboardMetricsServed(t *testing.T) {
	testenv.Integration(t, testenv.ControlPlane+" and "+testenv.BuiltTools)
	needHelm(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	if err := kubetest.EnsureBinaries(ctx); err != nil {
		t.Fatal(err)
	}
	cluster, cs := kubetest.StartForTest(t)

	// A violating Ingress for the audit to find (no webhook is registered, so the API
	// server admits it), and the namespace of the audit Lease.
	for _, ns := range []string{"apiguard-system", "shop"} {
		if _, err := cs.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := cs.NetworkingV1().Ingresses("shop").Create(ctx, kubetest.Ingress("shop", "plain", "shop.example.com", false), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}

	bin, err := kubetest.Build(ctx, "./cmd/webhook", t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	// The library, and one PolicyException for the exceptions panel and alert.
	tree := filepath.Join(t.TempDir(), "policies")
	if err := os.CopyFS(tree, os.DirFS(filepath.Join(root, "policies"))); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(tree, "exceptions"), 0o755); err != nil {
		t.Fatal(err)
	}
	exception := "apiVersion: apiguard.io/v1alpha1\nkind: PolicyException\nmetadata: {name: legacy}\nspec:\n" +
		"  policies: [ingress.require_tls]\n  match: {namespaces: [shop]}\n  reason: metrics test\n" +
		"  expires: \"" + time.Now().Add(24*time.Hour).UTC().Format(time.RFC3339) + "\"\n"
	if err := os.WriteFile(filepath.Join(tree, "exceptions", "legacy.yaml"), []byte(exception), 0o644); err != nil {
		t.Fatal(err)
	}
	wh, err := kubetest.StartWebhook(ctx, kubetest.WebhookOptions{
		Binary: bin, PolicyDir: tree,
		Args: []string{
			"--kubeconfig", cluster.Kubeconfig(), "--inventory", "on",
			"--data-file", filepath.Join(root, "test", "examples-config.yaml"),
			"--namespace", "apiguard-system", "--audit-lease-name", "apiguard-audit", "--audit-interval", "1h",
			"--policy-dir-interval", "1h",
		},
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

	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(wh.CABundle)
	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	if r := kubetest.Review(ctx, client, wh.URL+"/validate", kubetest.Ingress("shop", "tls", "tls.example.com", true)); r.Err != nil || !r.Allowed {
		t.Fatalf("Ingress with TLS: %+v", r)
	}
	if r := kubetest.Review(ctx, client, wh.URL+"/validate", kubetest.Ingress("shop", "plain", "plain.example.com", false)); r.Err != nil || r.Status != http.StatusOK {
		t.Fatalf("Ingress without TLS: %+v", r)
	}
	if r := kubetest.Review(ctx, client, wh.URL+"/mutate", kubetest.Ingress("shop", "tls", "tls.example.com", true)); r.Err != nil || !r.Allowed {
		t.Fatalf("mutate: %+v", r)
	}
	// An API server deadline already past: the request cannot be decided in time, so it
	// is answered undecided (HTTP 5xx) and counted in apiguard_admission_undecided_total.
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, wh.URL+"/validate?timeout=1ns",
		bytes.NewReader(kubetest.CreateReview(kubetest.Ingress("shop", "late", "late.example.com", true))))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode < 500 {
		t.Fatalf("a request with no time left: HTTP %d, want 5xx", resp.StatusCode)
	}

	var served exposition
	if err := kubetest.Poll(2*time.Minute, func() error {
		resp, err := http.Get(wh.MetricURL)
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		if err != nil {
			return err
		}
		served = parseExposition(t, b)
		for _, m := range []string{"apiguard_audit_violations", "apiguard_audit_last_run_timestamp_seconds", "apiguard_admission_undecided_total", "apiguard_policy_violations_total"} {
			if _, ok := served[m]; !ok {
				return fmt.Errorf("%s not served yet", m)
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}

	d := loadDashboard(t)
	for _, q := range dashboardQueries(t, d) {
		checkServed(t, served, q.where, q.expr)
	}
	// Every alert, with every optional group rendered (Git source, audit on).
	alerts := parseRules(t, renderRule(t, "default.yaml"))
	if len(alerts) < 8 {
		t.Fatalf("only %d alerts rendered", len(alerts))
	}
	for name, r := range alerts {
		checkServed(t, served, "alert "+name, r.Expr)
	}
	if _, ok := served[exceptionExpiryMetric]; !ok {
		t.Errorf("%s is not served with a PolicyException active", exceptionExpiryMetric)
	}
	var names []string
	for n := range served {
		if strings.HasPrefix(n, "apiguard_") {
			names = append(names, n)
		}
	}
	slices.Sort(names)
	t.Logf("apiguard series served: %s", strings.Join(names, " "))
}
