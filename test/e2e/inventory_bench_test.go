package e2e

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/apiguard/apiguard/internal/kubetest"
)

// rssKiB reads a process's resident set size from /proc.
func rssKiB(pid int) (int64, error) { return procStatusKiB(pid, "VmRSS") }

// peakRSSKiB reads a process's peak resident set size (VmHWM) from /proc.
func peakRSSKiB(pid int) (int64, error) { return procStatusKiB(pid, "VmHWM") }

// procStatusKiB reads one kB field of /proc/<pid>/status.
func procStatusKiB(pid int, field string) (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, field+":") {
			return strconv.ParseInt(strings.Fields(line)[1], 10, 64)
		}
	}
	return 0, fmt.Errorf("no %s in /proc/%d/status", field, pid)
}

// startInventoryWebhook starts a webhook watching the suite's cluster and returns it
// once its inventory has synced (it is ready only then).
func startInventoryWebhook(b testing.TB) *kubetest.Webhook {
	b.Helper()
	wh, err := kubetest.StartWebhook(context.Background(), kubetest.WebhookOptions{
		Binary: testEnv.webhookBin, PolicyDir: testEnv.root + "/policies", ReadyTimeout: 5 * time.Minute,
		Args: []string{"--kubeconfig", testEnv.stack.Cluster.Kubeconfig(), "--inventory", "on"},
	})
	if err != nil {
		b.Fatal(err)
	}
	return wh
}

// BenchmarkInventoryMemory measures the webhook's resident memory with N Ingresses in the
// cluster (default 50,000; APIGUARD_INVENTORY_N overrides), against a webhook started in
// the same run on the same cluster before the Ingresses exist. Run it with
//
//	go test ./test/e2e -run '^$' -bench InventoryMemory -benchtime 1x
func BenchmarkInventoryMemory(b *testing.B) {
	n := 50000
	if v, err := strconv.Atoi(os.Getenv("APIGUARD_INVENTORY_N")); err == nil && v > 0 {
		n = v
	}
	baseline := startInventoryWebhook(b)
	time.Sleep(2 * time.Second)
	baseRSS, err := rssKiB(baseline.PID())
	if err != nil {
		b.Fatal(err)
	}
	_ = baseline.Stop()

	start := time.Now()
	fillIngresses(b, n)
	b.Logf("created %d Ingresses in %s", n, time.Since(start).Round(time.Second))

	b.ResetTimer()
	for b.Loop() {
		// Default GC, then with GOMEMLIMIT as a pod would set it from its memory limit
		// (the Go runtime reads it at start; the child inherits it).
		for _, limit := range []string{"", "200MiB"} {
			if limit != "" {
				b.Setenv("GOMEMLIMIT", limit)
			}
			syncStart := time.Now()
			wh := startInventoryWebhook(b)
			synced := time.Since(syncStart)
			time.Sleep(3 * time.Second)
			rss, err := rssKiB(wh.PID())
			if err != nil {
				b.Fatal(err)
			}
			objects, _ := wh.Metric("apiguard_inventory_objects")
			_ = wh.Stop()
			label := "default-GC"
			if limit != "" {
				label = "GOMEMLIMIT-" + limit
			}
			b.ReportMetric(float64(rss)/1024, "RSS-MiB-"+label)
			b.ReportMetric(float64(rss)/float64(baseRSS), "RSS-ratio-"+label)
			b.Logf("%s: %d Ingresses (%v in inventory): RSS %.0f MiB, baseline %.0f MiB (x%.1f), ready in %s",
				label, n, objects, float64(rss)/1024, float64(baseRSS)/1024, float64(rss)/float64(baseRSS), synced.Round(100*time.Millisecond))
		}
		b.ReportMetric(float64(baseRSS)/1024, "baseline-RSS-MiB")
	}
}
