package fault

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/apiguard/apiguard/internal/kubetest"
)

// The webhook binary's fixed timeouts (pkg/server): 5s to complete the TLS handshake and
// the request headers, 15s to read the whole request.
const (
	headerTimeout = 5 * time.Second
	readTimeout   = 15 * time.Second
)

// slowClient opens one connection and feeds it slowly; it returns how long the server
// let it live. trickle writes one more piece each call and reports a write error.
type slowClient struct {
	name string
	// start sets the connection up (handshake, request line...) before the trickle.
	start func(net.Conn, *x509.CertPool) (net.Conn, error)
	piece string
	// bound is when the server must have cut the connection: the timeout that applies,
	// plus generous slack for a loaded machine. It stays below the next longer timeout,
	// so the right one is shown to work.
	bound time.Duration
}

var slowClients = []slowClient{
	{
		name:  "TCP only, no TLS handshake",
		start: func(c net.Conn, _ *x509.CertPool) (net.Conn, error) { return c, nil },
		piece: "", // sends nothing at all
		bound: headerTimeout + 9*time.Second,
	},
	{
		name:  "headers one byte at a time",
		start: tlsRequest("POST /validate HTTP/1.1\r\nHost: 127.0.0.1\r\n"),
		piece: "X",
		bound: headerTimeout + 9*time.Second,
	},
	{
		name:  "body one byte at a time",
		start: tlsRequest("POST /validate HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{"),
		piece: " ",
		bound: readTimeout + 15*time.Second,
	},
}

func tlsRequest(head string) func(net.Conn, *x509.CertPool) (net.Conn, error) {
	return func(c net.Conn, roots *x509.CertPool) (net.Conn, error) {
		tc := tls.Client(c, &tls.Config{RootCAs: roots, ServerName: "127.0.0.1", NextProtos: []string{"http/1.1"}})
		if err := tc.Handshake(); err != nil {
			return nil, err
		}
		_, err := io.WriteString(tc, head)
		return tc, err
	}
}

// attack runs one slow connection and returns how long it lived, or an error if the
// server never cut it off (or it could not be set up).
func (s slowClient) attack(addr string, roots *x509.CertPool) (time.Duration, error) {
	raw, err := net.Dial("tcp", addr)
	if err != nil {
		return 0, err
	}
	defer raw.Close()
	began := time.Now()
	conn, err := s.start(raw, roots)
	if err != nil {
		return 0, fmt.Errorf("set up: %w", err)
	}
	// Our own limit, far beyond every server timeout: reaching it means not cut off.
	_ = raw.SetReadDeadline(began.Add(60 * time.Second))
	closed := make(chan struct{})
	go func() {
		_, _ = io.Copy(io.Discard, conn) // whatever the server answers, until it closes
		close(closed)
	}()
	tick := time.NewTicker(500 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-closed:
			lived := time.Since(began)
			if lived >= 60*time.Second {
				return lived, fmt.Errorf("still open after %s", lived)
			}
			return lived, nil
		case <-tick.C:
			if s.piece != "" {
				_, _ = io.WriteString(conn, s.piece) // a failed write shows as closed soon
			}
		}
	}
}

// TestSlowlorisIsCutOff (fault 9): 20 connections each of three slow kinds hold the real
// webhook binary's listener: one that never starts TLS, one that sends its headers a
// byte every 500ms, one that sends its body so.
//
// Expected: the server closes every one of them (the handshake and header ones within
// the 5s header timeout plus slack, before the 15s read timeout could be what did it;
// the body ones within the read timeout plus slack), and meanwhile other clients are
// served without a single failure.
func TestSlowlorisIsCutOff(t *testing.T) {
	t.Parallel()
	const perKind = 20
	wh := startWebhook(t, kubetest.WebhookOptions{PolicyDir: libraryDir(), Args: libraryArgs()})
	roots := caPool(wh.CABundle)
	addr := strings.TrimPrefix(wh.URL, "https://")
	others := directLoad(2, "under slowloris",
		reviewer{url: wh.URL, client: newClient(clientOptions{roots: roots, keepAlive: true})},
		reviewer{url: wh.URL, client: newClient(clientOptions{roots: roots, http1: true})})

	type result struct {
		lived time.Duration
		err   error
	}
	results := make([][]result, len(slowClients))
	var wg sync.WaitGroup
	for k, s := range slowClients {
		results[k] = make([]result, perKind)
		for i := range perKind {
			wg.Add(1)
			go func() {
				defer wg.Done()
				lived, err := s.attack(addr, roots)
				results[k][i] = result{lived, err}
			}()
		}
	}
	wg.Wait()
	counts := others.finish()

	for k, s := range slowClients {
		cut, longest := 0, time.Duration(0)
		for _, r := range results[k] {
			if r.err != nil {
				t.Errorf("%s: %v", s.name, r.err)
				continue
			}
			cut++
			longest = max(longest, r.lived)
		}
		t.Logf("%s: %d of %d cut off, the longest after %s", s.name, cut, perKind, longest.Round(time.Millisecond))
		if longest > s.bound {
			t.Errorf("%s: a connection lived %s, beyond %s", s.name, longest.Round(time.Millisecond), s.bound)
		}
	}
	t.Logf("other clients meanwhile:%s", counts)
	if bad := counts.bad(outAdmitted, outDenied); len(bad) > 0 {
		t.Errorf("other clients were not served during the attack: %q", bad)
	}
}
