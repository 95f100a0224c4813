package kubetest

import (
	"crypto"
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

// pki is the throwaway key material of one cluster. Everything lives only in the
// work dir: the CA is trusted by nothing but this cluster and its clients.
type pki struct {
	ca           *CA
	caCertPEM    []byte
	adminCertPEM []byte
	adminKeyPEM  []byte
	servingCert  string // file paths handed to kube-apiserver
	servingKey   string
	caCert       string
	saKey        string
}

// certValidity is long enough for any test or demo run but keeps the material
// obviously disposable.
const certValidity = 24 * time.Hour

// generatePKI writes a CA, the apiserver serving pair, the admin client pair and
// the service-account signing key into dir. ECDSA P-256 keeps generation fast,
// which matters because every Start creates fresh material.
func generatePKI(dir string) (*pki, error) {
	now := time.Now().Add(-time.Minute) // tolerate small clock differences
	ca, err := newCA("kubetest-ca", now)
	if err != nil {
		return nil, fmt.Errorf("CA certificate: %w", err)
	}
	caCert, caKey := ca.cert, ca.key

	servingKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	servingDER, _, err := signCert(&x509.Certificate{
		Subject:     pkix.Name{CommonName: "kube-apiserver"},
		NotBefore:   now,
		NotAfter:    now.Add(certValidity),
		KeyUsage:    x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		// The in-cluster names are included so that a client dialling the
		// "kubernetes" service name (e.g. via a rewritten kubeconfig) still verifies.
		DNSNames:    []string{"localhost", "kubernetes", "kubernetes.default", "kubernetes.default.svc", "kubernetes.default.svc.cluster.local"},
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback, net.IPv4(10, 0, 0, 1)},
	}, caCert, servingKey.Public(), caKey)
	if err != nil {
		return nil, fmt.Errorf("serving certificate: %w", err)
	}

	adminKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	// O=system:masters is what makes this client a cluster admin: the group is
	// hard-wired to full access in the RBAC authorizer, so no binding is needed.
	adminDER, _, err := signCert(&x509.Certificate{
		Subject:     pkix.Name{CommonName: "admin", Organization: []string{"system:masters"}},
		NotBefore:   now,
		NotAfter:    now.Add(certValidity),
		KeyUsage:    x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	}, caCert, adminKey.Public(), caKey)
	if err != nil {
		return nil, fmt.Errorf("admin certificate: %w", err)
	}

	saKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}

	p := &pki{
		ca:           ca,
		caCertPEM:    pemBlock("CERTIFICATE", caCert.Raw),
		adminCertPEM: pemBlock("CERTIFICATE", adminDER),
		servingCert:  filepath.Join(dir, "apiserver.crt"),
		servingKey:   filepath.Join(dir, "apiserver.key"),
		caCert:       filepath.Join(dir, "ca.crt"),
		saKey:        filepath.Join(dir, "sa.key"),
	}
	if p.adminKeyPEM, err = ecKeyPEM(adminKey); err != nil {
		return nil, err
	}
	servingKeyPEM, err := ecKeyPEM(servingKey)
	if err != nil {
		return nil, err
	}
	saKeyPEM, err := ecKeyPEM(saKey)
	if err != nil {
		return nil, err
	}
	files := map[string][]byte{
		p.caCert:      p.caCertPEM,
		p.servingCert: pemBlock("CERTIFICATE", servingDER),
		p.servingKey:  servingKeyPEM,
		p.saKey:       saKeyPEM,
	}
	for path, data := range files {
		if err := os.WriteFile(path, data, 0o600); err != nil {
			return nil, err
		}
	}
	return p, nil
}

func signCert(tmpl, parent *x509.Certificate, pub crypto.PublicKey, signer crypto.Signer) ([]byte, *x509.Certificate, error) {
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 62))
	if err != nil {
		return nil, nil, err
	}
	tmpl.SerialNumber = serial
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, pub, signer)
	if err != nil {
		return nil, nil, err
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, nil, err
	}
	return der, cert, nil
}

func ecKeyPEM(k *ecdsa.PrivateKey) ([]byte, error) {
	der, err := x509.MarshalECPrivateKey(k)
	if err != nil {
		return nil, err
	}
	return pemBlock("EC PRIVATE KEY", der), nil
}

func pemBlock(typ string, der []byte) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der})
}

// CA is a throwaway certificate authority for tests that manage a webhook's serving
// certificate themselves (--cert-dir): one trust anchor, many serving pairs, so a test can
// rotate the files under load while its clients keep trusting the same CA.
type CA struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
	pem  []byte
}

// NewCA creates a CA valid from an hour ago for a day.
func NewCA() (*CA, error) { return newCA("kubetest serving CA", time.Now().Add(-time.Hour)) }

func newCA(name string, notBefore time.Time) (*CA, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	tmpl := &x509.Certificate{
		Subject:               pkix.Name{CommonName: name},
		NotBefore:             notBefore,
		NotAfter:              notBefore.Add(certValidity),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature | x509.KeyUsageCRLSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, cert, err := signCert(tmpl, tmpl, key.Public(), key)
	if err != nil {
		return nil, err
	}
	return &CA{cert: cert, key: key, pem: pemBlock("CERTIFICATE", der)}, nil
}

// PEM is the CA certificate, for a caBundle or a client's RootCAs.
func (ca *CA) PEM() []byte { return ca.pem }

// Pool is a certificate pool trusting only this CA.
func (ca *CA) Pool() *x509.CertPool {
	p := x509.NewCertPool()
	p.AddCert(ca.cert)
	return p
}

// WriteServing issues a serving certificate for 127.0.0.1 valid from notBefore for a day
// and writes it to dir as tls.key and tls.crt, each replaced atomically and the key
// first, as a Secret volume update or cert-manager would leave them. It returns the
// certificate, so a test can tell which one a server presents.
func (ca *CA) WriteServing(dir string, notBefore time.Time) (*x509.Certificate, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	der, cert, err := signCert(&x509.Certificate{
		Subject:     pkix.Name{CommonName: "127.0.0.1"},
		NotBefore:   notBefore,
		NotAfter:    notBefore.Add(certValidity),
		KeyUsage:    x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)},
	}, ca.cert, key.Public(), ca.key)
	if err != nil {
		return nil, err
	}
	keyPEM, err := ecKeyPEM(key)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	if err := atomicfile.Write(filepath.Join(dir, "tls.key"), keyPEM, 0o600); err != nil {
		return nil, err
	}
	if err := atomicfile.Write(filepath.Join(dir, "tls.crt"), pemBlock("CERTIFICATE", der), 0o644); err != nil {
		return nil, err
	}
	return cert, nil
}

// clientPair issues a client certificate for user in groups, signed by the cluster's CA.
func (p *pki) clientPair(user string, groups []string) (certPEM, keyPEM []byte, err error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, err
	}
	now := time.Now().Add(-time.Minute)
	der, _, err := signCert(&x509.Certificate{
		Subject:     pkix.Name{CommonName: user, Organization: groups},
		NotBefore:   now,
		NotAfter:    now.Add(certValidity),
		KeyUsage:    x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	}, p.ca.cert, key.Public(), p.ca.key)
	if err != nil {
		return nil, nil, err
	}
	if keyPEM, err = ecKeyPEM(key); err != nil {
		return nil, nil, err
	}
	return pemBlock("CERTIFICATE", der), keyPEM, nil
}
