package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/apiguard/apiguard/internal/kubetest"
	"github.com/apiguard/apiguard/pkg/policy"
)

// oracle knows, for every revision the soak pushed, what it must decide, and which
// revisions may decide a request at all.
//
// Every answer names the revision that decided it (the policy-revision audit
// annotation). That revision must be a good one (a refused commit never decides), its
// verdict must be the one that revision implies, and it must be current: not older than
// the revision /status already showed active when the request was sent. A request that
// races an activation may be decided by either the old or the new revision, and both
// answers are right as long as each matches its own revision; so the window is [active
// when sent, newest pushed], and a revision is registered here before it is pushed.
type oracle struct {
	mu        sync.RWMutex
	verdicts  map[string]string // short revision -> "deny", "allow" or "broken"
	good      []string          // good short revisions, in push order
	confirmed atomic.Int64      // index in good of the newest revision /status showed
}

func newOracle() *oracle { return &oracle{verdicts: map[string]string{}} }

func (o *oracle) pushed(sha, verdict string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	short := policy.ShortRevision(sha)
	o.verdicts[short] = verdict
	if verdict != "broken" {
		o.good = append(o.good, short)
	}
}

// sawActive records the revision /status reports; it only ever moves forward.
func (o *oracle) sawActive(sha string) {
	o.mu.RLock()
	i := slices.Index(o.good, policy.ShortRevision(sha))
	o.mu.RUnlock()
	for {
		cur := o.confirmed.Load()
		if int64(i) <= cur || o.confirmed.CompareAndSwap(cur, int64(i)) {
			return
		}
	}
}

// probe kinds and what the bundled library plus the soak policy must say.
const (
	kindProbe    = "probe"    // secure, labelled: the verdict of the deciding revision
	kindSecure   = "secure"   // always admitted
	kindInsecure = "insecure" // always denied by ingress.require_tls
)

// check returns why an answer is wrong, or "" if it is right. lowest is o.confirmed
// when the request was sent.
func (o *oracle) check(kind string, lowest int64, res kubetest.Reviewed) string {
	o.mu.RLock()
	verdict, known := o.verdicts[res.Revision]
	index := slices.Index(o.good, res.Revision)
	o.mu.RUnlock()
	switch {
	case !known:
		return fmt.Sprintf("decided by unknown revision %q", res.Revision)
	case verdict == "broken":
		return "decided by refused revision " + res.Revision
	case int64(index) < lowest:
		return fmt.Sprintf("decided by %s, older than the revision active when sent", res.Revision)
	}
	switch kind {
	case kindSecure:
		if !res.Allowed {
			return "secure Ingress denied: " + res.Message
		}
	case kindInsecure:
		if res.Allowed || !strings.Contains(res.Message, "[ingress.require_tls]") {
			return fmt.Sprintf("insecure Ingress allowed=%v: %s", res.Allowed, res.Message)
		}
	case kindProbe:
		wantAllowed := verdict == "allow"
		if res.Allowed != wantAllowed || (!res.Allowed && !strings.Contains(res.Message, "[soak.probe]")) {
			return fmt.Sprintf("probe under %s (verdict %s): allowed=%v %s", res.Revision, verdict, res.Allowed, res.Message)
		}
	}
	return ""
}

// counts are the soak's request figures.
type counts struct {
	total, non2xx, transport, wrong atomic.Int64
	mu                              sync.Mutex
	examples                        []string
	latencies                       []time.Duration // of answered requests, while recording
	recording                       bool
}

// latency records d while the steady phase runs.
func (c *counts) latency(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.recording {
		c.latencies = append(c.latencies, d)
	}
}

// record switches latency recording on or off.
func (c *counts) record(on bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.recording = on
}

// percentiles returns the p50, p99 and maximum of the recorded latencies.
func (c *counts) percentiles() (p50, p99, worst time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	l := slices.Clone(c.latencies)
	if len(l) == 0 {
		return 0, 0, 0
	}
	slices.Sort(l)
	return l[len(l)/2], l[len(l)*99/100], l[len(l)-1]
}

func (c *counts) note(format string, args ...any) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.examples) < 10 {
		c.examples = append(c.examples, fmt.Sprintf(format, args...))
	}
}

// client sends reviews of the three kinds in turn and judges each answer.
type client struct {
	url    string
	http   *http.Client
	oracle *oracle
	counts *counts
	seq    atomic.Int64
}

func newHTTPClient(roots *x509.CertPool, keepAlive bool) *http.Client {
	return &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{
		TLSClientConfig:     &tls.Config{RootCAs: roots},
		ForceAttemptHTTP2:   true,
		DisableKeepAlives:   !keepAlive,
		MaxIdleConnsPerHost: 64,
	}}
}

// one sends one review and returns the answer.
func (c *client) one(ctx context.Context, hc *http.Client) kubetest.Reviewed {
	n := c.seq.Add(1)
	kind := []string{kindProbe, kindSecure, kindProbe, kindInsecure}[n%4]
	name := fmt.Sprintf("soak-%d", n)
	ing := kubetest.Ingress("team-soak", name, name+".example.com", kind != kindInsecure)
	if kind == kindProbe {
		ing.Labels[probeLabel] = "true"
	}
	lowest := c.oracle.confirmed.Load()
	res := kubetest.Review(ctx, hc, c.url+"/validate", ing)
	c.counts.total.Add(1)
	switch {
	case res.Err != nil:
		c.counts.transport.Add(1)
		c.counts.note("%s: %v", kind, res.Err)
	case res.Status != http.StatusOK:
		c.counts.non2xx.Add(1)
		c.counts.note("%s: HTTP %d %.200s", kind, res.Status, res.Message)
	default:
		c.counts.latency(res.Latency)
		if why := c.oracle.check(kind, lowest, res); why != "" {
			c.counts.wrong.Add(1)
			c.counts.note("wrong: %s", why)
		}
	}
	return res
}

// closedLoop runs workers back to back for d and returns the answered requests per
// second: the saturation point of webhook and client together on this machine.
func (c *client) closedLoop(workers int, d time.Duration) float64 {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	var ok atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				if res := c.one(context.Background(), c.http); res.Err == nil && res.Status == http.StatusOK {
					ok.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	return float64(ok.Load()) / time.Since(start).Seconds()
}

// openLoop issues requests at rate per second until ctx ends, from a pool of workers,
// independent of how fast answers come back (a closed loop would slow down with the
// webhook and hide stalls). A request due while every worker is busy is counted as
// dropped: the generator could not keep the rate.
func (c *client) openLoop(ctx context.Context, rate float64, workers int) (issued, dropped int64) {
	jobs := make(chan struct{}, workers)
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range jobs {
				c.one(context.Background(), c.http)
			}
		}()
	}
	start := time.Now()
	for ctx.Err() == nil {
		due := int64(rate * time.Since(start).Seconds())
		for ; issued < due; issued++ {
			select {
			case jobs <- struct{}{}:
			default:
				dropped++
			}
		}
		time.Sleep(2 * time.Millisecond)
	}
	close(jobs)
	wg.Wait()
	return issued, dropped
}
