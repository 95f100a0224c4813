package server

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"time"

	"github.com/apiguard/apiguard/internal/atomicfile"
)

// Certificate file names inside --cert-dir, as cert-manager and kubernetes.io/tls
// Secrets lay them out.
const (
	CertFile = "tls.crt"
	KeyFile  = "tls.key"
)

// SelfSignedOptions describe a development certificate.
type SelfSignedOptions struct {
	// Hosts are DNS names and IP addresses the serving certificate is valid for.
	Hosts []string
	// Validity of the serving certificate; the CA lives twice as long.
	Validity time.Duration
	// Now is the issuing time (tests pin it); zero means time.Now.
	Now time.Time
}

// clockSkewAllowance backdates NotBefore so a client whose clock runs slightly behind
// ours does not reject a certificate we just issued.
const clockSkewAllowance = time.Hour

// WriteSelfSigned creates a CA and a serving certificate signed by it, writes the serving
// pair to certDir (tls.crt, tls.key, 0600 for the key) and returns the CA bundle in PEM to
// register as the webhook's caBundle. It is meant for local runs and tests; production
// uses cert-manager or the chart's certificate management.
func WriteSelfSigned(certDir string, opts SelfSignedOptions) ([]byte, error) {
	now := opts.Now
	if now.IsZero() {
		now = time.Now()
	}
	if opts.Validity <= 0 {
		opts.Validity = 365 * 24 * time.Hour
	}
	if len(opts.Hosts) == 0 {
		opts.Hosts = []string{"127.0.0.1", "localhost"}
	}
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("generate CA key: %w", err)
	}
	caTmpl := &x509.Certificate{
		SerialNumber:          randomSerial(),
		Subject:               pkix.Name{CommonName: "apiguard self-signed CA"},
		NotBefore:             now.Add(-clockSkewAllowance),
		NotAfter:              now.Add(2 * opts.Validity),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
		MaxPathLenZero:        true,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		return nil, fmt.Errorf("create CA certificate: %w", err)
	}
	caCert, err := x509.ParseCertificate(caDER)
	if err != nil {
		return nil, fmt.Errorf("parse CA certificate: %w", err)
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("generate serving key: %w", err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: randomSerial(),
		Subject:      pkix.Name{CommonName: opts.Hosts[0]},
		NotBefore:    now.Add(-clockSkewAllowance),
		NotAfter:     now.Add(opts.Validity),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	for _, h := range opts.Hosts {
		if ip := net.ParseIP(h); ip != nil {
			tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
		} else {
			tmpl.DNSNames = append(tmpl.DNSNames, h)
		}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, caCert, &key.PublicKey, caKey)
	if err != nil {
		return nil, fmt.Errorf("create serving certificate: %w", err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, fmt.Errorf("encode serving key: %w", err)
	}
	if err := os.MkdirAll(certDir, 0o700); err != nil {
		return nil, fmt.Errorf("create cert dir: %w", err)
	}
	// Write the key before the certificate: the watcher reloads on the certificate, and
	// must never pair a new certificate with an old key.
	if err := atomicfile.Write(filepath.Join(certDir, KeyFile), pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}), 0o600); err != nil {
		return nil, err
	}
	if err := atomicfile.Write(filepath.Join(certDir, CertFile), pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644); err != nil {
		return nil, err
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER}), nil
}

func randomSerial() *big.Int {
	n, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		// crypto/rand does not fail on Linux; a fixed serial would still be valid.
		return big.NewInt(time.Now().UnixNano())
	}
	return n
}
