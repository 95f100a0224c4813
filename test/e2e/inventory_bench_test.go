package e2e

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/util/flowcontrol"

	"github.com/apiguard/apiguard/internal/kubetest"
)

// rssKiB reads a process's resident set size from /proc.
func rssKiB(pid int) (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "VmRSS:") {
			return strconv.ParseInt(strings.Fields(line)[1], 10, 64)
		}
	}
	return 0, fmt.Errorf("no VmRSS in /proc/%d/status", pid)
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
	ctx := context.Background()
	ns := fmt.Sprintf("inventory-bench-%d", time.Now().UnixNano()%100000)
	// An unguarded namespace: the objects are created without calling any webhook.
	if _, err := testEnv.cs.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}, metav1.CreateOptions{}); err != nil {
		b.Fatal(err)
	}
	baseline := startInventoryWebhook(b)
	time.Sleep(2 * time.Second)
	baseRSS, err := rssKiB(baseline.PID())
	if err != nil {
		b.Fatal(err)
	}
	_ = baseline.Stop()

	// The suite's client is rate limited; filling the cluster needs none.
	cfg := testEnv.stack.Cluster.RESTConfig()
	cfg.RateLimiter = flowcontrol.NewFakeAlwaysRateLimiter()
	fast, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		b.Fatal(err)
	}
	start := time.Now()
	var wg sync.WaitGroup
	work := make(chan int)
	var createErr error
	var errOnce sync.Once
	for range 32 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range work {
				name := fmt.Sprintf("ing-%06d", i)
				ing := ingress(ns, name, []string{name + ".bench.example.com"}, []string{name + ".bench.example.com"})
				if _, err := fast.NetworkingV1().Ingresses(ns).Create(ctx, ing, metav1.CreateOptions{}); err != nil {
					errOnce.Do(func() { createErr = err })
				}
			}
		}()
	}
	for i := range n {
		work <- i
	}
	close(work)
	wg.Wait()
	if createErr != nil {
		b.Fatal(createErr)
	}
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
