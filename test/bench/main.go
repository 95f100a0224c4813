// Command bench is apiguard's side-by-side benchmark harness. It measures apiguard and
// its peers in one run on one machine and prints absolute figures with ratios: the
// machine is noisy, so the ratios are what we track.
//
//	go run ./test/bench                  # every section: offline, serving, reload, apiserver
//	go run ./test/bench -quick           # the same, shorter (a smoke run, not for figures)
//	go run ./test/bench -only serving    # some sections
//	go run ./test/bench -offline         # apiguard check against conftest test only
//
// Sections:
//   - offline: apiguard check against conftest test on generated manifests (offline.go);
//   - serving: the apiguard webhook, OPA server and a null webhook under the same load
//     (serving.go);
//   - reload: compile and swap of the bundled library and of a synthetic large one;
//   - apiserver: Ingress creates through a real kube-apiserver with and without the webhook;
//   - peers: apiguard against Gatekeeper and Kyverno on five shared checks (peers.go;
//     needs make peer-bins).
//
// Results go to bench/results.json and bench/latency.svg under the repository root.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
)

func sectionNames() []string { return []string{"offline", "serving", "reload", "apiserver", "peers"} }

// options are the flags of one run.
type options struct {
	only      string
	offline   bool
	quick     bool
	out       string
	serving   servingOptions
	rates     string
	peerRates string
	synthetic int
	reloads   int
	creates   int
	off       offlineOptions
	// baseline is a commit of this repository to build and measure alongside.
	baseline string
	// reprint prints the tables of an earlier run's results.json instead of running.
	reprint string
	// serveNull and certDir run this binary as the null webhook (see targets.go).
	serveNull string
	certDir   string
}

func main() {
	var o options
	sections := sectionNames()
	flag.StringVar(&o.only, "only", strings.Join(sections, ","), "comma-separated sections to run: "+strings.Join(sections, ", "))
	flag.BoolVar(&o.offline, "offline", false, "run only the offline section (same as -only offline)")
	flag.BoolVar(&o.quick, "quick", false, "a short run with small corpora, to check the harness works; its figures are not for publishing")
	flag.StringVar(&o.out, "out", "", "directory for results.json and latency.svg (default <root>/bench)")
	flag.IntVar(&o.off.objects, "objects", 10000, "offline: manifests in the corpus")
	flag.IntVar(&o.off.runs, "runs", 3, "offline: runs per tool; the median is reported")
	flag.StringVar(&o.off.root, "root", ".", "repository root (policies/, bin/, test/)")
	flag.IntVar(&o.serving.reviews, "reviews", 10000, "serving: distinct AdmissionReviews in the corpus")
	flag.IntVar(&o.serving.conns, "conns", 16, "serving: keep-alive connections per target")
	flag.DurationVar(&o.serving.duration, "duration", 10*time.Second, "serving: length of each saturated run")
	flag.IntVar(&o.serving.rounds, "rounds", 3, "serving: saturated runs per target; the median is reported")
	flag.StringVar(&o.rates, "rates", "200,500,1000", "serving: fixed rates in requests per second")
	flag.StringVar(&o.peerRates, "peer-rates", "100,300", "peers: fixed rates in requests per second")
	flag.DurationVar(&o.serving.openFor, "rate-duration", 15*time.Second, "serving: length of each fixed-rate run")
	flag.BoolVar(&o.serving.opaTutorial, "opa-tutorial", true, "serving: also run OPA the way its Kubernetes tutorial does, every policy for every request (the goals are judged against the faster, kind-indexed OPA)")
	flag.StringVar(&o.serving.candidate, "candidate-webhook", "", "serving: a second webhook binary to measure alongside bin/webhook, e.g. with an optimisation applied")
	flag.Func("candidate-env", "serving: KEY=VALUE added to the candidate webhook's environment (repeatable), e.g. GOGC=200; without -candidate-webhook the candidate is bin/webhook", func(v string) error {
		if !strings.Contains(v, "=") {
			return fmt.Errorf("want KEY=VALUE, got %q", v)
		}
		o.serving.candidateEnv = append(o.serving.candidateEnv, v)
		return nil
	})
	flag.IntVar(&o.synthetic, "synthetic-policies", 500, "reload: policies in the synthetic library")
	flag.IntVar(&o.reloads, "reloads", 5, "reload: compiles per library; the median is reported")
	flag.IntVar(&o.creates, "creates", 500, "apiserver: Ingresses created per namespace")
	flag.StringVar(&o.baseline, "baseline", "", "offline and serving: also measure the apiguard of this commit (git rev), built with its own bundled library, e.g. the last release; make bench sets it")
	flag.StringVar(&o.reprint, "print", "", "print the tables and goals of an earlier results.json, without running anything")
	flag.StringVar(&o.serveNull, "serve-null", "", "internal: serve the null webhook on this address")
	flag.StringVar(&o.certDir, "cert-dir", "", "internal: tls.crt and tls.key for -serve-null")
	flag.Parse()
	if o.serveNull != "" {
		if err := serveNull(o.serveNull, o.certDir); err != nil {
			fatal(err)
		}
		return
	}
	if o.reprint != "" {
		if err := reprint(o.reprint); err != nil {
			fatal(err)
		}
		return
	}
	if err := run(o); err != nil {
		fatal(err)
	}
}

// reprint judges and prints a stored run again, e.g. after the report learned to say more.
func reprint(path string) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	var res benchResults
	if err := json.Unmarshal(b, &res); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	res.Goals = nil
	res.judge()
	return res.print(os.Stdout)
}

func run(o options) error {
	root, err := filepath.Abs(o.off.root)
	if err != nil {
		return err
	}
	o.off.root, o.serving.root = root, root
	if o.out == "" {
		o.out = filepath.Join(root, "bench")
	}
	if o.offline {
		o.only = "offline"
	}
	sections := sectionNames()
	want := map[string]bool{}
	for _, s := range strings.Split(o.only, ",") {
		if s = strings.TrimSpace(s); !slices.Contains(sections, s) {
			return fmt.Errorf("-only: unknown section %q (want %s)", s, strings.Join(sections, ", "))
		}
		want[s] = true
	}
	if o.quick {
		shorten(&o)
	}
	if o.serving.rates, err = parseRates(o.rates); err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	log := os.Stderr
	res := &benchResults{Date: time.Now(), Machine: thisMachine(), Quick: o.quick}
	if o.baseline != "" && (want["offline"] || want["serving"]) {
		b, err := buildBaseline(ctx, log, root, o.baseline)
		if err != nil {
			return err
		}
		defer b.remove()
		o.off.baseline, o.serving.baseline, res.Baseline = b, b, b
	}
	var errs []error
	if want["offline"] {
		if f, err := runOffline(os.Stdout, o.off); err != nil {
			errs = append(errs, fmt.Errorf("offline: %w", err))
		} else {
			res.Offline = &f
		}
	}
	if want["serving"] && ctx.Err() == nil {
		s, err := runServing(ctx, log, o.serving)
		if err != nil {
			errs = append(errs, fmt.Errorf("serving: %w", err))
		} else {
			res.Serving = &s
		}
	}
	if want["peers"] && ctx.Err() == nil {
		rates, err := parseRates(o.peerRates)
		if err != nil {
			return err
		}
		p, err := runPeers(ctx, log, o.serving, rates, o.creates)
		if err != nil {
			errs = append(errs, fmt.Errorf("peers: %w", err))
		} else {
			res.Peers = &p
		}
	}
	if want["reload"] && ctx.Err() == nil {
		r, err := runReload(ctx, log, root, o.synthetic, o.reloads)
		if err != nil {
			errs = append(errs, fmt.Errorf("reload: %w", err))
		} else {
			res.Reload = &r
		}
	}
	if want["apiserver"] && ctx.Err() == nil {
		a, err := runAPIServer(ctx, log, root, o.creates)
		if err != nil {
			errs = append(errs, fmt.Errorf("apiserver: %w", err))
		} else {
			res.APIServer = &a
		}
	}
	if res.Serving != nil || res.Reload != nil || res.APIServer != nil || res.Peers != nil {
		res.judge()
		if err := res.print(os.Stdout); err != nil {
			return err
		}
		if err := res.write(o.out); err != nil {
			return err
		}
		fmt.Fprintf(os.Stdout, "\nwrote %s and %s\n", filepath.Join(o.out, "results.json"), filepath.Join(o.out, "latency.svg"))
	}
	return errors.Join(errs...)
}

// shorten applies -quick to every size the user did not set explicitly.
func shorten(o *options) {
	set := map[string]bool{}
	flag.Visit(func(f *flag.Flag) { set[f.Name] = true })
	quick := map[string]func(){
		"objects":       func() { o.off.objects = 1000 },
		"runs":          func() { o.off.runs = 1 },
		"reviews":       func() { o.serving.reviews = 2000 },
		"duration":      func() { o.serving.duration = 3 * time.Second },
		"rounds":        func() { o.serving.rounds = 1 },
		"rate-duration": func() { o.serving.openFor = 3 * time.Second },
		"reloads":       func() { o.reloads = 3 },
		"creates":       func() { o.creates = 100 },
	}
	for name, apply := range quick {
		if !set[name] {
			apply()
		}
	}
}

func parseRates(s string) ([]float64, error) {
	var rates []float64
	for _, f := range strings.Split(s, ",") {
		r, err := strconv.ParseFloat(strings.TrimSpace(f), 64)
		if err != nil || r <= 0 {
			return nil, fmt.Errorf("-rates: %q is not a positive number", f)
		}
		rates = append(rates, r)
	}
	return rates, nil
}

func fatal(err error) {
	fmt.Fprintln(os.Stderr, "bench:", err)
	os.Exit(1)
}
