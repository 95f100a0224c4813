package inventory

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-logr/logr"
	"github.com/prometheus/client_golang/prometheus"
	"k8s.io/client-go/rest"

	"github.com/apiguard/apiguard/pkg/policy"
)

// TestWatcherNotSyncedWhileDiscoveryFails: an API server that answers discovery with
// errors must not give an inventory that looks complete and empty. The watcher retries
// and stays unsynced (so the webhook stays not ready) until its context ends; before,
// every failed group version counted as "not served" and the watcher reported synced
// with no objects, so every host looked unclaimed.
func TestWatcherNotSyncedWhileDiscoveryFails(t *testing.T) {
	var requests atomic.Int64
	retried := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Discovery stops at the first group version that fails, so the second request
		// is the second attempt.
		if requests.Add(1) == 2 {
			close(retried)
		}
		http.Error(w, `{"kind":"Status","apiVersion":"v1","status":"Failure","code":503,"reason":"ServiceUnavailable"}`, http.StatusServiceUnavailable)
	}))
	defer srv.Close()

	w, err := NewWatcher(WatcherOptions{Config: &rest.Config{Host: srv.URL}, Holder: policy.NewHolder(), Registerer: prometheus.NewRegistry(), Log: logr.Discard()})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx) }()

	select {
	case <-retried:
	case err := <-done:
		t.Fatalf("Run returned while discovery failed: %v", err)
	case <-time.After(30 * time.Second):
		t.Fatalf("no second discovery attempt after 30s (%d requests)", requests.Load())
	}
	if err := w.Synced(); err == nil {
		t.Fatal("the watcher reports synced although discovery has only failed")
	}
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("Run after cancel: %v, want context.Canceled", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("Run did not return after its context was cancelled")
	}
	if err := w.Synced(); err == nil {
		t.Error("synced after a run that never discovered anything")
	}
}
