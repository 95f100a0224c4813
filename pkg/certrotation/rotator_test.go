package certrotation

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/go-logr/logr"
	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes/fake"
)

type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

func setup(t *testing.T) (*fake.Clientset, *clock, func(dir string) *Rotator) {
	t.Helper()
	cs := fake.NewClientset(
		&corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "apiguard-tls", Namespace: "sys"}},
		&admissionregistrationv1.ValidatingWebhookConfiguration{ObjectMeta: metav1.ObjectMeta{Name: "apiguard"},
			Webhooks: []admissionregistrationv1.ValidatingWebhook{{Name: "validate.apiguard.io"}}},
		&admissionregistrationv1.MutatingWebhookConfiguration{ObjectMeta: metav1.ObjectMeta{Name: "apiguard"},
			Webhooks: []admissionregistrationv1.MutatingWebhook{{Name: "mutate.apiguard.io"}}},
	)
	c := &clock{t: time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)}
	mk := func(dir string) *Rotator {
		r, err := New(Options{Client: cs, Namespace: "sys", SecretName: "apiguard-tls", ValidatingConfig: "apiguard", MutatingConfig: "apiguard",
			DNSNames: []string{"apiguard.sys.svc", "127.0.0.1"}, CertDir: dir, LeafValidity: 30 * time.Hour, CAValidity: 90 * time.Hour,
			RolloverGrace: time.Hour, Now: c.now, Log: logr.Discard()})
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	return cs, c, mk
}

func secretData(t *testing.T, cs *fake.Clientset) map[string][]byte {
	t.Helper()
	s, err := cs.CoreV1().Secrets("sys").Get(context.Background(), "apiguard-tls", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return s.Data
}

// verifies checks the served pair chains to the injected bundle at time now.
func verifies(t *testing.T, cs *fake.Clientset, dir string, now time.Time) *x509.Certificate {
	t.Helper()
	pair, err := tls.LoadX509KeyPair(filepath.Join(dir, "tls.crt"), filepath.Join(dir, "tls.key"))
	if err != nil {
		t.Fatal(err)
	}
	leaf, _ := x509.ParseCertificate(pair.Certificate[0])
	cfg, _ := cs.AdmissionregistrationV1().ValidatingWebhookConfigurations().Get(context.Background(), "apiguard", metav1.GetOptions{})
	mut, _ := cs.AdmissionregistrationV1().MutatingWebhookConfigurations().Get(context.Background(), "apiguard", metav1.GetOptions{})
	if string(cfg.Webhooks[0].ClientConfig.CABundle) != string(mut.Webhooks[0].ClientConfig.CABundle) {
		t.Fatal("validating and mutating bundles differ")
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(cfg.Webhooks[0].ClientConfig.CABundle) {
		t.Fatal("no caBundle injected")
	}
	if _, err := leaf.Verify(x509.VerifyOptions{Roots: pool, DNSName: "apiguard.sys.svc", CurrentTime: now}); err != nil {
		t.Fatalf("served certificate does not verify against the injected bundle at %s: %v", now, err)
	}
	return leaf
}

func TestLifecycle(t *testing.T) {
	cs, c, mk := setup(t)
	dir := t.TempDir()
	r := mk(dir)
	ctx := context.Background()
	if err := r.Reconcile(ctx); err != nil {
		t.Fatal(err)
	}
	first := verifies(t, cs, dir, c.t)
	// A short lifetime is renewed before it expires, whatever the backdating.
	if !dueForRenewal(first, first.NotAfter.Add(-time.Second)) || dueForRenewal(first, c.t) {
		t.Error("renewal point is not inside the certificate's lifetime")
	}
	if first.NotBefore.After(c.t.Add(-30 * time.Minute)) {
		t.Errorf("NotBefore %s is not backdated for clock skew", first.NotBefore)
	}
	// Idempotent: nothing is due, nothing changes.
	before := secretData(t, cs)
	if err := r.Reconcile(ctx); err != nil {
		t.Fatal(err)
	}
	if string(secretData(t, cs)[keyLeafCert]) != string(before[keyLeafCert]) {
		t.Fatal("a reconcile with nothing due changed the certificate")
	}

	// Leaf at 2/3 of its 30h life (20h after issue, not counting the backdating):
	// renewed, same CA.
	c.t = c.t.Add(19 * time.Hour)
	if err := r.Reconcile(ctx); err != nil {
		t.Fatal(err)
	}
	if cur := verifies(t, cs, dir, c.t); cur.SerialNumber.Cmp(first.SerialNumber) != 0 {
		t.Fatal("leaf renewed before 2/3 of its lifetime")
	}
	c.t = c.t.Add(time.Hour)
	if err := r.Reconcile(ctx); err != nil {
		t.Fatal(err)
	}
	second := verifies(t, cs, dir, c.t)
	if second.SerialNumber.Cmp(first.SerialNumber) == 0 {
		t.Fatal("leaf not renewed at 2/3 of its lifetime")
	}
	if len(parseBundle(secretData(t, cs)[keyBundle])) != 1 {
		t.Fatal("the bundle grew without a CA rollover")
	}

	// Run the loop hourly up to the CA's 2/3 point (60h after issue); at every step the
	// served certificate verifies.
	ca0 := parsePair(secretData(t, cs)[keySigningCert], secretData(t, cs)[keySigningKey])
	for !dueForRenewal(ca0.cert, c.t) {
		c.t = c.t.Add(time.Hour)
		if err := r.Reconcile(ctx); err != nil {
			t.Fatal(err)
		}
		verifies(t, cs, dir, c.t)
	}
	if n := len(parseBundle(secretData(t, cs)[keyBundle])); n != 2 {
		t.Fatalf("bundle during rollover has %d CAs, want old and new", n)
	}
	during := verifies(t, cs, dir, c.t)
	ca := parsePair(secretData(t, cs)[keySigningCert], secretData(t, cs)[keySigningKey])
	if signedBy(during, ca.cert) || !signedBy(during, ca0.cert) {
		t.Fatal("the serving certificate switched to the new CA before the grace period")
	}
	// A leaf falling due inside the grace window still comes from the old CA.
	c.t = c.t.Add(30 * time.Minute)
	if err := r.Reconcile(ctx); err != nil {
		t.Fatal(err)
	}
	if cur := verifies(t, cs, dir, c.t); signedBy(cur, ca.cert) {
		t.Fatal("switched during the grace window")
	}
	// After the grace period the serving certificate comes from the new CA.
	c.t = c.t.Add(31 * time.Minute)
	if err := r.Reconcile(ctx); err != nil {
		t.Fatal(err)
	}
	after := verifies(t, cs, dir, c.t)
	if !signedBy(after, ca.cert) {
		t.Fatal("the serving certificate did not switch to the new CA after the grace period")
	}
	if _, ok := secretData(t, cs)[keyPreviousKey]; ok {
		t.Error("the previous CA key outlived the switch")
	}
	// Once the old CA expires it leaves the bundle (hourly, as the loop runs).
	for end := ca0.cert.NotAfter.Add(time.Hour); c.t.Before(end); {
		c.t = c.t.Add(time.Hour)
		if err := r.Reconcile(ctx); err != nil {
			t.Fatal(err)
		}
		verifies(t, cs, dir, c.t)
	}
	if n := len(parseBundle(secretData(t, cs)[keyBundle])); n != 1 {
		t.Fatalf("expired CA still trusted: %d CAs", n)
	}
	verifies(t, cs, dir, c.t)
}

// TestReplicasAgree: two replicas reconcile the same Secret; they end with one CA and
// one serving certificate, served by both.
func TestReplicasAgree(t *testing.T) {
	cs, c, mk := setup(t)
	dirA, dirB := t.TempDir(), t.TempDir()
	a, b := mk(dirA), mk(dirB)
	ctx := context.Background()
	for range 3 {
		for _, r := range []*Rotator{a, b} {
			if err := r.Reconcile(ctx); err != nil && !errors.Is(err, errConflict) {
				t.Fatal(err)
			}
		}
	}
	ca, _ := os.ReadFile(filepath.Join(dirA, "tls.crt"))
	cb, _ := os.ReadFile(filepath.Join(dirB, "tls.crt"))
	if string(ca) != string(cb) {
		t.Fatal("replicas serve different certificates")
	}
	verifies(t, cs, dirB, c.t)
}

func TestOptionsValidation(t *testing.T) {
	cs := fake.NewClientset()
	if _, err := New(Options{Client: cs, Namespace: "n", SecretName: "s", CertDir: "/tmp/x"}); !errors.Is(err, errNoDNSNames) {
		t.Errorf("no DNS names: %v", err)
	}
	if _, err := New(Options{Client: cs, Namespace: "n", SecretName: "s", CertDir: "/tmp/x", DNSNames: []string{"a"}, LeafValidity: time.Hour, CAValidity: time.Hour}); err == nil {
		t.Error("a CA living no longer than its leaf was accepted")
	}
	r, _ := New(Options{Client: cs, Namespace: "n", SecretName: "missing", CertDir: t.TempDir(), DNSNames: []string{"a"}, Log: logr.Discard()})
	if err := r.Reconcile(context.Background()); err == nil {
		t.Error("a missing Secret did not fail the reconcile")
	}
}
