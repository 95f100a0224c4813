// Package tlsprobe offers a TLS server one protocol version or one cipher suite per
// handshake, as a scanner would, with crypto/tls clients. It is shared by the server's
// unit tests and the e2e tests of the webhook binary, so both hold the same policy.
package tlsprobe

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net"
	"strings"
	"time"
)

// KeyType is the serving certificate's key algorithm. It decides which TLS 1.2 suites a
// server can negotiate at all: ECDHE_ECDSA suites need an ECDSA key, the RSA and
// ECDHE_RSA ones an RSA key. A probe is only meaningful with a matching certificate,
// otherwise it fails for the wrong reason.
type KeyType string

// Key types.
const (
	ECDSA KeyType = "ecdsa"
	RSA   KeyType = "rsa"
)

// Case is one handshake to attempt.
type Case struct {
	// Client is the whole offer: versions and, for suite probes, exactly one suite.
	// Handshake adds the trust roots.
	Client *tls.Config
	// Accept says whether a server holding apiguard's policy must complete it.
	Accept bool
}

// Cases are the probes for a server with minimum version minVersion and a certificate
// with the given key: TLS 1.0 and 1.1 are always refused, TLS 1.2 only above a 1.3
// minimum; with TLS 1.2 allowed, each TLS 1.2 suite Go implements is offered alone and
// only ECDHE with an AEAD may succeed. Keys are the subtest names.
func Cases(minVersion uint16, key KeyType) map[string]Case {
	only := func(v uint16) *tls.Config { return &tls.Config{MinVersion: v, MaxVersion: v} }
	cases := map[string]Case{
		"TLS 1.0": {Client: only(tls.VersionTLS10)},
		"TLS 1.1": {Client: only(tls.VersionTLS11)},
		"TLS 1.2": {Client: only(tls.VersionTLS12), Accept: minVersion <= tls.VersionTLS12},
		"TLS 1.3": {Client: only(tls.VersionTLS13), Accept: true},
	}
	if minVersion > tls.VersionTLS12 {
		return cases
	}
	for _, s := range tls12Suites() {
		if !signs(key, s.Name) {
			continue
		}
		c := only(tls.VersionTLS12)
		c.CipherSuites = []uint16{s.ID}
		cases["TLS 1.2 "+s.Name] = Case{Client: c, Accept: Strong(s)}
	}
	return cases
}

// Strong reports whether a TLS 1.2 suite is forward secret (ECDHE) and authenticated
// encryption (GCM or ChaCha20-Poly1305): no CBC (Lucky13, padding oracles), no RC4, no
// 3DES (Sweet32), no static RSA key exchange (no forward secrecy, ROBOT).
func Strong(s *tls.CipherSuite) bool {
	aead := strings.Contains(s.Name, "_GCM_") || strings.Contains(s.Name, "_CHACHA20_POLY1305")
	return strings.HasPrefix(s.Name, "TLS_ECDHE_") && aead
}

// WeakSuites are the TLS 1.2 suites that are not Strong: every one of
// tls.InsecureCipherSuites and the CBC ones Go still lists as secure.
func WeakSuites() []*tls.CipherSuite {
	var weak []*tls.CipherSuite
	for _, s := range tls12Suites() {
		if !Strong(s) {
			weak = append(weak, s)
		}
	}
	return weak
}

// tls12Suites are the suites Go implements for TLS 1.2. TLS 1.3 suites are left out:
// they are not configurable and all are AEAD with ephemeral keys.
func tls12Suites() []*tls.CipherSuite {
	var out []*tls.CipherSuite
	for _, s := range append(tls.CipherSuites(), tls.InsecureCipherSuites()...) {
		for _, v := range s.SupportedVersions {
			if v == tls.VersionTLS12 {
				out = append(out, s)
				break
			}
		}
	}
	return out
}

func signs(key KeyType, suite string) bool {
	if strings.HasPrefix(suite, "TLS_ECDHE_ECDSA_") {
		return key == ECDSA
	}
	return key == RSA
}

// Handshake dials addr and completes a TLS handshake with cfg, trusting roots. The
// connection is closed before returning; only the outcome matters.
func Handshake(addr string, roots *x509.CertPool, cfg *tls.Config) (tls.ConnectionState, error) {
	cfg = cfg.Clone()
	cfg.RootCAs = roots
	conn, err := tls.DialWithDialer(&net.Dialer{Timeout: 5 * time.Second}, "tcp", addr, cfg)
	if err != nil {
		return tls.ConnectionState{}, err
	}
	defer conn.Close()
	return conn.ConnectionState(), nil
}

// Check runs c against the server at addr, whose minimum version is minVersion, and
// says what went wrong, or nil. A refused probe is replayed against control, a
// Permissive server with the same certificate ("" skips that): if the client cannot
// complete it there either, the refusal proves nothing. An accepted probe must not have
// negotiated below the minimum, nor a weak suite.
func Check(addr, control string, roots *x509.CertPool, minVersion uint16, c Case) error {
	state, err := Handshake(addr, roots, c.Client)
	if !c.Accept {
		if err == nil {
			return fmt.Errorf("handshake accepted: %s with %s", tls.VersionName(state.Version), tls.CipherSuiteName(state.CipherSuite))
		}
		if control == "" {
			return nil
		}
		if _, cerr := Handshake(control, roots, c.Client); cerr != nil {
			return fmt.Errorf("control: the probe fails even where everything is allowed, so its refusal proves nothing: %w", cerr)
		}
		return nil
	}
	if err != nil {
		return fmt.Errorf("handshake refused: %w", err)
	}
	if state.Version < minVersion {
		return fmt.Errorf("negotiated %s below the minimum", tls.VersionName(state.Version))
	}
	if state.Version == tls.VersionTLS12 && !strongID(state.CipherSuite) {
		return fmt.Errorf("negotiated weak suite %s", tls.CipherSuiteName(state.CipherSuite))
	}
	return nil
}

func strongID(id uint16) bool {
	for _, s := range tls12Suites() {
		if s.ID == id {
			return Strong(s)
		}
	}
	return false
}

// Permissive serves TLS on loopback with every version and suite Go implements and the
// given certificate. It is the control for a refused probe: the same client completes
// a handshake here, so the refusal elsewhere comes from that server's policy and not
// from the client or the certificate.
func Permissive(cert tls.Certificate) (addr string, stop func(), err error) {
	var ids []uint16
	for _, s := range append(tls.CipherSuites(), tls.InsecureCipherSuites()...) {
		ids = append(ids, s.ID)
	}
	ln, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{
		MinVersion: tls.VersionTLS10, CipherSuites: ids, Certificates: []tls.Certificate{cert},
	})
	if err != nil {
		return "", nil, err
	}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				_ = c.SetDeadline(time.Now().Add(5 * time.Second))
				_ = c.(*tls.Conn).Handshake()
			}()
		}
	}()
	return ln.Addr().String(), func() { ln.Close() }, nil
}
