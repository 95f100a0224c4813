package fault

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/apiguard/apiguard/internal/kubetest"
)

// TestAPIServerRestartInventoryResumes (fault 7): kube-apiserver is restarted while the
// webhook's inventory watch (--inventory on) runs. The inventory feeds referential
// policies: ingress.unique_host denies an Ingress claiming a host another namespace
// already serves.
//
// Expected: the watch resumes by itself; an Ingress created after the restart enters the
// inventory (a second claim on its host from another namespace is denied), and one
// deleted after the restart leaves it (the host is free again). No webhook restart.
//
// Not parallel: the restart would fail the other cases' requests. Go runs the sequential
// top-level tests before it releases the parallel ones, so this one runs alone.
func TestAPIServerRestartInventoryResumes(t *testing.T) {
	ctx := context.Background()
	wh := startWebhook(t, kubetest.WebhookOptions{PolicyDir: libraryDir(),
		Args: append(libraryArgs(), "--kubeconfig", testEnv.cluster.Kubeconfig(), "--inventory", "on")})
	owner := guard(t, "inventory", wh.URL, wh.CABundle)
	other := newNamespace(t, "inventory")
	// claimed reports whether a second claim on host from the other namespace is denied.
	claimed := func(host string) (bool, error) {
		c := create(ctx, kubetest.Ingress(other, "second-claim", host, true), true)
		switch {
		case c.err == nil:
			return false, nil
		case strings.Contains(c.err.Error(), "[ingress.unique_host]"):
			return true, nil
		}
		return false, c.err
	}
	waitClaimed := func(host string, want bool) time.Duration {
		t.Helper()
		start := time.Now()
		eventually(t, 90*time.Second, func() error {
			got, err := claimed(host)
			if err != nil || got != want {
				return fmt.Errorf("%s claimed=%v (err %v), want %v", host, got, err, want)
			}
			return nil
		})
		return time.Since(start)
	}

	if c := create(ctx, kubetest.Ingress(owner, "before", "before-restart.example.com", true), false); c.err != nil {
		t.Fatal(c.err)
	}
	waitClaimed("before-restart.example.com", true)
	objectsBefore := metric(t, wh, "apiguard_inventory_objects")

	restartStart := time.Now()
	if err := testEnv.cluster.RestartAPIServer(ctx); err != nil {
		t.Fatal(err)
	}
	restart := time.Since(restartStart)

	// The API server reloads webhook configurations as it starts; retry until it calls us.
	eventually(t, 60*time.Second, func() error {
		return create(ctx, kubetest.Ingress(owner, "after", "after-restart.example.com", true), false).err
	})
	added := waitClaimed("after-restart.example.com", true)
	if err := testEnv.cs.NetworkingV1().Ingresses(owner).Delete(ctx, "before", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	removed := waitClaimed("before-restart.example.com", false)
	if err := ready(wh); err != nil {
		t.Errorf("webhook not ready after the API server came back: %v", err)
	}
	t.Logf("API server restart took %s; inventory objects %v before, %v after; a create after the restart was seen in %s, a delete in %s",
		restart.Round(time.Millisecond), objectsBefore, metric(t, wh, "apiguard_inventory_objects"), added.Round(time.Millisecond), removed.Round(time.Millisecond))
}
