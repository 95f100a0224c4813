package e2e

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"path/filepath"
	"strings"
	"testing"

	"github.com/apiguard/apiguard/internal/kubetest"
	"github.com/apiguard/apiguard/internal/tlsprobe"
)

// TestWebhookBinaryTLSPolicy probes the built webhook's listener the way the server's
// unit test probes the library: the flags reach the TLS config. The default (TLS 1.3
// minimum) and --tls-min-version 1.2 are both checked, with the self-signed ECDSA
// certificate and with an RSA one from --cert-dir, each refused probe replayed against a
// permissive control server holding the same certificate.
func TestWebhookBinaryTLSPolicy(t *testing.T) {
	policies := filepath.Join(testEnv.root, "policies")
	cases := map[string]struct {
		key        tlsprobe.KeyType
		minVersion uint16
		args       []string
	}{
		"default minimum, ECDSA":       {key: tlsprobe.ECDSA, minVersion: tls.VersionTLS13},
		"--tls-min-version 1.2, ECDSA": {key: tlsprobe.ECDSA, minVersion: tls.VersionTLS12, args: []string{"--tls-min-version", "1.2"}},
		"--tls-min-version 1.2, RSA":   {key: tlsprobe.RSA, minVersion: tls.VersionTLS12, args: []string{"--tls-min-version", "1.2"}},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			certDir := t.TempDir()
			pair, roots, err := tlsprobe.WriteCert(certDir, tc.key)
			if err != nil {
				t.Fatal(err)
			}
			wh, err := kubetest.StartWebhook(context.Background(), kubetest.WebhookOptions{
				Binary: testEnv.webhookBin, PolicyDir: policies, CertDir: certDir,
				Args: append([]string{"--inventory", "off"}, tc.args...),
			})
			if err != nil {
				t.Fatal(err)
			}
			defer wh.Stop()
			control, stop, err := tlsprobe.Permissive(pair)
			if err != nil {
				t.Fatal(err)
			}
			defer stop()
			addr := strings.TrimPrefix(wh.URL, "https://")
			probes := tlsprobe.Cases(tc.minVersion, tc.key)
			if tc.minVersion == tls.VersionTLS12 && len(probes) < 10 {
				t.Fatalf("only %d probes: the suite enumeration is empty", len(probes))
			}
			for probe, c := range probes {
				if err := tlsprobe.Check(addr, control, roots, tc.minVersion, c); err != nil {
					t.Errorf("%s: %v", probe, err)
				}
			}
		})
	}
	t.Run("the main webhook's self-signed CA", func(t *testing.T) {
		roots := x509.NewCertPool()
		if !roots.AppendCertsFromPEM(testEnv.webhook.CABundle) {
			t.Fatal("no CA bundle")
		}
		addr := strings.TrimPrefix(testEnv.webhook.URL, "https://")
		for probe, c := range tlsprobe.Cases(tls.VersionTLS13, tlsprobe.ECDSA) {
			if err := tlsprobe.Check(addr, "", roots, tls.VersionTLS13, c); err != nil {
				t.Errorf("%s: %v", probe, err)
			}
		}
	})
}
