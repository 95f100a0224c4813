package main

import (
	"context"
	"crypto/x509"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/apiguard/apiguard/pkg/policy"
)

type servingOptions struct {
	root     string
	reviews  int           // distinct AdmissionReviews in the corpus
	conns    int           // keep-alive connections per target
	duration time.Duration // of each measured closed-loop run
	openFor  time.Duration // of each fixed-rate run
	rounds   int           // closed-loop rounds per target; the median is reported
	rates    []float64
	// opaTutorial adds the tutorial-shaped OPA peer (see targets.go).
	opaTutorial bool
	// candidate is a second webhook binary measured alongside (see targets.go).
	candidate string
	// candidateEnv is added to the candidate's environment (-candidate-env), e.g.
	// GOGC=200; with no -candidate-webhook the candidate is bin/webhook itself.
	candidateEnv []string
	// baseline is an earlier apiguard with its own library (-baseline), or nil.
	baseline *baseline
}

// servingResult is everything measured about one target.
type servingResult struct {
	Name string `json:"name"`
	// IdleRSS is right after start, before any request; IdleRSSAfter once the load is over.
	IdleRSS      int64        `json:"idle_rss_bytes"`
	IdleRSSAfter int64        `json:"idle_rss_after_load_bytes"`
	PeakRSS      int64        `json:"peak_rss_bytes"`
	Saturated    []loadResult `json:"saturated"`
	// Throughput is the median of the closed-loop rounds, requests per second.
	Throughput float64 `json:"throughput_rps"`
	// CPUPer10k is the server's user+system CPU seconds per 10,000 requests, saturated.
	CPUPer10k float64   `json:"cpu_seconds_per_10k"`
	Rates     []rateRun `json:"fixed_rates"`
}

type rateRun struct {
	Rate   float64    `json:"rate_rps"`
	Result loadResult `json:"result"`
}

type servingResults struct {
	Conns    int             `json:"connections"`
	Verdicts verdicts        `json:"verdicts"`
	Targets  []servingResult `json:"targets"`
}

func (s servingResults) target(name string) servingResult {
	for _, t := range s.Targets {
		if t.Name == name {
			return t
		}
	}
	return servingResult{}
}

// runServing starts the three servers side by side, checks they answer the corpus alike,
// then loads each in turn: closed-loop rounds interleaved across targets so drift in the
// machine's load hits all of them, then each fixed rate for each target.
func runServing(ctx context.Context, log io.Writer, o servingOptions) (servingResults, error) {
	res := servingResults{Conns: o.conns}
	set, err := loadLibrary(ctx, o.root)
	if err != nil {
		return res, err
	}
	corpus, err := reviewCorpus(o.reviews)
	if err != nil {
		return res, err
	}
	ts, err := startTargets(ctx, o.root, set, o.opaTutorial, o.candidate, o.candidateEnv, o.baseline)
	if err != nil {
		return res, err
	}
	defer ts.stop()
	clients := loadClients(ts.list, ts.roots, o.conns)
	idle, err := idleRSS(ts.list)
	if err != nil {
		return res, err
	}
	byName := map[string]*servingResult{}
	for _, t := range ts.list {
		res.Targets = append(res.Targets, servingResult{Name: t.name, IdleRSS: idle[t.name]})
	}
	for i := range res.Targets {
		byName[res.Targets[i].Name] = &res.Targets[i]
	}

	fmt.Fprintf(log, "serving: checking %d reviews against every target\n", len(corpus))
	if res.Verdicts, err = checkVerdicts(ctx, ts.list, clients, corpus); err != nil {
		return res, err
	}

	if err := measureTargets(ctx, log, "serving", ts.list, clients, corpus, o, o.rates, func(name string) *servingResult { return byName[name] }); err != nil {
		return res, err
	}
	return res, nil
}

// loadClients gives each target its own keep-alive client, so no target's connections
// are reused for another's load.
func loadClients(list []target, roots *x509.CertPool, conns int) map[string]*http.Client {
	clients := map[string]*http.Client{}
	for _, t := range list {
		clients[t.name] = newLoadClient(roots, conns)
	}
	return clients
}

// idleRSS lets start-up garbage settle, then reads each target's resident memory.
func idleRSS(list []target) (map[string]int64, error) {
	time.Sleep(2 * time.Second)
	rss := map[string]int64{}
	for _, t := range list {
		s, err := readProc(t.pid)
		if err != nil {
			return nil, err
		}
		rss[t.name] = s.RSS
	}
	return rss, nil
}

// measureTargets runs the measured part of a section over its targets: closed-loop
// rounds at saturation, interleaved and rotated so drift in the machine's load hits every
// target, with each process's CPU read around its rounds; then each fixed rate for each
// target; then idle memory once the connections are closed. It fills each target's
// result, which result returns by name.
func measureTargets(ctx context.Context, log io.Writer, section string, list []target, clients map[string]*http.Client, corpus []review, o servingOptions, rates []float64, result func(name string) *servingResult) error {
	cpu := map[string]time.Duration{}
	served := map[string]int{}
	for round := range o.rounds {
		for _, t := range rotate(list, round) {
			fmt.Fprintf(log, "%s: saturating %s (round %d of %d, %d connections, %s)\n", section, t.name, round+1, o.rounds, o.conns, o.duration)
			closedLoop(ctx, clients[t.name], t.url, corpus, o.conns, time.Second) // warm the connections
			before, err := readProc(t.pid)
			if err != nil {
				return err
			}
			r := closedLoop(ctx, clients[t.name], t.url, corpus, o.conns, o.duration)
			after, err := readProc(t.pid)
			if err != nil {
				return err
			}
			// A failed request (say, a webhook answering 500 when an evaluation outlives
			// its deadline) is a result, not a harness failure: it is reported with the
			// run, and only answered requests count as throughput.
			cpu[t.name] += after.CPU - before.CPU
			served[t.name] += r.Sent
			result(t.name).Saturated = append(result(t.name).Saturated, r)
		}
	}
	for _, rate := range rates {
		for _, t := range list {
			fmt.Fprintf(log, "%s: %s at %.0f requests/s for %s\n", section, t.name, rate, o.openFor)
			closedLoop(ctx, clients[t.name], t.url, corpus, 2, 500*time.Millisecond)
			r := openLoop(ctx, clients[t.name], t.url, corpus, rate, o.openFor)
			result(t.name).Rates = append(result(t.name).Rates, rateRun{Rate: rate, Result: r})
		}
	}
	for _, c := range clients {
		c.CloseIdleConnections()
	}
	time.Sleep(2 * time.Second)
	for _, t := range list {
		s, err := readProc(t.pid)
		if err != nil {
			return err
		}
		r := result(t.name)
		r.IdleRSSAfter, r.PeakRSS = s.RSS, s.Peak
		if served[t.name] > 0 {
			r.CPUPer10k = cpu[t.name].Seconds() / float64(served[t.name]) * 10000
		}
		r.Throughput = medianThroughput(r.Saturated)
	}
	return nil
}

// rotate starts round r at a different target, so no target always runs first.
func rotate(ts []target, r int) []target {
	k := r % len(ts)
	return append(slices.Clone(ts[k:]), ts[:k]...)
}

func medianThroughput(rs []loadResult) float64 {
	if len(rs) == 0 {
		return 0
	}
	v := make([]float64, len(rs))
	for i, r := range rs {
		v[i] = r.PerSecond
	}
	slices.Sort(v)
	return v[len(v)/2]
}

// loadLibrary compiles the bundled library with the examples configuration, as the
// webhook under test loads it.
func loadLibrary(ctx context.Context, root string) (*policy.PolicySet, error) {
	config, err := policy.ReadDataFiles([]string{filepath.Join(root, "test", "examples-config.yaml")})
	if err != nil {
		return nil, err
	}
	return policy.Load(ctx, os.DirFS(filepath.Join(root, "policies")), policy.LoadOptions{Revision: "bench", Data: config})
}
