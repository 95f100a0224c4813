package e2e

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/apiguard/apiguard/internal/kubetest"
	"github.com/apiguard/apiguard/pkg/audit"
)

// TestAuditScale audits N Ingresses created with concurrent clients: 2,000 in `make
// test`, APIGUARD_AUDIT_N=50000 for the figures in docs/audit.md (run it alone, with
// -timeout 60m: creating 50,000 objects takes minutes). It checks that every object is
// judged and counted although the entries are capped, and logs objects per second, the
// run's duration and the webhook's memory (APIGUARD_AUDIT_WORKERS sets --audit-workers) against a webhook with audit off, with the
// default GC and with the chart's GOMEMLIMIT.
func TestAuditScale(t *testing.T) {
	n := 2000
	if v, err := strconv.Atoi(os.Getenv("APIGUARD_AUDIT_N")); err == nil && v > 0 {
		n = v
	}
	created := time.Now()
	ns := fillIngresses(t, n)
	// The rest of the suite audits the whole cluster: leave it as it was.
	t.Cleanup(func() {
		_ = testEnv.cs.NetworkingV1().Ingresses(ns).DeleteCollection(context.Background(), metav1.DeleteOptions{}, metav1.ListOptions{})
	})
	t.Logf("created %d Ingresses in %s (%.0f/s)", n, time.Since(created).Round(time.Second), float64(n)/time.Since(created).Seconds())

	// Audit off: the inventory alone, the baseline.
	base := startAuditWebhook(t, "scale-off", "--audit-interval", "0")
	time.Sleep(2 * time.Second)
	baseRSS, err := rssKiB(base.PID())
	if err != nil {
		t.Fatal(err)
	}
	_ = base.Stop()

	for _, limit := range []string{"", "256MiB"} {
		t.Run("GOMEMLIMIT="+limit, func(t *testing.T) {
			ensureNamespace(t, auditLeaseNamespace)
			var env []string
			if limit != "" {
				env = []string{"GOMEMLIMIT=" + limit}
			}
			args := auditArgs(testEnv.stack.Cluster.Kubeconfig(), "scale", "--audit-max-entries", "1000")
			// APIGUARD_AUDIT_WORKERS sets --audit-workers (default: half the CPUs).
			if w := os.Getenv("APIGUARD_AUDIT_WORKERS"); w != "" {
				args = append(args, "--audit-workers", w)
			}
			start := time.Now()
			wh, err := kubetest.StartWebhook(t.Context(), kubetest.WebhookOptions{
				Binary: testEnv.webhookBin, PolicyDir: testEnv.root + "/policies", Env: env, ReadyTimeout: 10 * time.Minute, Args: args,
			})
			if err != nil {
				t.Fatal(err)
			}
			defer wh.Stop()
			page, entries := waitAudit(t, wh, 30*time.Minute, func(audit.Page, []audit.Entry) error { return nil })
			sinceStart := time.Since(start)
			time.Sleep(2 * time.Second)
			rss, err := rssKiB(wh.PID())
			if err != nil {
				t.Fatal(err)
			}
			peak, err := peakRSSKiB(wh.PID())
			if err != nil {
				t.Fatal(err)
			}

			// Every object judged, every finding counted, only the entries capped.
			if page.Objects < n || page.Errors != 0 || !page.Truncated || len(entries) != 1000 || page.Total < 4*n {
				t.Errorf("objects %d (want at least %d), errors %d, truncated %t, %d entries of %d", page.Objects, n, page.Errors, page.Truncated, len(entries), page.Total)
			}
			violations, _ := auditMetrics(t, wh, ns)
			want := map[string]float64{
				"ingress.default_hsts Ingress patch":         float64(3 * n),
				"ingress.default_ssl_redirect Ingress patch": float64(n),
			}
			if fmt.Sprint(violations) != fmt.Sprint(want) {
				t.Errorf("findings in %s: %v, want %v", ns, violations, want)
			}

			d := page.FinishedAt.Sub(page.StartedAt)
			t.Logf("GOMEMLIMIT=%q: audited %d objects in %s: %.0f objects/s; report %s after start (process start, cache sync, run); "+
				"RSS %.0f MiB (peak %.0f MiB), inventory-only webhook %.0f MiB",
				limit, page.Objects, d.Round(time.Millisecond), float64(page.Objects)/d.Seconds(), sinceStart.Round(100*time.Millisecond),
				float64(rss)/1024, float64(peak)/1024, float64(baseRSS)/1024)
		})
	}
}
