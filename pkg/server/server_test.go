package server

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-logr/logr"
	"github.com/prometheus/client_golang/prometheus"
)

type testServer struct {
	srv    *Server
	ca     []byte
	dir    string
	cancel context.CancelFunc
	done   chan error
	ready  *readyFlag
}

type readyFlag struct {
	mu  sync.Mutex
	err error
}

func (r *readyFlag) set(err error) { r.mu.Lock(); r.err = err; r.mu.Unlock() }
func (r *readyFlag) get() error    { r.mu.Lock(); defer r.mu.Unlock(); return r.err }

func startServer(t *testing.T, opts Options) *testServer {
	t.Helper()
	dir := t.TempDir()
	ca, err := WriteSelfSigned(dir, SelfSignedOptions{})
	if err != nil {
		t.Fatal(err)
	}
	ready := &readyFlag{}
	opts.CertDir = dir
	opts.WebhookAddr = "127.0.0.1:0"
	opts.HealthAddr = "127.0.0.1:0"
	opts.MetricsAddr = "127.0.0.1:0"
	opts.Gatherer = prometheus.NewRegistry()
	opts.Log = logr.Discard()
	opts.Ready = ready.get
	if opts.Routes == nil {
		opts.Routes = map[string]http.Handler{"/validate": http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, "ok") })}
	}
	srv, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	ts := &testServer{srv: srv, ca: ca, dir: dir, cancel: cancel, done: make(chan error, 1), ready: ready}
	go func() { ts.done <- srv.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		<-ts.done
	})
	waitListening(t, srv.WebhookAddr().String())
	return ts
}

func waitListening(t *testing.T, addr string) {
	t.Helper()
	for i := 0; i < 100; i++ {
		if c, err := net.Dial("tcp", addr); err == nil {
			c.Close()
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("%s not listening", addr)
}

func (ts *testServer) client(maxVersion uint16) *http.Client {
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(ts.ca)
	return &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{
		TLSClientConfig: &tls.Config{RootCAs: pool, MaxVersion: maxVersion},
	}}
}

func (ts *testServer) url(path string) string {
	return "https://" + ts.srv.WebhookAddr().String() + path
}

func TestParseTLSVersion(t *testing.T) {
	for in, want := range map[string]uint16{"1.2": tls.VersionTLS12, "1.3": tls.VersionTLS13} {
		if got, err := ParseTLSVersion(in); err != nil || got != want {
			t.Errorf("%s: %x %v", in, got, err)
		}
	}
	for _, bad := range []string{"1.1", "1.0", "tls13", ""} {
		if _, err := ParseTLSVersion(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestProbes(t *testing.T) {
	ts := startServer(t, Options{})
	health := "http://" + ts.srv.HealthAddr().String()
	get := func(path string) (int, string) {
		resp, err := http.Get(health + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	ts.ready.set(errors.New("no policy set is active"))
	if code, body := get("/readyz"); code != 503 || !strings.Contains(body, "no policy set") {
		t.Errorf("readyz while not ready: %d %q", code, body)
	}
	if code, _ := get("/healthz"); code != 200 {
		t.Errorf("healthz: %d", code)
	}
	ts.ready.set(nil)
	if code, _ := get("/readyz"); code != 200 {
		t.Errorf("readyz when ready: %d", code)
	}
	resp, err := http.Get("http://" + ts.srv.MetricsAddr().String() + "/metrics")
	if err != nil || resp.StatusCode != 200 {
		t.Errorf("metrics: %v %v", resp, err)
	}
}

// TestGracefulShutdown: on cancel, readiness drops at once, the in-flight request
// completes, and the listener then closes.
func TestGracefulShutdown(t *testing.T) {
	release := make(chan struct{})
	started := make(chan struct{})
	ts := startServer(t, Options{
		ShutdownDelay: 300 * time.Millisecond,
		Routes: map[string]http.Handler{"/validate": http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			close(started)
			<-release
			_, _ = io.WriteString(w, "finished")
		})},
	})
	client := ts.client(0)
	result := make(chan string, 1)
	go func() {
		resp, err := client.Get(ts.url("/validate"))
		if err != nil {
			result <- "error: " + err.Error()
			return
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		result <- string(b)
	}()
	<-started
	readyz := func() (int, error) {
		resp, err := http.Get("http://" + ts.srv.HealthAddr().String() + "/readyz")
		if err != nil {
			return 0, err
		}
		resp.Body.Close()
		return resp.StatusCode, nil
	}
	if code, err := readyz(); code != 200 {
		t.Fatalf("readyz before shutdown: %d %v", code, err)
	}
	ts.cancel()
	// Readiness drops while the request is still in flight (it cannot finish before
	// release), so the wait below ends on the state change, not on a guessed delay.
	deadline := time.Now().Add(10 * time.Second)
	for {
		code, err := readyz()
		if code == 503 {
			break
		}
		if err != nil || time.Now().After(deadline) {
			t.Fatalf("readyz after cancel, with a request in flight: %d %v; want 503", code, err)
		}
		time.Sleep(5 * time.Millisecond)
	}
	select {
	case got := <-result:
		t.Fatalf("the in-flight request ended before it was released: %s", got)
	default:
	}
	close(release)
	if got := <-result; got != "finished" {
		t.Fatalf("in-flight request: %s", got)
	}
	if err := <-ts.done; err != nil {
		t.Fatalf("Run: %v", err)
	}
	ts.done <- nil // for the cleanup
	if _, err := net.DialTimeout("tcp", ts.srv.WebhookAddr().String(), time.Second); err == nil {
		t.Error("webhook still accepting after shutdown")
	}
}

// TestCertificateReload: a new certificate written into the cert dir is served without a
// restart.
func TestCertificateReload(t *testing.T) {
	ts := startServer(t, Options{})
	serial := func(ca []byte) string {
		pool := x509.NewCertPool()
		pool.AppendCertsFromPEM(ca)
		conn, err := tls.Dial("tcp", ts.srv.WebhookAddr().String(), &tls.Config{RootCAs: pool, ServerName: "127.0.0.1"})
		if err != nil {
			return "error: " + err.Error()
		}
		defer conn.Close()
		return conn.ConnectionState().PeerCertificates[0].SerialNumber.String()
	}
	before := serial(ts.ca)
	if strings.HasPrefix(before, "error") {
		t.Fatal(before)
	}
	newCA, err := WriteSelfSigned(ts.dir, SelfSignedOptions{})
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(15 * time.Second)
	for {
		after := serial(newCA)
		if !strings.HasPrefix(after, "error") && after != before {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("certificate not reloaded: %s", after)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestSlowClientIsCutOff: a client that never finishes its headers is disconnected after
// ReadHeaderTimeout while other clients are served.
func TestSlowClientIsCutOff(t *testing.T) {
	ts := startServer(t, Options{ReadHeaderTimeout: 300 * time.Millisecond})
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(ts.ca)
	conn, err := tls.Dial("tcp", ts.srv.WebhookAddr().String(), &tls.Config{RootCAs: pool, NextProtos: []string{"http/1.1"}})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := io.WriteString(conn, "POST /validate HTTP/1.1\r\nHost: x\r\n"); err != nil {
		t.Fatal(err)
	}
	resp, err := ts.client(0).Get(ts.url("/validate"))
	if err != nil {
		t.Fatalf("other client not served: %v", err)
	}
	resp.Body.Close()
	_ = conn.SetReadDeadline(time.Now().Add(3 * time.Second))
	start := time.Now()
	_, err = io.ReadAll(conn)
	if time.Since(start) > 2*time.Second {
		t.Fatalf("slow client held the connection for %s (err %v)", time.Since(start), err)
	}
}

func TestNewErrors(t *testing.T) {
	if _, err := New(Options{CertDir: t.TempDir(), WebhookAddr: "127.0.0.1:0"}); err == nil || !strings.Contains(err.Error(), "load serving certificate") {
		t.Errorf("missing certificate: %v", err)
	}
	dir := t.TempDir()
	if _, err := WriteSelfSigned(dir, SelfSignedOptions{}); err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	if _, err := New(Options{CertDir: dir, WebhookAddr: ln.Addr().String()}); err == nil || !strings.Contains(err.Error(), "listen for webhooks") {
		t.Errorf("port in use: %v", err)
	}
}

func TestWriteSelfSigned(t *testing.T) {
	dir := t.TempDir()
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	ca, err := WriteSelfSigned(dir, SelfSignedOptions{Hosts: []string{"apiguard.apiguard-system.svc", "127.0.0.1"}, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	info, err := os.Stat(filepath.Join(dir, KeyFile))
	if err != nil || info.Mode().Perm() != 0o600 {
		t.Errorf("key file mode: %v %v", info.Mode(), err)
	}
	pemBytes, _ := os.ReadFile(filepath.Join(dir, CertFile))
	block, _ := pem.Decode(pemBytes)
	cert, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(ca)
	for _, host := range []string{"apiguard.apiguard-system.svc", "127.0.0.1"} {
		if _, err := cert.Verify(x509.VerifyOptions{DNSName: host, Roots: pool, CurrentTime: now}); err != nil {
			t.Errorf("verify %s: %v", host, err)
		}
	}
	// Backdated, so a client whose clock is behind still accepts it.
	if _, err := cert.Verify(x509.VerifyOptions{DNSName: "127.0.0.1", Roots: pool, CurrentTime: now.Add(-30 * time.Minute)}); err != nil {
		t.Errorf("a client 30 minutes behind rejects the certificate: %v", err)
	}
}
