package e2e

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/apiguard/apiguard/internal/gittest"
	"github.com/apiguard/apiguard/internal/kubetest"
)

// gitWebhook is a webhook following a policy repository on a real Git server, registered
// for namespaces labelled with guard.
type gitWebhook struct {
	wh   *kubetest.Webhook
	repo *gittest.Repo
	srv  *gittest.Server
}

func startGitWebhook(t *testing.T, guard string, extraArgs ...string) *gitWebhook {
	t.Helper()
	srv := gittest.NewServer(t, gittest.ServerOptions{})
	repo := srv.NewRepo(t, "policies")
	repo.WriteTree(filepath.Join(testEnv.root, "policies"), "policies")
	repo.Commit("bundled library")
	repo.Push()
	args := append([]string{"--git-url", repo.URL(), "--git-path", "policies", "--git-interval", "300ms", "--git-cache-dir", t.TempDir()}, extraArgs...)
	wh, err := kubetest.StartWebhook(context.Background(), kubetest.WebhookOptions{Binary: testEnv.webhookBin, Args: args})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = wh.Stop() })
	unregister, err := kubetest.Register(context.Background(), testEnv.cs, kubetest.Registration{
		Name: "apiguard-" + guard, URL: wh.URL, CABundle: wh.CABundle, FailurePolicy: admissionregistrationv1.Fail,
		ValidateRules:     kubetest.ExposureRules(admissionregistrationv1.Create, admissionregistrationv1.Update, admissionregistrationv1.Delete),
		MutateRules:       kubetest.ExposureRules(admissionregistrationv1.Create, admissionregistrationv1.Update),
		NamespaceSelector: &metav1.LabelSelector{MatchLabels: map[string]string{mainLabel: guard}},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = unregister(context.Background()) })
	return &gitWebhook{wh: wh, repo: repo, srv: srv}
}

type webhookStatus struct {
	Revision      string `json:"revision"`
	ShortRevision string `json:"shortRevision"`
	Stale         bool   `json:"stale"`
	LastError     *struct {
		Result, Revision, Error string
	} `json:"lastError"`
}

func (g *gitWebhook) status(t *testing.T) webhookStatus {
	t.Helper()
	resp, err := http.Get(g.wh.HealthURL + "/status")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var st webhookStatus
	if err := json.NewDecoder(resp.Body).Decode(&st); err != nil {
		t.Fatal(err)
	}
	return st
}

// waitActive waits until the webhook reports revision as active and returns how long it took.
func (g *gitWebhook) waitActive(t *testing.T, revision string) time.Duration {
	t.Helper()
	start := time.Now()
	eventually(t, 20*time.Second, func() error {
		if st := g.status(t); st.Revision != revision {
			return fmt.Errorf("active %s, want %s (last error %+v)", st.Revision, revision, st.LastError)
		}
		return nil
	})
	return time.Since(start)
}

// TestPoliciesFromGit: a commit changes what the API server admits without restarting
// the webhook, a revert restores it, and 20 reloads under load decide every request right.
func TestPoliciesFromGit(t *testing.T) {
	ctx := context.Background()
	g := startGitWebhook(t, "git")
	ns := namespace(t, "git")
	waitGuarded(t, ns)
	ingresses := testEnv.cs.NetworkingV1().Ingresses(ns)
	dry := metav1.CreateOptions{DryRun: []string{metav1.DryRunAll}}
	insecure := func() error {
		_, err := ingresses.Create(ctx, ingress(ns, "no-tls", []string{"x.example.com"}, nil), dry)
		return err
	}
	if err := insecure(); err == nil || !strings.Contains(err.Error(), "[ingress.require_tls]") {
		t.Fatalf("initial: err = %v", err)
	}
	head := g.repo.Head()
	if err := insecure(); err == nil || !strings.Contains(err.Error(), "(policy revision "+head[:7]+")") {
		t.Errorf("denial does not name the commit %s: %v", head[:7], err)
	}

	// Turn the policy off in Git: the cluster admits, with no restart.
	g.repo.Write("policies/data.yaml", "apiguard:\n  config:\n    enforcement:\n      ingress.require_tls: \"off\"\n")
	off := g.repo.Commit("turn off require_tls")
	pushed := time.Now()
	g.repo.Push()
	eventually(t, 20*time.Second, func() error {
		if err := insecure(); err != nil {
			return err
		}
		return nil
	})
	t.Logf("commit to enforcement (interval 300ms): %s", time.Since(pushed).Round(time.Millisecond))
	if st := g.status(t); st.Revision != off {
		t.Errorf("status revision %s, want %s", st.Revision, off)
	}

	// Revert: the old behaviour is back.
	reverted := g.repo.Revert(off)
	pushed = time.Now()
	g.repo.Push()
	eventually(t, 20*time.Second, func() error {
		if err := insecure(); err == nil {
			return fmt.Errorf("still admitted")
		}
		return nil
	})
	t.Logf("revert to enforcement: %s", time.Since(pushed).Round(time.Millisecond))
	g.waitActive(t, reverted)

	// A broken commit is refused: decisions do not change and /status says why.
	g.repo.Write("policies/ingress/require_tls.rego", "package ingress.require_tls\n\ndeny contains msg if {\n")
	broken := g.repo.Commit("broken")
	g.repo.Push()
	eventually(t, 20*time.Second, func() error {
		st := g.status(t)
		if st.LastError == nil || st.LastError.Revision != broken || st.LastError.Result != "compile_failed" {
			return fmt.Errorf("status: %+v", st)
		}
		return nil
	})
	if st := g.status(t); st.Revision != reverted || !strings.Contains(st.LastError.Error, "require_tls.rego:") {
		t.Errorf("status after a broken commit: %+v", st)
	}
	if err := insecure(); err == nil {
		t.Error("a broken commit changed decisions")
	}
	g.repo.Revert(broken)
	g.repo.Push()
	g.waitActive(t, g.repo.Head())

	t.Run("20 reloads under load", func(t *testing.T) {
		var requests, failed, wrong atomic.Int64
		var mu sync.Mutex
		var samples []string
		note := func(s string) {
			mu.Lock()
			defer mu.Unlock()
			if len(samples) < 5 {
				samples = append(samples, s)
			}
		}
		stop := make(chan struct{})
		var wg sync.WaitGroup
		for w := range 2 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := 0; ; i++ {
					select {
					case <-stop:
						return
					default:
					}
					secure := (i+w)%2 == 0
					name := fmt.Sprintf("load-%d-%d", w, i)
					var tls []string
					if secure {
						tls = []string{name + ".example.com"}
					}
					_, err := ingresses.Create(ctx, ingress(ns, name, []string{name + ".example.com"}, tls), dry)
					requests.Add(1)
					switch {
					case err != nil && !strings.Contains(err.Error(), "denied the request"):
						failed.Add(1)
						note("failed: " + err.Error())
					case secure && err != nil:
						wrong.Add(1)
						note("secure denied: " + err.Error())
					case !secure && err == nil:
						wrong.Add(1)
						note("insecure admitted: " + name)
					}
				}
			}()
		}
		var slowest time.Duration
		for i := range 20 {
			g.repo.Write("policies/reload.json", fmt.Sprintf(`{"apiguard": {"reload": %d}}`, i))
			sha := g.repo.Commit(fmt.Sprintf("reload %d", i))
			g.repo.Push()
			if d := g.waitActive(t, sha); d > slowest {
				slowest = d
			}
		}
		close(stop)
		wg.Wait()
		t.Logf("20 reloads: %d requests, %d failed, %d wrongly decided; slowest push-to-active %s", requests.Load(), failed.Load(), wrong.Load(), slowest.Round(time.Millisecond))
		if failed.Load() != 0 || wrong.Load() != 0 {
			t.Errorf("%d failed and %d wrongly decided requests during reloads: %q", failed.Load(), wrong.Load(), samples)
		}
		if requests.Load() < 40 {
			t.Errorf("only %d requests ran during the reloads", requests.Load())
		}
	})
}

// TestGitColdStart: with Git unreachable and nothing cached the webhook is not ready and
// never admits by default; with a cache it serves the cached revision, marked stale.
func TestGitColdStart(t *testing.T) {
	srv := gittest.NewServer(t, gittest.ServerOptions{})
	repo := srv.NewRepo(t, "policies")
	repo.WriteTree(filepath.Join(testEnv.root, "policies"), "policies")
	repo.Commit("bundled library")
	repo.Push()
	cache := t.TempDir()
	args := []string{"--git-url", repo.URL(), "--git-path", "policies", "--git-interval", "300ms", "--git-cache-dir", cache}

	// Fill the cache, then stop.
	wh, err := kubetest.StartWebhook(context.Background(), kubetest.WebhookOptions{Binary: testEnv.webhookBin, Args: args})
	if err != nil {
		t.Fatal(err)
	}
	_ = wh.Stop()
	srv.Stop()

	t.Run("no Git, no cache: not ready, requests undecided", func(t *testing.T) {
		noCache := []string{"--git-url", repo.URL(), "--git-interval", "300ms"}
		wh, err := kubetest.StartWebhook(context.Background(), kubetest.WebhookOptions{Binary: testEnv.webhookBin, Args: noCache, AllowNotReady: true})
		if err != nil {
			t.Fatal(err)
		}
		defer wh.Stop()
		time.Sleep(time.Second)
		resp, err := http.Get(wh.HealthURL + "/readyz")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusServiceUnavailable {
			t.Errorf("/readyz = %d without any policy", resp.StatusCode)
		}
		if v, err := wh.Metric(`apiguard_policy_sync_total{result="fetch_failed"}`); err != nil || v < 1 {
			t.Errorf("fetch failures not counted: %v %v", v, err)
		}
		// An admission request is undecided (503), never allowed by default.
		pool := x509.NewCertPool()
		pool.AppendCertsFromPEM(wh.CABundle)
		client := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
		body := `{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"u1","kind":{"group":"networking.k8s.io","version":"v1","kind":"Ingress"},"operation":"CREATE","namespace":"team","object":{"apiVersion":"networking.k8s.io/v1","kind":"Ingress","metadata":{"name":"x"}}}}`
		resp, err = client.Post(wh.URL+"/validate", "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusServiceUnavailable {
			t.Errorf("/validate with no policy answered HTTP %d, want 503", resp.StatusCode)
		}
	})
	t.Run("no Git, cache: ready and stale", func(t *testing.T) {
		wh, err := kubetest.StartWebhook(context.Background(), kubetest.WebhookOptions{Binary: testEnv.webhookBin, Args: args, ReadyTimeout: 10 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		defer wh.Stop()
		g := &gitWebhook{wh: wh}
		st := g.status(t)
		if st.Revision != repo.Head() || !st.Stale {
			t.Errorf("status = %+v", st)
		}
	})
}

// TestGitSignedCommitsOnly: with --git-verify-keys, the webhook refuses an unsigned HEAD
// (not ready, reason in /status) and activates once a trusted signed commit lands.
func TestGitSignedCommitsOnly(t *testing.T) {
	srv := gittest.NewServer(t, gittest.ServerOptions{})
	repo := srv.NewRepo(t, "signed")
	key, pub := gittest.SSHKey(t)
	signers := gittest.AllowedSigners(t, "platform@example.com", pub)
	repo.WriteTree(filepath.Join(testEnv.root, "policies"), "policies")
	unsigned := repo.Commit("unsigned")
	repo.Push()
	wh, err := kubetest.StartWebhook(context.Background(), kubetest.WebhookOptions{Binary: testEnv.webhookBin, AllowNotReady: true,
		Args: []string{"--git-url", repo.URL(), "--git-path", "policies", "--git-interval", "300ms", "--git-verify-keys", signers}})
	if err != nil {
		t.Fatal(err)
	}
	defer wh.Stop()
	g := &gitWebhook{wh: wh}
	eventually(t, 20*time.Second, func() error {
		st := g.status(t)
		if st.LastError == nil || st.LastError.Result != "rejected_signature" || st.LastError.Revision != unsigned {
			return fmt.Errorf("status: %+v", st)
		}
		return nil
	})
	if resp, err := http.Get(wh.HealthURL + "/readyz"); err != nil || resp.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("ready with only an unsigned commit: %v %v", resp, err)
	}
	repo.Write("policies/signed.txt", "signed release\n")
	signed := repo.CommitSSHSigned("signed", key)
	repo.Push()
	g.waitActive(t, signed)
	if resp, err := http.Get(wh.HealthURL + "/readyz"); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("not ready after a signed commit: %v %v", resp, err)
	}
}
