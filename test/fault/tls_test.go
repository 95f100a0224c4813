package fault

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/apiguard/apiguard/internal/kubetest"
)

// TestCertRotationUnderLoad (fault 6): tls.crt and tls.key in --cert-dir are replaced
// five times (atomically, key first, as a kubelet updates a Secret volume) while clients
// send reviews, most of them on a fresh connection each, so every request is a handshake.
//
// Expected: zero TLS handshake failures and zero failed requests; the newest certificate
// is served without a restart. (The self-managed mode, where the webhook itself renews
// the leaf and rolls the CA over with both CAs trusted meanwhile, is covered through the
// API server by test/e2e TestSelfManagedTLSRotation.)
func TestCertRotationUnderLoad(t *testing.T) {
	t.Parallel()
	ca, certDir := servingCerts(t)
	wh := startWebhook(t, kubetest.WebhookOptions{PolicyDir: libraryDir(), CertDir: certDir, Args: libraryArgs()})
	roots := ca.Pool()
	clients := []reviewer{
		{url: wh.URL, client: newClient(clientOptions{roots: roots, http1: true})},
		{url: wh.URL, client: newClient(clientOptions{roots: roots})},
		{url: wh.URL, client: newClient(clientOptions{roots: roots, http1: true})},
		{url: wh.URL, client: newClient(clientOptions{roots: roots, keepAlive: true})},
	}
	var mu sync.Mutex
	served := map[string]int{} // serial -> requests on fresh connections that saw it
	var lastSerial string
	l := runLoad(len(clients), "before rotation", func(w, i int) (string, string) {
		secure := (w+i)%2 == 0
		res := clients[w].review(context.Background(), ingress("team-fault", fmt.Sprintf("tls-%d-%d", w, i), secure))
		if res.Response != nil && res.Response.TLS != nil && w != 3 {
			serial := res.Response.TLS.PeerCertificates[0].SerialNumber.String()
			mu.Lock()
			served[serial]++
			lastSerial = serial
			mu.Unlock()
		}
		return res.outcome(secure), fmt.Sprintf("HTTP %d %v %.200s", res.Status, res.Err, res.Message)
	})
	time.Sleep(time.Second)
	l.setPhase("rotating")
	var newest *x509.Certificate
	var err error
	for range 5 {
		if newest, err = ca.WriteServing(certDir, time.Now().Add(-time.Hour)); err != nil {
			t.Fatal(err)
		}
		time.Sleep(700 * time.Millisecond)
	}
	l.setPhase("after rotation")
	// The watcher reacts to file events, and polls every 10s as a fallback.
	eventually(t, 30*time.Second, func() error {
		mu.Lock()
		defer mu.Unlock()
		if lastSerial != newest.SerialNumber.String() {
			return errors.New("the newest certificate is not served yet")
		}
		return nil
	})
	time.Sleep(time.Second)
	counts := l.finish()
	handshakes := 0
	for _, n := range served {
		handshakes += n
	}
	t.Logf("%d full handshakes saw %d distinct serving certificates (6 written); requests:%s", handshakes, len(served), counts)
	if bad := counts.bad(outAdmitted, outDenied); len(bad) > 0 {
		t.Errorf("requests failed during certificate rotation: %q", bad)
	}
	if counts.count("rotating", "") == 0 {
		t.Error("no request ran while the certificate was being rotated")
	}
}

// servingCerts writes a serving pair issued by a fresh CA into a new directory, for
// --cert-dir, and returns the CA (to trust, and to issue replacements) and the directory.
func servingCerts(t *testing.T) (*kubetest.CA, string) {
	t.Helper()
	dir := t.TempDir()
	ca, err := kubetest.NewCA()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ca.WriteServing(dir, time.Now().Add(-time.Hour)); err != nil {
		t.Fatal(err)
	}
	return ca, dir
}

// TestClockSkewTolerated (fault 8): a client whose clock runs a few minutes behind the
// webhook's sees a certificate the webhook has just issued; without backdating its
// NotBefore would lie in the client's future and the handshake would fail. Both issuers
// in the webhook backdate NotBefore by an hour: --self-signed-cert (pkg/server) and the
// self-managed rotation (pkg/certrotation).
//
// Expected: reviews from a client 5 minutes behind all succeed. As a control, a client
// 2 hours behind (beyond the backdating) fails the handshake with a validity error,
// proving the client's clock is what is being tested.
func TestClockSkewTolerated(t *testing.T) {
	t.Parallel()
	check := func(t *testing.T, wh *kubetest.Webhook, roots *x509.CertPool) {
		t.Helper()
		behind := func(d time.Duration) func() time.Time { return func() time.Time { return time.Now().Add(-d) } }
		skewed := reviewer{url: wh.URL, client: newClient(clientOptions{roots: roots, now: behind(5 * time.Minute)})}
		counts := newTally()
		for i := range 20 {
			secure := i%2 == 0
			res := skewed.review(context.Background(), ingress("team-fault", fmt.Sprintf("skew-%d", i), secure))
			counts.add("client 5m behind", res.outcome(secure), fmt.Sprint(res.Err))
		}
		control := reviewer{url: wh.URL, client: newClient(clientOptions{roots: roots, now: behind(2 * time.Hour)})}
		res := control.review(context.Background(), ingress("team-fault", "skew-control", true))
		var invalid x509.CertificateInvalidError
		t.Logf("fresh handshakes:%s\n  control, client 2h behind: %v", counts, res.Err)
		if bad := counts.bad(outAdmitted, outDenied); len(bad) > 0 {
			t.Errorf("a client 5 minutes behind was refused: %q", bad)
		}
		if !errors.As(res.Err, &invalid) || invalid.Reason != x509.Expired {
			t.Errorf("control: a client 2h behind got %v, want a certificate validity error", res.Err)
		}
	}
	t.Run("self-signed", func(t *testing.T) {
		wh := startWebhook(t, kubetest.WebhookOptions{PolicyDir: libraryDir(), Args: libraryArgs()})
		check(t, wh, caPool(wh.CABundle))
	})
	t.Run("self-managed", func(t *testing.T) {
		ctx := context.Background()
		ns := newNamespace(t, "skew")
		const secret = "apiguard-tls"
		if _, err := testEnv.cs.CoreV1().Secrets(ns).Create(ctx, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: secret}}, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		port, err := kubetest.FreePort()
		if err != nil {
			t.Fatal(err)
		}
		wh := startWebhook(t, kubetest.WebhookOptions{PolicyDir: libraryDir(), Port: port, SelfManagedTLS: true,
			Args: append(libraryArgs(), "--kubeconfig", testEnv.cluster.Kubeconfig(), "--inventory", "off", "--namespace", ns,
				"--tls-self-managed-secret", secret, "--tls-dns-names", "127.0.0.1")})
		s, err := testEnv.cs.CoreV1().Secrets(ns).Get(ctx, secret, metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		check(t, wh, caPool(s.Data["ca.crt"]))
	})
}
