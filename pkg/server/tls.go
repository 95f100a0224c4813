package server

import (
	"crypto/tls"
	"fmt"
)

// ParseTLSVersion accepts "1.2" or "1.3". Older versions are refused: the API server
// speaks 1.3, and 1.0/1.1 are deprecated by RFC 8996.
func ParseTLSVersion(s string) (uint16, error) {
	switch s {
	case "1.3", "VersionTLS13":
		return tls.VersionTLS13, nil
	case "1.2", "VersionTLS12":
		return tls.VersionTLS12, nil
	}
	return 0, fmt.Errorf("unsupported TLS version %q: use 1.2 or 1.3", s)
}

// tlsConfig builds the serving config. With TLS 1.2 allowed, only forward-secret AEAD
// suites are offered; TLS 1.3 suites are not configurable and all are sound.
func tlsConfig(minVersion uint16, getCert func(*tls.ClientHelloInfo) (*tls.Certificate, error)) *tls.Config {
	return &tls.Config{
		MinVersion:     minVersion,
		GetCertificate: getCert,
		NextProtos:     []string{"h2", "http/1.1"},
		CipherSuites: []uint16{
			tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
			tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
			tls.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
			tls.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
			tls.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
			tls.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
		},
	}
}
