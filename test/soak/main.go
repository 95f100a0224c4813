// Command soak is `make soak` (issue 8): a bounded run of the real webhook binary under
// steady load while its policies change underneath it, then a report and an exit status.
//
//   - Saturation is measured first (closed loop), then load runs open loop at a fraction
//     of it (-load, default 0.5) for -duration (default $SOAK_DURATION, else 10m),
//     straight to the webhook's /validate over HTTPS: the API server is left out, as on a
//     2-core machine it, not the webhook, would be what saturates.
//   - Every -commit-every (30s) a commit lands in the policy repository on a real
//     loopback Git server (internal/gittest), alternately good (it flips the verdict on
//     probe Ingresses) and broken (a module that does not compile, or failing tests; it
//     flips the verdict too, so letting it through would show).
//   - Halfway through, the serving certificate in --cert-dir is replaced once.
//   - A fresh connection every 200ms checks which certificate is served.
//
// Every answer is judged by an oracle of which revision was active (see oracle). The
// report gives total requests, non-2xx answers, transport errors, wrong decisions, the
// commits activated and refused, the rotation, and the webhook's RSS and goroutines at
// the start and the end (both measured idle, after the load settles). It exits 1 if any
// request failed or was wrongly decided, a good commit was not activated, a broken one
// not refused, the certificate not picked up, the load fell short of its rate, or
// goroutines or memory grew beyond noise.
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/apiguard/apiguard/internal/gittest"
	"github.com/apiguard/apiguard/internal/kubetest"
	"github.com/apiguard/apiguard/pkg/policysync"
)

type options struct {
	duration    time.Duration
	commitEvery time.Duration
	load        float64
	calibrate   time.Duration
	workers     int
}

func main() {
	o := options{}
	def := 10 * time.Minute
	if s := os.Getenv("SOAK_DURATION"); s != "" {
		d, err := time.ParseDuration(s)
		if err != nil {
			fmt.Fprintln(os.Stderr, "soak: SOAK_DURATION:", err)
			os.Exit(2)
		}
		def = d
	}
	flag.DurationVar(&o.duration, "duration", def, "how long the steady load runs (default $SOAK_DURATION, else 10m)")
	flag.DurationVar(&o.commitEvery, "commit-every", 30*time.Second, "time between policy commits, alternately good and broken")
	flag.Float64Var(&o.load, "load", 0.5, "load as a fraction of the measured saturation")
	flag.DurationVar(&o.calibrate, "calibrate", 10*time.Second, "how long saturation is measured")
	flag.IntVar(&o.workers, "workers", 4*runtime.GOMAXPROCS(0), "concurrent clients when measuring saturation")
	flag.Parse()
	log.SetFlags(log.Ltime)
	ok, err := run(o)
	if err != nil {
		fmt.Fprintln(os.Stderr, "soak:", err)
		os.Exit(1)
	}
	if !ok {
		os.Exit(1)
	}
}

// soak is one run's moving parts.
type soak struct {
	o       options
	tb      *runTB
	wh      *kubetest.Webhook
	repo    *gittest.Repo
	ca      *kubetest.CA
	certDir string
	oracle  *oracle
	counts  *counts
	client  *client
	// set by the status poller and the certificate prober
	mu         sync.Mutex
	activated  map[string]time.Time // full revision -> first seen active
	refused    map[string]string    // full revision -> result /status gave
	serials    map[string]time.Time // serving certificate serial -> first seen
	handshakes int
	rotatedTo  string // the serial of the replacement certificate
	rotatedAt  time.Time
}

func run(o options) (ok bool, err error) {
	tb, err := newTB()
	if err != nil {
		return false, err
	}
	defer tb.close()
	defer func() {
		if r := recover(); r != nil {
			f, isFatal := r.(fatal)
			if !isFatal {
				panic(r)
			}
			err = fmt.Errorf("%s", string(f))
		}
	}()
	s := &soak{o: o, tb: tb, oracle: newOracle(), counts: &counts{},
		activated: map[string]time.Time{}, refused: map[string]string{}, serials: map[string]time.Time{}}
	if err := s.start(); err != nil {
		return false, err
	}
	return s.run(), nil
}

// start builds the webhook, creates the repository and certificates, and starts it.
func (s *soak) start() error {
	root, err := kubetest.RepoRoot()
	if err != nil {
		return err
	}
	log.Printf("building the webhook")
	bin, err := kubetest.Build(context.Background(), "./cmd/webhook", s.tb.TempDir())
	if err != nil {
		return err
	}
	srv := gittest.NewServer(s.tb, gittest.ServerOptions{})
	s.repo = srv.NewRepo(s.tb, "policies")
	s.repo.WriteTree(filepath.Join(root, "policies"), "policies")
	s.commit("bundled library and the soak probe, verdict deny", change{probePath: probeRego, testPath: probeTest, dataPath: dataFile("deny", 0)}, "deny")

	if s.ca, err = kubetest.NewCA(); err != nil {
		return err
	}
	s.certDir = s.tb.TempDir()
	if _, err := s.ca.WriteServing(s.certDir, time.Now().Add(-time.Hour)); err != nil {
		return err
	}
	s.wh, err = kubetest.StartWebhook(context.Background(), kubetest.WebhookOptions{Binary: bin, CertDir: s.certDir, Args: []string{
		"--git-url", s.repo.URL(), "--git-path", "policies", "--git-interval", "1s", "--git-cache-dir", s.tb.TempDir(),
		"--data-file", filepath.Join(root, "test", "examples-config.yaml"),
	}})
	if err != nil {
		return err
	}
	s.tb.Cleanup(func() { _ = s.wh.Stop() })
	s.client = &client{url: s.wh.URL, http: newHTTPClient(s.ca.Pool(), true), oracle: s.oracle, counts: s.counts}
	return nil
}

// commit writes ch, registers the revision with the oracle before anyone can fetch it,
// and pushes.
func (s *soak) commit(msg string, ch change, verdict string) string {
	s.repo.Apply(ch)
	sha := s.repo.Commit(msg)
	s.oracle.pushed(sha, verdict)
	s.repo.Push()
	return sha
}

func (s *soak) run() bool {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var bg sync.WaitGroup
	bg.Add(2)
	go func() { defer bg.Done(); s.pollStatus(ctx) }()
	go func() { defer bg.Done(); s.probeCertificates(ctx) }()

	log.Printf("measuring saturation for %s with %d clients", s.o.calibrate, s.o.workers)
	saturation := s.client.closedLoop(s.o.workers, s.o.calibrate)
	rate := saturation * s.o.load
	time.Sleep(2 * time.Second)
	rssStart, goStart := s.idleFigures()
	log.Printf("saturation %.0f req/s; soaking at %.0f req/s for %s", saturation, rate, s.o.duration)

	loadCtx, stopLoad := context.WithTimeout(ctx, s.o.duration)
	defer stopLoad()
	var issued, dropped int64
	loadDone := make(chan struct{})
	go func() {
		defer close(loadDone)
		// Enough workers that a latency spike (an activation taking both cores) queues
		// requests instead of dropping them.
		issued, dropped = s.client.openLoop(loadCtx, rate, 512)
	}()
	start := time.Now()
	s.counts.record(true)
	goods, brokens := s.changePolicies(start)
	<-loadDone
	s.counts.record(false)
	steady := time.Since(start)
	cancel()
	bg.Wait()
	time.Sleep(2 * time.Second)
	rssEnd, goEnd := s.idleFigures()
	return s.report(reportFigures{
		saturation: saturation, rate: rate, steady: steady, issued: issued, dropped: dropped,
		goods: goods, brokens: brokens, rssStart: rssStart, rssEnd: rssEnd, goStart: goStart, goEnd: goEnd,
	})
}

// changePolicies commits every commitEvery, alternately good and broken, and rotates the
// certificate once halfway; it returns when the load's duration is over.
func (s *soak) changePolicies(start time.Time) (goods, brokens map[string]string) {
	goods, brokens = map[string]string{}, map[string]string{}
	end := start.Add(s.o.duration)
	rotateAt := start.Add(s.o.duration / 2)
	rotated := false
	verdict, brokenLeft := "deny", false
	for k := 1; ; k++ {
		next := start.Add(time.Duration(k) * s.o.commitEvery)
		if !rotated && rotateAt.Before(next) && rotateAt.Before(end) {
			time.Sleep(time.Until(rotateAt))
			s.rotate()
			rotated = true
		}
		// The last commit leaves a commit interval for the webhook to act on it.
		if next.Add(5 * time.Second).After(end) {
			time.Sleep(time.Until(end))
			return goods, brokens
		}
		time.Sleep(time.Until(next))
		flipped := map[string]string{"deny": "allow", "allow": "deny"}[verdict]
		if k%2 == 1 {
			verdict = flipped
			sha := s.commit(fmt.Sprintf("good %d: probes %s", k, verdict), goodChange(verdict, k, brokenLeft), verdict)
			goods[sha] = verdict
			brokenLeft = false
			log.Printf("commit %d good (%s), probes now %s", k, sha[:7], verdict)
			continue
		}
		compile := k%4 == 2
		ch, want := brokenChange(flipped, k, compile)
		sha := s.commit(fmt.Sprintf("broken %d (%s)", k, want), ch, "broken")
		brokens[sha] = want
		brokenLeft = compile
		log.Printf("commit %d broken (%s), expecting %s", k, sha[:7], want)
	}
}

func (s *soak) rotate() {
	cert, err := s.ca.WriteServing(s.certDir, time.Now().Add(-time.Hour))
	if err != nil {
		s.tb.Fatalf("rotate: %v", err)
	}
	s.mu.Lock()
	s.rotatedTo, s.rotatedAt = cert.SerialNumber.String(), time.Now()
	s.mu.Unlock()
	log.Printf("serving certificate replaced (serial %s)", cert.SerialNumber)
}

// pollStatus records, every 250ms, which revision is active and which were refused.
func (s *soak) pollStatus(ctx context.Context) {
	for ctx.Err() == nil {
		if st, err := s.wh.Status(); err == nil {
			s.oracle.sawActive(st.Revision)
			s.mu.Lock()
			if _, seen := s.activated[st.Revision]; !seen {
				s.activated[st.Revision] = time.Now()
			}
			if e := st.LastError; e != nil && e.Revision != "" {
				s.refused[e.Revision] = e.Result
			}
			s.mu.Unlock()
		}
		sleep(ctx, 250*time.Millisecond)
	}
}

// probeCertificates sends one review every 200ms on a fresh connection: a full TLS
// handshake each time, judged like any other request, noting the certificate served.
func (s *soak) probeCertificates(ctx context.Context) {
	hc := newHTTPClient(s.ca.Pool(), false)
	for ctx.Err() == nil {
		res := s.client.one(ctx, hc)
		if r := res.Response; r != nil && r.TLS != nil && len(r.TLS.PeerCertificates) > 0 {
			serial := r.TLS.PeerCertificates[0].SerialNumber.String()
			s.mu.Lock()
			s.handshakes++
			if _, seen := s.serials[serial]; !seen {
				s.serials[serial] = time.Now()
			}
			s.mu.Unlock()
		}
		sleep(ctx, 200*time.Millisecond)
	}
}

func sleep(ctx context.Context, d time.Duration) {
	select {
	case <-ctx.Done():
	case <-time.After(d):
	}
}

// idleFigures reads the webhook's resident memory (MiB) and goroutine count.
func (s *soak) idleFigures() (rssMiB, goroutines float64) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", s.wh.PID()))
	if err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmRSS:" {
				kb, _ := strconv.ParseFloat(f[1], 64)
				rssMiB = kb / 1024
			}
		}
	}
	goroutines, _ = s.wh.Metric("go_goroutines")
	return rssMiB, goroutines
}

type reportFigures struct {
	saturation, rate                 float64
	steady                           time.Duration
	issued, dropped                  int64
	goods, brokens                   map[string]string
	rssStart, rssEnd, goStart, goEnd float64
}

// Growth beyond these is not noise: a leak of one goroutine per request or per reload
// would pass them within the first minute.
const (
	goroutineSlack = 20
	rssGrowth      = 1.5
	rssSlackMiB    = 32
)

func (s *soak) report(f reportFigures) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	var failures []string
	fail := func(format string, args ...any) { failures = append(failures, fmt.Sprintf(format, args...)) }

	total := s.counts.total.Load()
	achieved := float64(f.issued-f.dropped) / f.steady.Seconds()
	fmt.Printf("\n=== soak report ===\n")
	fmt.Printf("duration          %s steady load (after %s measuring saturation)\n", f.steady.Round(time.Second), s.o.calibrate)
	fmt.Printf("saturation        %.0f req/s, closed loop, %d clients, webhook and client on %d CPUs\n", f.saturation, s.o.workers, runtime.NumCPU())
	fmt.Printf("load              %.0f req/s target (%.0f%%), %.0f req/s achieved, %d dropped by the generator\n", f.rate, 100*s.o.load, achieved, f.dropped)
	fmt.Printf("requests          %d total (saturation run included), %d non-2xx, %d transport errors, %d wrong decisions\n",
		total, s.counts.non2xx.Load(), s.counts.transport.Load(), s.counts.wrong.Load())
	p50, p99, worst := s.counts.percentiles()
	fmt.Printf("latency           p50 %s, p99 %s, max %s (answered requests under the steady load)\n",
		p50.Round(10*time.Microsecond), p99.Round(10*time.Microsecond), worst.Round(time.Millisecond))
	if s.counts.non2xx.Load()+s.counts.transport.Load() > 0 {
		fail("%d requests failed", s.counts.non2xx.Load()+s.counts.transport.Load())
	}
	if s.counts.wrong.Load() > 0 {
		fail("%d requests wrongly decided", s.counts.wrong.Load())
	}
	if achieved < 0.8*f.rate {
		fail("the generator reached only %.0f of %.0f req/s", achieved, f.rate)
	}

	activated := 0
	for sha := range f.goods {
		if _, ok := s.activated[sha]; ok {
			activated++
		} else {
			fail("good commit %s never became active", sha[:7])
		}
	}
	byResult := map[string]int{}
	for sha, want := range f.brokens {
		got := s.refused[sha]
		byResult[got]++
		if got != want {
			fail("broken commit %s: refused as %q, want %q", sha[:7], got, want)
		}
		if _, ok := s.activated[sha]; ok {
			fail("broken commit %s became active", sha[:7])
		}
	}
	fmt.Printf("policy commits    %d good, %d activated; %d broken, refused: %v\n", len(f.goods), activated, len(f.brokens), byResult)
	for _, r := range []string{policysync.ResultActivated, policysync.ResultCompileFailed, policysync.ResultTestsFailed, policysync.ResultFetchFailed} {
		v, _ := s.wh.Metric(`apiguard_policy_sync_total{result="` + r + `"}`)
		fmt.Printf("                  apiguard_policy_sync_total{result=%q} %v\n", r, v)
	}

	switch seen, ok := s.serials[s.rotatedTo]; {
	case s.rotatedTo == "":
		fmt.Printf("certificate       not rotated (the run is shorter than one commit interval)\n")
	case !ok:
		fail("the replaced certificate was never served")
	default:
		fmt.Printf("certificate       replaced at %s; served %s later; %d fresh handshakes in all\n",
			s.rotatedAt.Format(time.TimeOnly), seen.Sub(s.rotatedAt).Round(time.Millisecond), s.handshakes)
	}

	fmt.Printf("webhook RSS       %.1f MiB at the start, %.1f MiB at the end\n", f.rssStart, f.rssEnd)
	fmt.Printf("goroutines        %.0f at the start, %.0f at the end\n", f.goStart, f.goEnd)
	if f.goEnd > f.goStart+goroutineSlack {
		fail("goroutines grew from %.0f to %.0f", f.goStart, f.goEnd)
	}
	if f.rssEnd > f.rssStart*rssGrowth+rssSlackMiB {
		fail("RSS grew from %.1f to %.1f MiB", f.rssStart, f.rssEnd)
	}
	if len(s.counts.examples) > 0 {
		fmt.Printf("examples          %s\n", strings.Join(s.counts.examples, "\n                  "))
	}
	if len(failures) > 0 {
		sort.Strings(failures)
		fmt.Printf("result            FAIL\n  %s\n", strings.Join(failures, "\n  "))
		fmt.Printf("--- webhook log tail ---\n%s\n", s.wh.Logs())
		return false
	}
	fmt.Printf("result            PASS\n")
	return true
}
