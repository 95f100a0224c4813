package admission

import (
	"bytes"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
)

func TestMemoryBudgetWeight(t *testing.T) {
	m := newMemoryBudget(100<<20, 32)
	for name, tc := range map[string]struct {
		contentLength, want int64
	}{
		"small body":          {4 << 10, 128 << 10},
		"3 MiB body":          {3 << 20, 96 << 20},
		"larger than budget":  {5 << 20, 100 << 20},
		"unknown length":      {-1, 100 << 20},
		"over the body limit": {8 << 20, 100 << 20},
		"empty body":          {0, 1},
	} {
		if got := m.weight(tc.contentLength); got != tc.want {
			t.Errorf("%s: weight(%d) = %d, want %d", name, tc.contentLength, got, tc.want)
		}
	}
	if newMemoryBudget(-1, 32) != nil {
		t.Error("a negative budget must switch the budget off")
	}
}

// TestMemoryBudget: while one request holds the whole budget, another waits, and gets a
// 503 naming the budget when its deadline comes first; a request that fits is decided at
// once, and the budget is whole again afterwards.
func TestMemoryBudget(t *testing.T) {
	slow := review("admission.k8s.io/v1", "Slow", "CREATE", "team", map[string]any{})
	small := review("admission.k8s.io/v1", "Ingress", "CREATE", "team", ingressObject(true, nil))
	// Room for the slow request's body times the factor, and not one byte more.
	f := newFixture(t, Options{EvalTimeout: 400 * time.Millisecond, MemoryBudget: int64(len(slow)) * 4, BodyMemoryFactor: 4},
		map[string]string{"slow.rego": slowPolicy, "tls.rego": testPolicies})

	var wg sync.WaitGroup
	wg.Go(func() {
		post(t, f.validate, "application/json", bytes.NewReader(slow))
	})
	deadline := time.Now().Add(2 * time.Second)
	for testutil.ToFloat64(f.metrics.memoryReserved) == 0 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if got := testutil.ToFloat64(f.metrics.memoryReserved); got != float64(len(slow)*4) {
		t.Fatalf("reserved %v bytes, want %d", got, len(slow)*4)
	}
	res := postURL(t, f.validate, "/validate?timeout=100ms", "application/json", bytes.NewReader(small))
	if res.status != http.StatusServiceUnavailable || !strings.Contains(string(res.body), "memory budget") {
		t.Errorf("HTTP %d: %s; want 503 while the budget is held", res.status, res.body)
	}
	if got := testutil.ToFloat64(f.metrics.undecided.WithLabelValues("validate", "memory")); got != 1 {
		t.Errorf("undecided{reason=memory} = %v, want 1", got)
	}
	wg.Wait()
	// A large reservation is handed back after a collection, in the background.
	deadline = time.Now().Add(10 * time.Second)
	for testutil.ToFloat64(f.metrics.memoryReserved) != 0 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if got := testutil.ToFloat64(f.metrics.memoryReserved); got != 0 {
		t.Errorf("reserved %v bytes after every request finished, want 0", got)
	}
	if got := testutil.ToFloat64(f.metrics.memoryWaiting); got != 0 {
		t.Errorf("waiting %v bytes after every request finished, want 0", got)
	}
	res = post(t, f.validate, "application/json", bytes.NewReader(small))
	if res.status != http.StatusOK || !res.review.Response.Allowed {
		t.Errorf("HTTP %d: %s; want the request decided once the budget is free", res.status, res.body)
	}
}

// TestMemoryBudgetWaits: a request that does not fit waits for the budget instead of being
// refused at once, and is decided when the holder finishes within its deadline.
func TestMemoryBudgetWaits(t *testing.T) {
	slow := review("admission.k8s.io/v1", "Slow", "CREATE", "team", map[string]any{})
	small := review("admission.k8s.io/v1", "Ingress", "CREATE", "team", ingressObject(true, nil))
	f := newFixture(t, Options{EvalTimeout: 2 * time.Second, MemoryBudget: int64(len(slow)), BodyMemoryFactor: 1},
		map[string]string{"slow.rego": slowPolicy, "tls.rego": testPolicies})
	var wg sync.WaitGroup
	wg.Go(func() {
		// The API server gives the slow request 250ms: it holds the budget about 200ms.
		postURL(t, f.validate, "/validate?timeout=250ms", "application/json", bytes.NewReader(slow))
	})
	deadline := time.Now().Add(2 * time.Second)
	for testutil.ToFloat64(f.metrics.memoryReserved) == 0 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	// This one may wait up to its 2s evaluation deadline.
	start := time.Now()
	res := postURL(t, f.validate, "/validate?timeout=5s", "application/json", bytes.NewReader(small))
	wg.Wait()
	if res.status != http.StatusOK || !res.review.Response.Allowed {
		t.Errorf("HTTP %d: %s; want a decision after waiting for the budget", res.status, res.body)
	}
	if waited := time.Since(start); waited < 100*time.Millisecond {
		t.Errorf("answered after %s: it did not wait for the budget", waited)
	}
}
