package fault

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"syscall"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/apiguard/apiguard/internal/kubetest"
)

// TestKilledReplicaFailsClosed (fault 1): two webhook processes serve one registration
// (failurePolicy Fail) behind a connection balancer, like two pods behind the Service.
// One is SIGKILLed while clients create real Ingresses, half of them violating.
//
// Expected: every request either reaches a live replica and is decided correctly, or
// fails closed (the API server could not get an answer and refused it). No violating
// Ingress is ever stored, and every stored one was mutated (both webhooks ran). The
// survivor keeps deciding after the kill.
func TestKilledReplicaFailsClosed(t *testing.T) {
	t.Parallel()
	// Both replicas serve the same certificate, as pods mounting one Secret do.
	ca, certDir := servingCerts(t)
	var replicas []*kubetest.Webhook
	for range 2 {
		replicas = append(replicas, startWebhook(t, kubetest.WebhookOptions{PolicyDir: libraryDir(), CertDir: certDir, Args: libraryArgs()}))
	}
	lb := newBalancer(t, replicas...)
	ns := guard(t, "sigkill", lb.URL(), ca.PEM())

	served := func(wh *kubetest.Webhook) float64 {
		v, _ := wh.MetricSum("apiguard_admission_requests_total{")
		return v
	}
	l := apiLoad(ns, 4, "before kill", false)
	eventually(t, 30*time.Second, func() error {
		if n := l.tally.count("before kill", ""); n < 20 {
			return fmt.Errorf("%d requests so far", n)
		}
		return nil
	})
	// The API server may hold a single HTTP/2 connection, pinned to one replica by the
	// balancer: kill the one that is serving, or the kill would test nothing.
	victim, survivor := replicas[0], replicas[1]
	if served(survivor) > served(victim) {
		victim, survivor = survivor, victim
	}
	victimServed, survivorBefore := served(victim), served(survivor)
	if err := victim.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	l.setPhase("after kill")
	killed := time.Now()
	eventually(t, 60*time.Second, func() error {
		// Long enough for the balancer to drop the dead endpoint and for the survivor to
		// carry real traffic.
		if n := l.tally.count("after kill", outAdmitted) + l.tally.count("after kill", outDenied); time.Since(killed) < 5*time.Second || n < 20 {
			return fmt.Errorf("%d requests decided since the kill", n)
		}
		return nil
	})
	counts := l.finish()
	_ = victim.Wait()

	t.Logf("victim had served %.0f requests; survivor %.0f before the kill, %.0f after; balancer refused %d connections for want of a ready replica; outcomes:%s",
		victimServed, survivorBefore, served(survivor), lb.noReady.Load(), counts)
	t.Logf("fail-closed: %d before, %d after the kill; admitted unchecked: %d",
		counts.count("before kill", outFailedClosed), counts.count("after kill", outFailedClosed), counts.count("", outUnchecked))
	if bad := counts.bad(outAdmitted, outDenied, outFailedClosed); len(bad) > 0 {
		t.Errorf("requests neither decided correctly nor failed closed: %q", bad)
	}
	if served(survivor) <= survivorBefore {
		t.Error("the surviving replica served nothing after the kill")
	}
	// What the cluster holds is the final word: nothing violating, nothing unmutated.
	stored, err := testEnv.cs.NetworkingV1().Ingresses(ns).List(context.Background(), metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, ing := range stored.Items {
		if len(ing.Spec.TLS) == 0 || ing.Annotations[redirectAnnotation] != "true" {
			t.Errorf("stored without a check: %s (tls %v, annotations %v)", ing.Name, ing.Spec.TLS, ing.Annotations)
		}
	}
	if len(stored.Items) != counts.count("", outAdmitted) {
		t.Errorf("%d Ingresses stored, %d creates admitted", len(stored.Items), counts.count("", outAdmitted))
	}
}

// TestSIGTERMDrainsInFlight (fault 2): SIGTERM while clients (HTTP/1.1 and HTTP/2,
// keep-alive) send reviews straight to the webhook, with --shutdown-delay 3s.
//
// Expected: during the delay the webhook reports not ready and still serves every
// request; the clients stop sending (as callers do once the endpoint is removed); the
// listener closes; requests that were in flight when it closed (their bodies still
// arriving) complete with a correct decision; no caller sees a reset or a closed
// connection; the process exits 0.
func TestSIGTERMDrainsInFlight(t *testing.T) {
	t.Parallel()
	const delay = 3 * time.Second
	wh := startWebhook(t, kubetest.WebhookOptions{PolicyDir: libraryDir(),
		Args: append(libraryArgs(), "--shutdown-delay", delay.String(), "--shutdown-timeout", "30s")})
	roots := caPool(wh.CABundle)
	h1 := reviewer{url: wh.URL, client: newClient(clientOptions{roots: roots, http1: true, keepAlive: true})}
	h2 := reviewer{url: wh.URL, client: newClient(clientOptions{roots: roots, keepAlive: true})}
	fast := directLoad(4, "before SIGTERM", h1, h2)

	// In-flight requests: headers sent, body held back until the listener has closed.
	release := make(chan struct{})
	type slowResult struct {
		secure bool
		res    reviewed
	}
	results := make(chan slowResult, 4)
	slow := func(http1 bool, i int) {
		r := reviewer{url: wh.URL, client: newClient(clientOptions{roots: roots, http1: http1})}
		secure := i%2 == 0
		body := kubetest.CreateReview(ingress("team-fault", fmt.Sprintf("inflight-%d", i), secure))
		pr, pw := io.Pipe()
		go func() {
			_, _ = pw.Write(body[:len(body)/2])
			<-release
			_, _ = pw.Write(body[len(body)/2:])
			pw.Close()
		}()
		results <- slowResult{secure, r.post(context.Background(), pr, int64(len(body)))}
	}
	time.Sleep(time.Second)
	go slow(true, 0)
	go slow(false, 1)
	time.Sleep(500 * time.Millisecond) // let their headers reach the server

	if err := wh.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	signalled := time.Now()
	fast.setPhase("shutdown delay")
	go slow(true, 2)
	go slow(false, 3)
	notReady := false
	for time.Since(signalled) < delay/2 {
		if resp, err := http.Get(wh.HealthURL + "/readyz"); err == nil {
			resp.Body.Close()
			notReady = notReady || resp.StatusCode == http.StatusServiceUnavailable
		}
		time.Sleep(100 * time.Millisecond)
	}
	counts := fast.finish()

	// The listener closes once the delay is over; only then are the held bodies sent.
	addr := strings.TrimPrefix(wh.URL, "https://")
	eventually(t, 30*time.Second, func() error {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			c.Close()
			return fmt.Errorf("listener still open %s after SIGTERM", time.Since(signalled).Round(time.Millisecond))
		}
		return nil
	})
	closedAfter := time.Since(signalled)
	close(release)
	completed := 0
	for range 4 {
		r := <-results
		if o := r.res.outcome(r.secure); o != outAdmitted && o != outDenied {
			t.Errorf("in-flight request (secure=%v) at listener close: %s (HTTP %d %v %.200s)", r.secure, o, r.res.Status, r.res.Err, r.res.Message)
			continue
		}
		completed++
	}
	exitErr := wh.Wait()

	t.Logf("listener closed %s after SIGTERM; in-flight requests completed: %d of 4; fast requests:%s",
		closedAfter.Round(time.Millisecond), completed, counts)
	if bad := counts.bad(outAdmitted, outDenied); len(bad) > 0 {
		t.Errorf("requests during the drain failed: %q", bad)
	}
	if counts.count("shutdown delay", "") == 0 {
		t.Error("no request was served during the shutdown delay")
	}
	if !notReady {
		t.Error("/readyz never reported not ready during the shutdown delay")
	}
	if exitErr != nil {
		t.Errorf("webhook exit after SIGTERM: %v", exitErr)
	}
}
