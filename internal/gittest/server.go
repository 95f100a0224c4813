package gittest

import (
	"bytes"
	"crypto/subtle"
	"errors"
	"fmt"
	"log"
	"net"
	"net/http"
	"net/http/cgi"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// ServerOptions configures authentication on a Server. With all fields empty
// the server is anonymous.
type ServerOptions struct {
	// Username and Password, if set, require HTTP basic auth. Unauthenticated
	// requests get 401 with a WWW-Authenticate challenge, which git (libcurl)
	// needs before it will send credentials embedded in the URL.
	Username, Password string
	// Token, if set, is also accepted as "Authorization: Bearer <token>" and as
	// the password of basic auth with any username, as GitHub does.
	Token string
	// Host is the IP to listen on. Default 127.0.0.1; internal/kubelettest's pods
	// reach the host at its pod bridge address instead.
	Host string
}

// Server is git http-backend served over smart HTTP on 127.0.0.1. It keeps
// its port across Stop/Start so tests can simulate an outage of a URL that a
// client has already been configured with.
type Server struct {
	t       TB
	opts    ServerOptions
	root    string   // GIT_PROJECT_ROOT: bare repositories live here
	env     []string // hermetic env (HOME, config) for http-backend
	handler http.Handler
	addr    string // fixed after the first listen so restarts reuse it

	requests atomic.Int64
	inflight atomic.Int64

	logMu  sync.Mutex
	logBuf bytes.Buffer // http-backend stderr and handler errors

	mu   sync.Mutex
	srv  *http.Server
	done chan struct{} // closed when the current Serve returns
}

// NewServer starts a Git server on a random loopback port. It is stopped when
// the test ends; if the test failed, the backend's stderr is logged.
func NewServer(t TB, opts ServerOptions) *Server {
	t.Helper()
	backend, err := backendPath(t)
	if err != nil {
		t.Fatalf("gittest: %v", err)
	}
	s := &Server{t: t, opts: opts, root: t.TempDir(), env: newHome(t)}

	logw := writerFunc(s.writeLog)
	cgiEnv := []string{
		"GIT_PROJECT_ROOT=" + s.root,
		"GIT_HTTP_EXPORT_ALL=1",
	}
	// The CGI gets the same hermetic HOME/config as everything else. GIT_*
	// (in particular GIT_PROTOCOL) is deliberately not inherited:
	// http-backend derives the protocol version from the client's
	// Git-Protocol header (HTTP_GIT_PROTOCOL), so git clients negotiate v2
	// while go-git, which sends no header, gets v0.
	for _, kv := range s.env {
		if strings.HasPrefix(kv, "HOME=") || strings.HasPrefix(kv, "XDG_CONFIG_HOME=") ||
			strings.HasPrefix(kv, "GIT_CONFIG_") || strings.HasPrefix(kv, "LC_ALL=") {
			cgiEnv = append(cgiEnv, kv)
		}
	}
	cgiHandler := &cgi.Handler{
		Path:   backend,
		Dir:    s.root,
		Env:    cgiEnv,
		Logger: log.New(logw, "cgi: ", 0),
		Stderr: logw,
	}
	s.handler = s.withAuth(cgiHandler)

	host := opts.Host
	if host == "" {
		host = "127.0.0.1"
	}
	ln, err := net.Listen("tcp", net.JoinHostPort(host, "0"))
	if err != nil {
		t.Fatalf("gittest: listen: %v", err)
	}
	s.addr = ln.Addr().String()
	s.serve(ln)

	t.Cleanup(func() {
		s.Stop()
		if t.Failed() {
			s.logMu.Lock()
			defer s.logMu.Unlock()
			if s.logBuf.Len() > 0 {
				t.Logf("gittest: git http-backend log:\n%s", s.logBuf.String())
			}
		}
	})
	return s
}

// backendPath locates git-http-backend via `git --exec-path`, because it is
// not on PATH on most distributions.
func backendPath(t TB) (string, error) {
	t.Helper()
	out, err := tryGit(newHome(t), "", "--exec-path")
	if err != nil {
		return "", fmt.Errorf("git --exec-path: %v: %s", err, out)
	}
	p := filepath.Join(out, "git-http-backend")
	if _, err := os.Stat(p); err != nil {
		return "", fmt.Errorf("git-http-backend not found: %v", err)
	}
	return p, nil
}

// writerFunc adapts a function to io.Writer.
type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }

// writeLog collects backend output instead of sending it to os.Stderr, where
// expected errors (e.g. copy errors after Stop kills connections) would be
// noise in passing runs.
func (s *Server) writeLog(p []byte) (int, error) {
	s.logMu.Lock()
	defer s.logMu.Unlock()
	return s.logBuf.Write(p)
}

func (s *Server) withAuth(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.requests.Add(1)
		s.inflight.Add(1)
		defer s.inflight.Add(-1)
		if !s.authorized(r) {
			w.Header().Set("WWW-Authenticate", `Basic realm="gittest"`)
			http.Error(w, "authentication required", http.StatusUnauthorized)
			return
		}
		next.ServeHTTP(w, r)
	})
}

func (s *Server) authorized(r *http.Request) bool {
	o := s.opts
	if o.Username == "" && o.Password == "" && o.Token == "" {
		return true
	}
	if o.Token != "" {
		if tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok && equal(tok, o.Token) {
			return true
		}
	}
	user, pass, ok := r.BasicAuth()
	if !ok {
		return false
	}
	if o.Token != "" && equal(pass, o.Token) {
		return true
	}
	if o.Username != "" || o.Password != "" {
		return equal(user, o.Username) && equal(pass, o.Password)
	}
	return false
}

func equal(a, b string) bool { return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1 }

func (s *Server) serve(ln net.Listener) {
	srv := &http.Server{
		Handler:           s.handler,
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          log.New(writerFunc(s.writeLog), "http: ", 0),
	}
	done := make(chan struct{})
	s.mu.Lock()
	s.srv, s.done = srv, done
	s.mu.Unlock()
	go func() {
		defer close(done)
		_ = srv.Serve(ln)
	}()
}

// URL returns the clone URL of repo, e.g. http://127.0.0.1:PORT/repo.git.
func (s *Server) URL(repo string) string {
	return fmt.Sprintf("http://%s/%s.git", s.addr, strings.TrimSuffix(repo, ".git"))
}

// Addr returns the server's host:port.
func (s *Server) Addr() string { return s.addr }

// Requests returns the number of HTTP requests received, including rejected
// ones, so tests can assert that a client polled (or did not).
func (s *Server) Requests() int { return int(s.requests.Load()) }

// Stop closes the listener and every open connection, so clients see
// "connection refused" until Start. It waits (briefly) for in-flight
// http-backend processes so they do not outlive the test's temp dirs.
// Stopping a stopped server is a no-op.
func (s *Server) Stop() {
	s.mu.Lock()
	srv, done := s.srv, s.done
	s.srv, s.done = nil, nil
	s.mu.Unlock()
	if srv == nil {
		return
	}
	_ = srv.Close()
	<-done
	// Close does not wait for handlers. Closing the connections makes the
	// cgi handler kill its child, so this normally finishes immediately.
	deadline := time.Now().Add(10 * time.Second)
	for s.inflight.Load() > 0 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
}

// Start restarts a stopped server on the same address. Go listeners set
// SO_REUSEADDR, so TIME_WAIT rarely matters, but binding is retried for a few
// seconds in case the port is briefly unavailable. Starting a running server
// is a no-op.
func (s *Server) Start() {
	s.t.Helper()
	s.mu.Lock()
	running := s.srv != nil
	s.mu.Unlock()
	if running {
		return
	}
	var ln net.Listener
	var err error
	for deadline := time.Now().Add(5 * time.Second); ; {
		ln, err = net.Listen("tcp", s.addr)
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("gittest: restarting server on %s: %v", s.addr, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	s.serve(ln)
}

// NewRepo creates a bare repository served as name (URL(name)) and a working
// clone of it in a temp dir of t. Helpers push to the bare repository through
// the filesystem, so they never show up in Requests.
func (s *Server) NewRepo(t TB, name string) *Repo {
	t.Helper()
	name = strings.TrimSuffix(name, ".git")
	bare := filepath.Join(s.root, filepath.FromSlash(name)+".git")
	if _, err := os.Stat(bare); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("gittest: repository %q already exists (or cannot be checked: %v)", name, err)
	}
	return newRepo(t, bare, s.URL(name))
}
