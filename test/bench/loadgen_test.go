package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"math/rand/v2"
	"net"
	"net/http"
	"path/filepath"
	"testing"
	"time"

	"github.com/apiguard/apiguard/pkg/server"
)

func TestSummarize(t *testing.T) {
	ms := func(n int) time.Duration { return time.Duration(n) * time.Millisecond }
	thousand := make([]time.Duration, 1000)
	for i := range thousand {
		thousand[i] = ms(i + 1)
	}
	rand.Shuffle(len(thousand), func(i, j int) { thousand[i], thousand[j] = thousand[j], thousand[i] })
	for name, tc := range map[string]struct {
		samples []time.Duration
		want    latencies
	}{
		"1..1000 ms, shuffled": {thousand, latencies{N: 1000, P50: ms(500), P99: ms(990), P999: ms(999), Max: ms(1000)}},
		"one sample":           {[]time.Duration{ms(7)}, latencies{N: 1, P50: ms(7), P99: ms(7), P999: ms(7), Max: ms(7)}},
		// With ten samples the 99th percentile is the largest: nine are not 99%.
		"ten samples": {[]time.Duration{ms(10), ms(1), ms(2), ms(3), ms(4), ms(5), ms(6), ms(7), ms(8), ms(9)},
			latencies{N: 10, P50: ms(5), P99: ms(10), P999: ms(10), Max: ms(10)}},
		"none": {nil, latencies{}},
	} {
		t.Run(name, func(t *testing.T) {
			if got := summarize(tc.samples); got != tc.want {
				t.Errorf("got %+v, want %+v", got, tc.want)
			}
		})
	}
}

func TestParseStatCPU(t *testing.T) {
	// A command name with spaces and parentheses must not shift the fields; utime is 250
	// ticks and stime 50, 3 s in all at USER_HZ 100.
	stat := []byte("4242 (web (hook) x) S 1 4242 4242 0 -1 4194560 1000 0 0 0 250 50 0 0 20 0 12 0 100 123456 789 18446744073709551615\n")
	got, err := parseStatCPU(stat)
	if err != nil || got != 3*time.Second {
		t.Fatalf("got %v, %v; want 3s", got, err)
	}
	if _, err := parseStatCPU([]byte("4242 (short) S 1")); err == nil {
		t.Error("a truncated stat line parsed")
	}
}

// TestLoadAgainstNullWebhook runs both load shapes briefly against the null webhook
// over real TLS and checks every request was answered, measured and admitted.
func TestLoadAgainstNullWebhook(t *testing.T) {
	t.Parallel()
	certDir := t.TempDir()
	ca, err := server.WriteSelfSigned(certDir, server.SelfSignedOptions{})
	if err != nil {
		t.Fatal(err)
	}
	cert, err := tls.LoadX509KeyPair(filepath.Join(certDir, server.CertFile), filepath.Join(certDir, server.KeyFile))
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := nullServer(cert)
	go func() {
		if err := srv.ServeTLS(ln, "", ""); !errors.Is(err, http.ErrServerClosed) {
			t.Error(err)
		}
	}()
	t.Cleanup(func() { srv.Close() })
	roots := x509.NewCertPool()
	roots.AppendCertsFromPEM(ca)
	client := newLoadClient(roots, 4)
	url := "https://" + ln.Addr().String() + "/validate"
	corpus, err := reviewCorpus(40)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()

	answers, err := collectAnswers(ctx, client, url, corpus)
	if err != nil {
		t.Fatal(err)
	}
	for i, a := range answers {
		if !a.Allowed || a.UID != corpus[i].uid {
			t.Errorf("review %d: answer %+v", i, a)
		}
	}

	closed := closedLoop(ctx, client, url, corpus, 4, 300*time.Millisecond)
	if closed.Errors != 0 || closed.Sent == 0 || closed.Latency.N != closed.Sent || closed.PerSecond <= 0 {
		t.Errorf("closed loop: %+v", closed)
	}

	open := openLoop(ctx, client, url, corpus, 200, 250*time.Millisecond)
	if open.Sent != 50 || open.Errors != 0 || open.Latency.N != 50 {
		t.Errorf("open loop at 200/s for 250ms: %+v, want 50 requests sent and measured", open)
	}
	if open.Latency.P50 <= 0 || open.Latency.P50 > open.Latency.Max {
		t.Errorf("open loop latencies out of order: %+v", open.Latency)
	}
}
