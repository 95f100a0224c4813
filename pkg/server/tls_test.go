package server

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"net/http"
	"testing"

	"github.com/go-logr/logr"

	"github.com/apiguard/apiguard/internal/tlsprobe"
)

// serveTLS runs the webhook listener with a certificate of the given key type and returns
// its address, the roots trusting it, and the pair (for the control server).
func serveTLS(t *testing.T, minVersion uint16, key tlsprobe.KeyType) (string, *x509.CertPool, tls.Certificate) {
	t.Helper()
	dir := t.TempDir()
	cert, roots, err := tlsprobe.WriteCert(dir, key)
	if err != nil {
		t.Fatal(err)
	}
	srv, err := New(Options{
		WebhookAddr: "127.0.0.1:0", CertDir: dir, TLSMinVersion: minVersion, Log: logr.Discard(),
		Routes: map[string]http.Handler{"/validate": http.NotFoundHandler()},
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	waitListening(t, srv.WebhookAddr().String())
	return srv.WebhookAddr().String(), roots, cert
}

// TestTLSPolicy offers the real server one version, or at TLS 1.2 one cipher suite, per
// handshake: TLS 1.0 and 1.1 are always refused, TLS 1.2 is refused under the default
// 1.3 minimum, and with a 1.2 minimum every suite but ECDHE+AEAD is refused. Both key
// types are covered, because a suite the certificate cannot sign fails for that reason
// alone. Every refused probe is replayed against a server that allows everything, so a
// client that cannot speak the offer at all does not pass for a refusal.
func TestTLSPolicy(t *testing.T) {
	mins := map[string]uint16{"default minimum": 0, "minimum 1.2": tls.VersionTLS12}
	for _, key := range []tlsprobe.KeyType{tlsprobe.ECDSA, tlsprobe.RSA} {
		for minName, minVersion := range mins {
			t.Run(string(key)+"/"+minName, func(t *testing.T) {
				addr, roots, cert := serveTLS(t, minVersion, key)
				control, stop, err := tlsprobe.Permissive(cert)
				if err != nil {
					t.Fatal(err)
				}
				defer stop()
				effective := minVersion
				if effective == 0 {
					effective = tls.VersionTLS13
				}
				for name, c := range tlsprobe.Cases(effective, key) {
					t.Run(name, func(t *testing.T) {
						if err := tlsprobe.Check(addr, control, roots, effective, c); err != nil {
							t.Fatal(err)
						}
					})
				}
			})
		}
	}
}

// TestWeakSuitesAreEnumerated guards the probe list itself: if a Go release stopped
// listing a family, TestTLSPolicy would silently test less.
func TestWeakSuitesAreEnumerated(t *testing.T) {
	weak := map[string]bool{}
	for _, s := range tlsprobe.WeakSuites() {
		weak[s.Name] = true
	}
	for _, s := range tls.InsecureCipherSuites() {
		if !weak[s.Name] {
			t.Errorf("insecure suite %s is not probed", s.Name)
		}
	}
	for _, name := range []string{
		"TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA", "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA", // CBC, listed as secure by Go
		"TLS_RSA_WITH_AES_128_GCM_SHA256", // AEAD without forward secrecy
		"TLS_RSA_WITH_3DES_EDE_CBC_SHA",   // Sweet32
		"TLS_ECDHE_RSA_WITH_RC4_128_SHA",  // RC4
	} {
		if !weak[name] {
			t.Errorf("%s is not probed", name)
		}
	}
	for _, id := range tlsConfig(tls.VersionTLS12, nil).CipherSuites {
		if weak[tls.CipherSuiteName(id)] {
			t.Errorf("the server offers weak suite %s", tls.CipherSuiteName(id))
		}
	}
}
