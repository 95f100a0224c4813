package main

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// requestTimeout bounds one request. It is far above any healthy latency; a request that
// hits it is counted as an error, never as a sample.
const requestTimeout = 10 * time.Second

// newLoadClient returns an HTTPS client holding at most conns keep-alive connections to
// one target. HTTP/1.1 only, for every target alike: with HTTP/2 one connection would
// multiplex everything and "N connections" would mean nothing.
func newLoadClient(roots *x509.CertPool, conns int) *http.Client {
	return &http.Client{
		Timeout: requestTimeout,
		Transport: &http.Transport{
			TLSClientConfig:     &tls.Config{RootCAs: roots, MinVersion: tls.VersionTLS13},
			TLSNextProto:        map[string]func(string, *tls.Conn) http.RoundTripper{},
			MaxConnsPerHost:     conns,
			MaxIdleConnsPerHost: conns,
			IdleConnTimeout:     time.Minute,
			DisableCompression:  true,
		},
	}
}

// post sends one AdmissionReview and drains the answer, so the connection is reused.
// Anything but 200 is an error: all three targets answer every review with 200.
func post(ctx context.Context, c *http.Client, url string, body []byte) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("HTTP %d: %.200s", resp.StatusCode, b)
	}
	return b, nil
}

// loadResult is one load run against one target.
type loadResult struct {
	Sent      int           `json:"sent"`
	Errors    int           `json:"errors"`
	FirstErr  string        `json:"first_error,omitempty"`
	Elapsed   time.Duration `json:"elapsed_ns"`
	PerSecond float64       `json:"per_second"`
	Latency   latencies     `json:"latency"`
	// DispatchLag is how late the open-loop scheduler fired (p99): the harness's own
	// timing error, which the latencies include.
	DispatchLag time.Duration `json:"dispatch_lag_p99_ns,omitempty"`
}

// errorCount records failures from many goroutines and keeps the first for the report.
type errorCount struct {
	n     atomic.Int64
	once  sync.Once
	first string
}

func (e *errorCount) add(err error) {
	e.n.Add(1)
	e.once.Do(func() { e.first = err.Error() })
}

// closedLoop runs conns workers that each send the next review as soon as the previous
// answer arrives, for d: the saturated throughput. Workers stride through the corpus so
// no two send the same review at once.
func closedLoop(ctx context.Context, c *http.Client, url string, corpus []review, conns int, d time.Duration) loadResult {
	var errs errorCount
	perWorker := make([][]time.Duration, conns)
	start := time.Now()
	deadline := start.Add(d)
	var wg sync.WaitGroup
	for w := range conns {
		wg.Go(func() {
			for i := w; time.Now().Before(deadline) && ctx.Err() == nil; i += conns {
				t := time.Now()
				if _, err := post(ctx, c, url, corpus[i%len(corpus)].body); err != nil {
					errs.add(err)
					continue
				}
				perWorker[w] = append(perWorker[w], time.Since(t))
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	var all []time.Duration
	for _, s := range perWorker {
		all = append(all, s...)
	}
	return loadResult{
		Sent: len(all) + int(errs.n.Load()), Errors: int(errs.n.Load()), FirstErr: errs.first,
		Elapsed: elapsed, PerSecond: float64(len(all)) / elapsed.Seconds(), Latency: summarize(all),
	}
}

// openLoop sends rate requests per second for d on a fixed schedule, whatever the target
// does, and measures each latency from the request's intended send time. A target that
// stalls therefore shows the stall in every request scheduled behind it, instead of the
// generator politely waiting (coordinated omission).
func openLoop(ctx context.Context, c *http.Client, url string, corpus []review, rate float64, d time.Duration) loadResult {
	n := int(rate * d.Seconds())
	interval := time.Duration(float64(time.Second) / rate)
	samples := make([]time.Duration, n)
	ok := make([]bool, n)
	lags := make([]time.Duration, 0, n)
	var errs errorCount
	var wg sync.WaitGroup
	start := time.Now().Add(10 * time.Millisecond)
	for i := range n {
		intended := start.Add(time.Duration(i) * interval)
		if wait := time.Until(intended); wait > 0 {
			sleepPrecisely(wait)
		}
		if ctx.Err() != nil {
			break
		}
		lags = append(lags, time.Since(intended))
		wg.Go(func() {
			if _, err := post(ctx, c, url, corpus[i%len(corpus)].body); err != nil {
				errs.add(err)
				return
			}
			samples[i], ok[i] = time.Since(intended), true
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	var got []time.Duration
	for i, s := range samples {
		if ok[i] {
			got = append(got, s)
		}
	}
	return loadResult{
		Sent: len(lags), Errors: int(errs.n.Load()), FirstErr: errs.first,
		Elapsed: elapsed, PerSecond: float64(len(got)) / elapsed.Seconds(), Latency: summarize(got),
		DispatchLag: summarize(lags).P99,
	}
}
