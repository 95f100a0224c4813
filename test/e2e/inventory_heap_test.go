package e2e

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"runtime/pprof"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/go-logr/logr"
	"github.com/prometheus/client_golang/prometheus"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/util/flowcontrol"

	"github.com/apiguard/apiguard/pkg/inventory"
	"github.com/apiguard/apiguard/pkg/policy"
)

// fillIngresses creates n Ingresses in a fresh, unguarded namespace (no webhook is
// called), with an unthrottled client: the suite's client is rate limited. It returns
// the namespace.
func fillIngresses(b testing.TB, n int) string {
	b.Helper()
	ctx := context.Background()
	ns := fmt.Sprintf("inventory-fill-%d", time.Now().UnixNano()%100000)
	if _, err := testEnv.cs.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}, metav1.CreateOptions{}); err != nil {
		b.Fatal(err)
	}
	cfg := testEnv.stack.Cluster.RESTConfig()
	cfg.RateLimiter = flowcontrol.NewFakeAlwaysRateLimiter()
	fast, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		b.Fatal(err)
	}
	var wg sync.WaitGroup
	work := make(chan int)
	var once sync.Once
	var createErr error
	for range 32 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range work {
				name := fmt.Sprintf("ing-%06d", i)
				if _, err := fast.NetworkingV1().Ingresses(ns).Create(ctx, ingress(ns, name, []string{name + ".bench.example.com"}, []string{name + ".bench.example.com"}), metav1.CreateOptions{}); err != nil {
					once.Do(func() { createErr = err })
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
	return ns
}

// BenchmarkInventoryHeap runs the inventory watcher in-process against N Ingresses and
// reports the live heap after sync (APIGUARD_HEAP_PROFILE=file writes a heap profile).
func BenchmarkInventoryHeap(b *testing.B) {
	n := 50000
	if v, err := strconv.Atoi(os.Getenv("APIGUARD_INVENTORY_N")); err == nil && v > 0 {
		n = v
	}
	fillIngresses(b, n)
	set, err := policy.Load(context.Background(), os.DirFS(testEnv.root+"/policies"), policy.LoadOptions{Revision: "bench"})
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		runtime.GC()
		var before runtime.MemStats
		runtime.ReadMemStats(&before)
		holder := policy.NewHolder()
		w, err := inventory.NewWatcher(inventory.WatcherOptions{Config: testEnv.stack.Cluster.RESTConfig(), Holder: holder, Registerer: prometheus.NewRegistry(), Log: logr.Discard()})
		if err != nil {
			b.Fatal(err)
		}
		if err := w.Prepare(context.Background(), set); err != nil {
			b.Fatal(err)
		}
		holder.Swap(set)
		ctx, cancel := context.WithCancel(context.Background())
		go func() { _ = w.Run(ctx) }()
		for w.Synced() != nil {
			time.Sleep(50 * time.Millisecond)
		}
		runtime.GC()
		var after runtime.MemStats
		runtime.ReadMemStats(&after)
		if p := os.Getenv("APIGUARD_HEAP_PROFILE"); p != "" {
			f, _ := os.Create(p)
			_ = pprof.WriteHeapProfile(f)
			f.Close()
		}
		b.ReportMetric(float64(after.HeapInuse-before.HeapInuse)/(1<<20), "heap-MiB")
		// HeapSys is what the heap ever reserved: the peak during the initial sync.
		b.ReportMetric(float64(after.HeapSys)/(1<<20), "heap-reserved-MiB")
		b.ReportMetric(float64(after.HeapInuse-before.HeapInuse)/float64(n), "heap-B/ingress")
		cancel()
	}
}
