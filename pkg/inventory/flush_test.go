package inventory

import (
	"context"
	"testing"
	"testing/fstest"
	"time"

	"github.com/go-logr/logr"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/rest"

	"github.com/apiguard/apiguard/pkg/policy"
)

func flushTestSet(t *testing.T) *policy.PolicySet {
	t.Helper()
	set, err := policy.Load(context.Background(), fstest.MapFS{"p.rego": {Data: []byte("package p\n\ndeny contains \"x\" if false\n")}}, policy.LoadOptions{Revision: "r"})
	if err != nil {
		t.Fatal(err)
	}
	return set
}

func trackedIngress(t *testing.T, name, host string) *tracked {
	t.Helper()
	u := &unstructured.Unstructured{Object: obj(t, `{"apiVersion":"networking.k8s.io/v1","kind":"Ingress","metadata":{"name":"`+name+`","namespace":"a"},"spec":{"rules":[{"host":"`+host+`"}]}}`)}
	out, err := strip(u)
	if err != nil {
		t.Fatal(err)
	}
	tr, ok := out.(*tracked)
	if !ok {
		t.Fatalf("strip gave %T", out)
	}
	return tr
}

func hasHost(t *testing.T, set *policy.PolicySet, host string) bool {
	t.Helper()
	_, ok, err := set.ReadData(context.Background(), "apiguard", "inventory", Hosts, host)
	if err != nil {
		t.Fatal(err)
	}
	return ok
}

// TestFlushBatchesAndPreparedSetMissesNothing: watch events reach the sets at the flush,
// not before (so they are coalesced), the objects gauge moves with the flush, and a set
// prepared while changes are pending holds them all: its seed is the index, and the flush
// writes into it too.
func TestFlushBatchesAndPreparedSetMissesNothing(t *testing.T) {
	ctx := context.Background()
	holder := policy.NewHolder()
	w, err := NewWatcher(WatcherOptions{Config: &rest.Config{Host: "http://127.0.0.1:1"}, Holder: holder, Registerer: prometheus.NewRegistry(), Log: logr.Discard()})
	if err != nil {
		t.Fatal(err)
	}
	first := flushTestSet(t)
	if err := w.Prepare(ctx, first); err != nil {
		t.Fatal(err)
	}
	holder.Swap(first)

	w.upsert(ctx, trackedIngress(t, "a", "a.example.com"))
	w.upsert(ctx, trackedIngress(t, "b", "b.example.com"))
	if hasHost(t, first, "a.example.com") || testutil.ToFloat64(w.objects) != 0 {
		t.Fatal("a change reached the set (or the gauge) before the flush")
	}
	w.flush(ctx)
	if !hasHost(t, first, "a.example.com") || !hasHost(t, first, "b.example.com") {
		t.Fatal("the flush did not write both pending hosts")
	}
	if got := testutil.ToFloat64(w.objects); got != 2 {
		t.Fatalf("objects gauge %v after the flush, want 2", got)
	}

	// A change pending while the next set is prepared, and one after.
	w.upsert(ctx, trackedIngress(t, "c", "c.example.com"))
	second := flushTestSet(t)
	if err := w.Prepare(ctx, second); err != nil {
		t.Fatal(err)
	}
	w.remove(ctx, trackedIngress(t, "a", "a.example.com"))
	w.flush(ctx)
	for _, set := range []*policy.PolicySet{first, second} {
		if hasHost(t, set, "a.example.com") || !hasHost(t, set, "b.example.com") || !hasHost(t, set, "c.example.com") {
			t.Errorf("set %p: want b and c, not a", set)
		}
	}
	holder.Swap(second)
	w.upsert(ctx, trackedIngress(t, "d", "d.example.com"))
	w.flush(ctx)
	if !hasHost(t, second, "d.example.com") {
		t.Error("the active set missed a change after the swap")
	}
}

// TestFlushPauseFollowsTheWriteCost: after a cheap write (a small inventory) the flusher
// hardly waits, so objects applied together are judged against each other; after an
// expensive one it waits ten times as long, and never more than flushInterval.
func TestFlushPauseFollowsTheWriteCost(t *testing.T) {
	for _, tc := range []struct{ took, want time.Duration }{
		{0, 0},
		{20 * time.Microsecond, 200 * time.Microsecond},
		{2 * time.Millisecond, 20 * time.Millisecond},
		{50 * time.Millisecond, flushInterval},
	} {
		if got := flushPause(tc.took); got != tc.want {
			t.Errorf("flushPause(%v) = %v, want %v", tc.took, got, tc.want)
		}
	}
}
