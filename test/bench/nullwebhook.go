package main

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	admissionv1 "k8s.io/api/admission/v1"

	"github.com/apiguard/apiguard/pkg/server"
)

// The null webhook is the floor: TLS, HTTP and JSON on this machine with no decision at
// all. It decodes the whole AdmissionReview, as any webhook must, and admits it. Its TLS
// matches the apiguard webhook's defaults: TLS 1.3, h2 and http/1.1 offered.

// nullHandler answers every AdmissionReview with allowed: true.
func nullHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("ok\n")) })
	// The same answer for /mutate: the API server's floor for a mutating webhook that
	// patches nothing (the apiserver section registers it as both).
	admit := func(w http.ResponseWriter, r *http.Request) {
		var review admissionv1.AdmissionReview
		if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 7<<20)).Decode(&review); err != nil || review.Request == nil {
			http.Error(w, "not an AdmissionReview", http.StatusBadRequest)
			return
		}
		out := admissionv1.AdmissionReview{
			TypeMeta: review.TypeMeta,
			Response: &admissionv1.AdmissionResponse{UID: review.Request.UID, Allowed: true},
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(out)
	}
	mux.HandleFunc("POST /validate", admit)
	mux.HandleFunc("POST /mutate", admit)
	return mux
}

func nullServer(cert tls.Certificate) *http.Server {
	return &http.Server{
		Handler:           nullHandler(),
		ReadHeaderTimeout: 10 * time.Second,
		TLSConfig: &tls.Config{
			MinVersion:   tls.VersionTLS13,
			Certificates: []tls.Certificate{cert},
			NextProtos:   []string{"h2", "http/1.1"},
		},
	}
}

// serveNull is the null webhook's process: `bench -serve-null <addr> -cert-dir <dir>`.
// It serves until SIGTERM or interrupt.
func serveNull(addr, certDir string) error {
	cert, err := tls.LoadX509KeyPair(filepath.Join(certDir, server.CertFile), filepath.Join(certDir, server.KeyFile))
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	srv := nullServer(cert)
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	go func() {
		<-ctx.Done()
		_ = srv.Close()
	}()
	if err := srv.ServeTLS(ln, "", ""); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
