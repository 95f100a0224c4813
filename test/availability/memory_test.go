// Package availability holds tests that bad or heavy input cannot take the guardrail down
// (issue 14): the real webhook binary, a hostile load, and what the process and its
// callers see.
package availability

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/apiguard/apiguard/internal/kubetest"
	"github.com/apiguard/apiguard/internal/testenv"
)

// The chart's container memory limit (charts/apiguard/values.yaml resources.limits.memory),
// which it also hands the Go runtime as GOMEMLIMIT.
const chartMemoryLimit = 256 << 20

// bigIngress is an Ingress of about size bytes: hosts with twenty distinct paths each,
// every host covered by one spec.tls entry, as a tenant allowed to create Ingresses could
// write it.
func bigIngress(ns, name string, size int) []byte {
	perHost := len(ingressWithHosts(ns, name, 10)) / 10
	return ingressWithHosts(ns, name, size/perHost)
}

func ingressWithHosts(ns, name string, n int) []byte {
	rules := make([]any, 0, n)
	hosts := make([]any, 0, n)
	for h := range n {
		host := fmt.Sprintf("h%05d.apps.example.com", h)
		var paths []any
		for p := range 20 {
			paths = append(paths, map[string]any{
				"path": fmt.Sprintf("/api/v%d/team-%05d/resource", p, h), "pathType": "Prefix",
				"backend": map[string]any{"service": map[string]any{"name": fmt.Sprintf("svc-%05d", h), "port": map[string]any{"number": 8080}}},
			})
		}
		rules = append(rules, map[string]any{"host": host, "http": map[string]any{"paths": paths}})
		hosts = append(hosts, host)
	}
	obj := map[string]any{
		"apiVersion": "networking.k8s.io/v1", "kind": "Ingress",
		"metadata": map[string]any{"name": name, "namespace": ns, "labels": map[string]any{"app.kubernetes.io/owner": "team-big"}},
		"spec": map[string]any{
			"ingressClassName": "nginx",
			"rules":            rules,
			"tls":              []any{map[string]any{"hosts": hosts, "secretName": "big-tls"}},
		},
	}
	b, err := json.Marshal(obj)
	if err != nil {
		panic(err)
	}
	return b
}

func createReview(uid string, obj []byte) []byte {
	b, err := json.Marshal(map[string]any{
		"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview",
		"request": map[string]any{
			"uid":      uid,
			"kind":     map[string]any{"group": "networking.k8s.io", "version": "v1", "kind": "Ingress"},
			"resource": map[string]any{"group": "networking.k8s.io", "version": "v1", "resource": "ingresses"},
			"name":     "big", "namespace": "team-big", "operation": "CREATE",
			"userInfo":  map[string]any{"username": "tenant"},
			"object":    json.RawMessage(obj),
			"oldObject": nil,
		},
	})
	if err != nil {
		panic(err)
	}
	return b
}

// procStatusKiB reads one kB field of /proc/<pid>/status (VmHWM: the peak RSS).
func procStatusKiB(pid int, field string) (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	for line := range strings.SplitSeq(string(b), "\n") {
		if strings.HasPrefix(line, field+":") {
			return strconv.ParseInt(strings.Fields(line)[1], 10, 64)
		}
	}
	return 0, fmt.Errorf("no %s in /proc/%d/status", field, pid)
}

type answer struct {
	status  int
	allowed bool
	message string
	latency time.Duration
	err     error
}

// TestConcurrentLargeIngresses: eight tenants send a 3 MiB Ingress each at the same
// moment. The webhook, run as the chart runs it (GOMEMLIMIT at the 256 MiB container
// limit, default flags), must stay under that limit (peak RSS, VmHWM) and answer every
// request within 10 s with a decision or an explicit 5xx, so the API server's
// failurePolicy applies instead of a timeout or an OOM kill.
func TestConcurrentLargeIngresses(t *testing.T) {
	testenv.Integration(t, testenv.BuiltTools+" (builds and runs the webhook binary under load)")
	const (
		concurrent = 8
		bodySize   = 3 << 20
		deadline   = 10 * time.Second
	)
	ctx := context.Background()
	root, err := kubetest.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	bin, err := kubetest.Build(ctx, "./cmd/webhook", t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	policies := filepath.Join(root, "policies")
	if dir := os.Getenv("APIGUARD_AVAILABILITY_POLICY_DIR"); dir != "" {
		policies = dir // a snapshot, while the library is being edited
	}
	var logs bytes.Buffer
	wh, err := kubetest.StartWebhook(ctx, kubetest.WebhookOptions{
		Binary: bin, PolicyDir: policies,
		Args:   append([]string{"--inventory", "off", "--data-file", filepath.Join(root, "test", "examples-config.yaml")}, strings.Fields(os.Getenv("APIGUARD_AVAILABILITY_ARGS"))...),
		Env:    []string{fmt.Sprintf("GOMEMLIMIT=%dMiB", chartMemoryLimit>>20)},
		Output: &logs,
	})
	if err != nil {
		t.Fatal(err)
	}
	defer wh.Stop()
	idle, _ := procStatusKiB(wh.PID(), "VmRSS")

	roots := x509.NewCertPool()
	roots.AppendCertsFromPEM(wh.CABundle)
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: roots}, MaxConnsPerHost: concurrent}}

	obj := bigIngress("team-big", "big", bodySize-600)
	bodies := make([][]byte, concurrent)
	for i := range bodies {
		bodies[i] = createReview(fmt.Sprintf("big-%d", i), obj)
	}
	t.Logf("AdmissionReview body: %.2f MiB, idle RSS %d MiB", float64(len(bodies[0]))/(1<<20), idle>>10)

	answers := make([]answer, concurrent)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range concurrent {
		wg.Go(func() {
			<-start
			answers[i] = post(ctx, client, wh.URL+"/validate?timeout=5s", bodies[i], deadline+5*time.Second)
		})
	}
	close(start)
	wg.Wait()

	peak, err := procStatusKiB(wh.PID(), "VmHWM")
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("peak RSS (VmHWM) %d MiB, limit %d MiB", peak>>10, chartMemoryLimit>>20)
	for i, a := range answers {
		t.Logf("request %d: status %d allowed %v in %s: %.160s", i, a.status, a.allowed, a.latency.Round(time.Millisecond), a.message)
		switch {
		case a.err != nil:
			t.Errorf("request %d: no answer after %s: %v", i, a.latency, a.err)
		case a.latency > deadline:
			t.Errorf("request %d: answered after %s, want within %s", i, a.latency, deadline)
		case a.status != http.StatusOK && a.status < 500:
			t.Errorf("request %d: HTTP %d, want a decision (200) or an explicit 5xx", i, a.status)
		}
	}
	if peak<<10 >= chartMemoryLimit {
		t.Errorf("peak RSS %d MiB reached the chart's memory limit %d MiB: the pod would be OOM-killed", peak>>10, chartMemoryLimit>>20)
	}
	if t.Failed() {
		t.Logf("webhook log:\n%s", wh.Logs())
	}
}

func post(ctx context.Context, client *http.Client, url string, body []byte, timeout time.Duration) answer {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	begin := time.Now()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return answer{err: err}
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		return answer{err: err, latency: time.Since(begin)}
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	a := answer{status: resp.StatusCode, latency: time.Since(begin), err: err}
	if err != nil || resp.StatusCode != http.StatusOK {
		a.message = strings.TrimSpace(string(b))
		return a
	}
	var rev struct {
		Response *struct {
			Allowed bool `json:"allowed"`
			Status  *struct {
				Message string `json:"message"`
			} `json:"status"`
		} `json:"response"`
	}
	if err := json.Unmarshal(b, &rev); err != nil || rev.Response == nil {
		a.err = fmt.Errorf("not an AdmissionReview: %v: %.200s", err, b)
		return a
	}
	a.allowed = rev.Response.Allowed
	if rev.Response.Status != nil {
		a.message = rev.Response.Status.Message
	}
	return a
}
