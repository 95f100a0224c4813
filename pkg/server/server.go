package server

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/http"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-logr/logr"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"sigs.k8s.io/controller-runtime/pkg/certwatcher"
)

// Options configure the servers. Addresses of "0" or "" disable the health and metrics
// listeners; the webhook listener is always on.
type Options struct {
	WebhookAddr   string
	HealthAddr    string
	MetricsAddr   string
	CertDir       string
	TLSMinVersion uint16
	// Routes are the HTTPS handlers, e.g. "/validate" and "/mutate".
	Routes map[string]http.Handler
	// Ready reports whether the webhook can decide requests (a policy set is active).
	Ready func() error
	// Status, if set, is served as JSON on the health listener at /status.
	Status http.Handler
	// HealthRoutes are more read-only documents served on the health listener beside
	// /status, e.g. /audit.
	HealthRoutes map[string]http.Handler
	Gatherer     prometheus.Gatherer
	// Registerer, if set, gets apiguard_tls_certificate_expiry_timestamp_seconds: the
	// end of the serving certificate this replica presents, read from the watcher at
	// each scrape, so a rotation shows at once.
	Registerer prometheus.Registerer
	// ShutdownDelay keeps serving, while reporting not ready, before closing the
	// listener, so the endpoints controller stops routing to us first.
	ShutdownDelay time.Duration
	// ShutdownTimeout bounds the drain of in-flight requests.
	ShutdownTimeout time.Duration
	// ReadHeaderTimeout cuts off clients that send headers too slowly (slowloris);
	// zero means 5s.
	ReadHeaderTimeout time.Duration
	Log               logr.Logger
}

// Timeouts against slow or stuck clients. The API server sends a whole AdmissionReview at
// once, so anything slower than this is not a real caller.
const (
	readHeaderTimeout = 5 * time.Second
	readTimeout       = 15 * time.Second
	writeTimeout      = 30 * time.Second
	idleTimeout       = 90 * time.Second
	maxHeaderBytes    = 64 << 10
)

// Server is the running set of listeners.
type Server struct {
	opts         Options
	watcher      *certwatcher.CertWatcher
	webhookLn    net.Listener
	healthLn     net.Listener
	metricsLn    net.Listener
	shuttingDown atomic.Bool
}

// New loads the serving certificate and binds every listener, so a bad certificate or
// a port in use fails at start with a clear error and the bound addresses are known.
func New(opts Options) (*Server, error) {
	if opts.TLSMinVersion == 0 {
		opts.TLSMinVersion = tls.VersionTLS13
	}
	if opts.ShutdownTimeout <= 0 {
		opts.ShutdownTimeout = 30 * time.Second
	}
	if opts.ReadHeaderTimeout <= 0 {
		opts.ReadHeaderTimeout = readHeaderTimeout
	}
	if opts.Ready == nil {
		opts.Ready = func() error { return nil }
	}
	watcher, err := certwatcher.New(filepath.Join(opts.CertDir, CertFile), filepath.Join(opts.CertDir, KeyFile))
	if err != nil {
		return nil, fmt.Errorf("load serving certificate from %s: %w", opts.CertDir, err)
	}
	if opts.Registerer != nil {
		if err := opts.Registerer.Register(certificateExpiry(watcher)); err != nil {
			return nil, fmt.Errorf("register certificate metric: %w", err)
		}
	}
	s := &Server{opts: opts, watcher: watcher}
	if s.webhookLn, err = net.Listen("tcp", opts.WebhookAddr); err != nil {
		return nil, fmt.Errorf("listen for webhooks on %s: %w", opts.WebhookAddr, err)
	}
	if enabled(opts.HealthAddr) {
		if s.healthLn, err = net.Listen("tcp", opts.HealthAddr); err != nil {
			s.closeListeners()
			return nil, fmt.Errorf("listen for health probes on %s: %w", opts.HealthAddr, err)
		}
	}
	if enabled(opts.MetricsAddr) && opts.Gatherer != nil {
		if s.metricsLn, err = net.Listen("tcp", opts.MetricsAddr); err != nil {
			s.closeListeners()
			return nil, fmt.Errorf("listen for metrics on %s: %w", opts.MetricsAddr, err)
		}
	}
	return s, nil
}

func enabled(addr string) bool { return addr != "" && addr != "0" }

// WebhookAddr, HealthAddr and MetricsAddr return the bound addresses (nil if disabled).
func (s *Server) WebhookAddr() net.Addr { return addrOf(s.webhookLn) }

// HealthAddr returns the bound health listener address, or nil.
func (s *Server) HealthAddr() net.Addr { return addrOf(s.healthLn) }

// MetricsAddr returns the bound metrics listener address, or nil.
func (s *Server) MetricsAddr() net.Addr { return addrOf(s.metricsLn) }

func addrOf(ln net.Listener) net.Addr {
	if ln == nil {
		return nil
	}
	return ln.Addr()
}

func (s *Server) closeListeners() {
	for _, ln := range []net.Listener{s.webhookLn, s.healthLn, s.metricsLn} {
		if ln != nil {
			ln.Close()
		}
	}
}

// Run serves until ctx is cancelled, then drains: it reports not ready, waits
// ShutdownDelay, stops accepting, and lets in-flight requests finish.
func (s *Server) Run(ctx context.Context) error {
	// The certificate watcher outlives ctx so a drain still reloads certificates; Run
	// joins it before returning, and its failure (it could not watch the files, so a
	// rotated certificate would never be served) stops the server.
	watchCtx, stopWatch := context.WithCancel(context.Background())
	watchDone := make(chan struct{})
	var watchErr error
	go func() {
		defer close(watchDone)
		watchErr = s.watcher.Start(watchCtx)
	}()
	defer func() {
		stopWatch()
		<-watchDone
	}()

	mux := http.NewServeMux()
	for path, h := range s.opts.Routes {
		mux.Handle(path, h)
	}
	webhook := s.httpServer(mux)
	webhook.TLSConfig = tlsConfig(s.opts.TLSMinVersion, s.watcher.GetCertificate)
	servers := []*http.Server{webhook}
	errs := make(chan error, 3)
	var wg sync.WaitGroup
	serve := func(name string, run func() error) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := run(); err != nil && !errors.Is(err, http.ErrServerClosed) {
				errs <- fmt.Errorf("%s server: %w", name, err)
			}
		}()
	}
	serve("webhook", func() error { return webhook.ServeTLS(s.webhookLn, "", "") })
	if s.healthLn != nil {
		srv := s.httpServer(s.healthMux())
		servers = append(servers, srv)
		serve("health", func() error { return srv.Serve(s.healthLn) })
	}
	if s.metricsLn != nil {
		srv := s.httpServer(promhttp.HandlerFor(s.opts.Gatherer, promhttp.HandlerOpts{}))
		servers = append(servers, srv)
		serve("metrics", func() error { return srv.Serve(s.metricsLn) })
	}
	s.opts.Log.Info("serving", "webhook", s.WebhookAddr().String(), "health", addrString(s.healthLn), "metrics", addrString(s.metricsLn))

	var runErr error
	select {
	case <-ctx.Done():
	case runErr = <-errs:
	case <-watchDone:
		runErr = fmt.Errorf("certificate watcher stopped: %w", watchErr)
	}
	s.shuttingDown.Store(true)
	if runErr == nil && s.opts.ShutdownDelay > 0 {
		s.opts.Log.Info("shutting down: not ready, waiting before closing the listener", "delay", s.opts.ShutdownDelay.String())
		time.Sleep(s.opts.ShutdownDelay)
	}
	drainCtx, cancel := context.WithTimeout(context.Background(), s.opts.ShutdownTimeout)
	defer cancel()
	// The webhook drains first and fully; probes and metrics stay up meanwhile.
	if err := webhook.Shutdown(drainCtx); err != nil {
		s.opts.Log.Error(err, "webhook drain did not finish")
		runErr = errors.Join(runErr, err)
	}
	for _, srv := range servers[1:] {
		_ = srv.Shutdown(drainCtx)
	}
	wg.Wait()
	s.opts.Log.Info("stopped")
	return runErr
}

func addrString(ln net.Listener) string {
	if ln == nil {
		return "disabled"
	}
	return ln.Addr().String()
}

// httpServer applies the same slow-client timeouts to every listener.
func (s *Server) httpServer(h http.Handler) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: s.opts.ReadHeaderTimeout,
		ReadTimeout:       readTimeout,
		WriteTimeout:      writeTimeout,
		IdleTimeout:       idleTimeout,
		MaxHeaderBytes:    maxHeaderBytes,
		ErrorLog:          newStdLogger(s.opts.Log.WithName("http")),
	}
}

func (s *Server) healthMux() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		_, _ = w.Write([]byte("ok\n"))
	})
	mux.HandleFunc("/readyz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		if s.shuttingDown.Load() {
			http.Error(w, "not ready: shutting down", http.StatusServiceUnavailable)
			return
		}
		if err := s.opts.Ready(); err != nil {
			http.Error(w, "not ready: "+err.Error(), http.StatusServiceUnavailable)
			return
		}
		_, _ = w.Write([]byte("ok\n"))
	})
	if s.opts.Status != nil {
		mux.Handle("/status", s.opts.Status)
	}
	for path, h := range s.opts.HealthRoutes {
		mux.Handle(path, h)
	}
	return mux
}

// certificateExpiry is the NotAfter of the certificate the watcher serves, as Unix time;
// 0 when none is loaded or it cannot be parsed, which an expiry alert reads as expired.
func certificateExpiry(watcher *certwatcher.CertWatcher) prometheus.Collector {
	return prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "apiguard_tls_certificate_expiry_timestamp_seconds",
		Help: "Unix time the serving certificate this replica presents expires (NotAfter); 0 when none is loaded.",
	}, func() float64 {
		c, err := watcher.GetCertificate(nil)
		if err != nil || c == nil || len(c.Certificate) == 0 {
			return 0
		}
		leaf := c.Leaf
		if leaf == nil {
			if leaf, err = x509.ParseCertificate(c.Certificate[0]); err != nil {
				return 0
			}
		}
		return float64(leaf.NotAfter.Unix())
	})
}
