package fault

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	admissionv1 "k8s.io/api/admission/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/apiguard/apiguard/internal/kubetest"
	"github.com/apiguard/apiguard/internal/quantile"
)

// churnSlowLabel marks the Ingresses the slow policy spins on; the ones the churn creates
// never reach it (and no webhook is registered for them anyway).
const churnSlowLabel = "fault.apiguard.io/slow"

// churnPolicies: a policy that is slow (well under the eval deadline) on labelled
// Ingresses only, and a cheap ConfigMap policy that reads the inventory.
var churnPolicies = map[string]string{
	"slow.rego": `# METADATA
# custom:
#   kinds: [Ingress]
package fault.slow

deny contains "never" if {
	input.request.object.metadata.labels["` + churnSlowLabel + `"] == "true"
	count([x | some x in numbers.range(1, 300000); x < 0]) > 0
}
`,
	"quick.rego": `# METADATA
# custom:
#   kinds: [ConfigMap]
package fault.quick

deny contains "claimed" if data.apiguard.inventory.hosts[input.request.object.metadata.name]
`,
}

func configMapReview(ns, name string) []byte {
	raw, _ := json.Marshal(map[string]any{"apiVersion": "v1", "kind": "ConfigMap",
		"metadata": map[string]any{"name": name, "namespace": ns}, "data": map[string]any{"k": "v"}})
	b, _ := json.Marshal(admissionv1.AdmissionReview{
		TypeMeta: metav1.TypeMeta{APIVersion: "admission.k8s.io/v1", Kind: "AdmissionReview"},
		Request: &admissionv1.AdmissionRequest{
			UID:       "fault-configmap",
			Kind:      metav1.GroupVersionKind{Version: "v1", Kind: "ConfigMap"},
			Resource:  metav1.GroupVersionResource{Version: "v1", Resource: "configmaps"},
			Name:      name,
			Namespace: ns,
			Operation: admissionv1.Create,
			Object:    runtime.RawExtension{Raw: raw},
		},
	})
	return b
}

// TestInventoryChurnDoesNotStallOtherKinds (issue 18, section 3): a webhook with the
// inventory on, one slow policy on Ingress (its requests keep one evaluation in flight
// all the time), a steady stream of Ingress creates through the API server (each a new
// host in the inventory), and a steady stream of ConfigMap requests.
//
// Expected: the ConfigMap p99 under churn stays below 5x its p99 without churn + 50 ms
// (quiet and churn windows alternate, so load from elsewhere falls on both). Before,
// every inventory write was a store write transaction whose commit waited for the slow
// evaluation in flight, and every new evaluation queued behind it: ConfigMaps waited as
// long as the slow Ingress.
func TestInventoryChurnDoesNotStallOtherKinds(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	for name, src := range churnPolicies {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	wh := startWebhook(t, kubetest.WebhookOptions{PolicyDir: dir,
		Args: []string{"--kubeconfig", testEnv.cluster.Kubeconfig(), "--inventory", "on", "--eval-timeout", "10s"}})
	eventually(t, 60*time.Second, func() error { return ready(wh) })
	ns := newNamespace(t, "churn")
	r := reviewer{url: wh.URL, client: newClient(clientOptions{roots: caPool(wh.CABundle), keepAlive: true})}

	stop := make(chan struct{})
	var wg sync.WaitGroup
	var slowMu sync.Mutex
	var slowest time.Duration
	wg.Add(1)
	go func() {
		defer wg.Done()
		ing := kubetest.Ingress(ns, "slow", "slow.example.com", true)
		ing.Labels = map[string]string{churnSlowLabel: "true"}
		for {
			select {
			case <-stop:
				return
			default:
			}
			res := r.review(ctx, ing)
			if res.Err != nil || res.Status != 200 || !res.Allowed {
				t.Errorf("slow Ingress: status %d allowed %v err %v: %.200s", res.Status, res.Allowed, res.Err, res.Message)
				return
			}
			slowMu.Lock()
			slowest = max(slowest, res.Latency)
			slowMu.Unlock()
		}
	}()
	defer func() { close(stop); wg.Wait() }()

	body := configMapReview(ns, "free.example.com")
	const window, rounds = 2 * time.Second, 4
	measure := func(into []time.Duration) []time.Duration {
		for end := time.Now().Add(window); time.Now().Before(end); {
			res := r.post(ctx, bytes.NewReader(body), int64(len(body)))
			if res.Err != nil || res.Status != 200 || !res.Allowed {
				t.Fatalf("ConfigMap: status %d allowed %v err %v: %.200s", res.Status, res.Allowed, res.Err, res.Message)
			}
			into = append(into, res.Latency)
			time.Sleep(2 * time.Millisecond)
		}
		return into
	}
	creates := 0
	churn := func(stop <-chan struct{}, done chan<- struct{}) {
		defer close(done)
		for {
			select {
			case <-stop:
				return
			default:
			}
			name := fmt.Sprintf("churn-%d", creates)
			if c := create(ctx, kubetest.Ingress(ns, name, name+".example.com", true), false); c.err != nil {
				t.Errorf("create %s: %v", name, c.err)
				return
			}
			creates++
		}
	}

	objectsBefore := metric(t, wh, "apiguard_inventory_objects")
	var quiet, busy []time.Duration
	for range rounds {
		quiet = measure(quiet)
		stop, done := make(chan struct{}), make(chan struct{})
		go churn(stop, done)
		busy = measure(busy)
		close(stop)
		<-done
	}
	// The churn reached the inventory: wait for the last creates to be flushed.
	eventually(t, 30*time.Second, func() error {
		if got := metric(t, wh, "apiguard_inventory_objects"); got < objectsBefore+float64(creates) {
			return fmt.Errorf("inventory objects %v, want at least %v", got, objectsBefore+float64(creates))
		}
		return nil
	})

	slowMu.Lock()
	slow := slowest
	slowMu.Unlock()
	baseline, underChurn := quantile.P99(quiet), quantile.P99(busy)
	limit := 5*baseline + 50*time.Millisecond
	t.Logf("ConfigMap p99 at the webhook: %v quiet, %v under churn (limit %v; %d and %d requests); %d Ingress creates; slowest Ingress review %v",
		baseline, underChurn, limit, len(quiet), len(busy), creates, slow)
	if creates < 20 {
		t.Errorf("only %d Ingress creates in %v of churn", creates, rounds*window)
	}
	if underChurn > limit {
		t.Errorf("inventory churn stalls other kinds: ConfigMap p99 %v under churn, %v quiet (limit 5x + 50ms = %v)", underChurn, baseline, limit)
	}
}
