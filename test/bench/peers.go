package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"sync"
	"sync/atomic"
	"text/tabwriter"
)

// The peers section (issue 18, section 4): apiguard against the guardrails users would
// actually pick, Gatekeeper and Kyverno, on the same five checks, each in its own
// language (test/bench/peers/), all running against one real kube-apiserver with their
// own inventories, side by side in one run. apiguard with its full library and the null
// webhook run beside them for reference.

// peerResult is servingResult with what the peers section adds.
type peerResult struct {
	servingResult
	// RSSAfter10k is read after exactly 10,000 requests (after the verdict check).
	RSSAfter10k int64 `json:"rss_after_10k_bytes"`
	// SharesProcessWith names the target whose process this one is (Kyverno's two
	// engines live in one admission controller): its RSS is that process's.
	SharesProcessWith string `json:"shares_process_with,omitempty"`
}

type peersResults struct {
	Conns    int               `json:"connections"`
	Reviews  int               `json:"reviews"`
	Denied   map[string]int    `json:"denied"`
	Versions map[string]string `json:"versions"`
	// FixedCases is how many objects of the fixed verdict set every engine judged alike.
	FixedCases int          `json:"fixed_cases"`
	Targets    []peerResult `json:"targets"`
	// Creates are the Ingress creates through the API server (-creates; 0 skips them).
	Creates *peerCreateResults `json:"creates,omitempty"`
}

func (p peersResults) target(name string) peerResult {
	for _, t := range p.Targets {
		if t.Name == name {
			return t
		}
	}
	return peerResult{}
}

// peerRequestsForRSS is how many requests each target serves before its RSS is read.
const peerRequestsForRSS = 10000

// runPeers starts the peer stack, checks every engine gives apiguard-5's verdict on every
// review of the corpus, then measures as runServing does: idle RSS, RSS after 10k
// requests, closed-loop rounds interleaved across targets (rotated each round), then each
// fixed rate for each target.
func runPeers(ctx context.Context, log io.Writer, o servingOptions, rates []float64, creates int) (peersResults, error) {
	res := peersResults{Conns: o.conns, Denied: map[string]int{}, Versions: map[string]string{
		targetGatekeeper: gatekeeperVersion, targetKyvernoCEL: kyvernoVersion, targetKyvernoJMES: kyvernoVersion,
	}}
	corpus, err := peerCorpus(o.reviews)
	if err != nil {
		return res, err
	}
	self, err := os.Executable()
	if err != nil {
		return res, err
	}
	stack, err := startPeerStack(ctx, log, o.root, self)
	if err != nil {
		return res, err
	}
	defer stack.stop()
	res.FixedCases = len(peerVerdictCases())
	res.Reviews = len(corpus)
	clients := loadClients(stack.list, stack.roots, o.conns)
	idle, err := idleRSS(stack.list)
	if err != nil {
		return res, err
	}
	byName := map[string]*peerResult{}
	for _, t := range stack.list {
		res.Targets = append(res.Targets, peerResult{servingResult: servingResult{Name: t.name, IdleRSS: idle[t.name]}, SharesProcessWith: stack.shared[t.name]})
	}
	for i := range res.Targets {
		byName[res.Targets[i].Name] = &res.Targets[i]
	}

	fmt.Fprintf(log, "peers: checking %d reviews against every target\n", len(corpus))
	if err := peerCorpusVerdicts(ctx, stack.list, clients, corpus, res.Denied); err != nil {
		return res, err
	}
	for _, t := range stack.list {
		fmt.Fprintf(log, "peers: %d requests to %s before reading its RSS\n", peerRequestsForRSS, t.name)
		if failed := sendN(ctx, clients[t.name], t.url, corpus, o.conns, peerRequestsForRSS); failed > 0 {
			fmt.Fprintf(log, "peers: %s: %d of %d requests failed\n", t.name, failed, peerRequestsForRSS)
		}
		s, err := readProc(t.pid)
		if err != nil {
			return res, err
		}
		byName[t.name].RSSAfter10k = s.RSS
	}

	if err := measureTargets(ctx, log, "peers", stack.list, clients, corpus, o, rates, func(name string) *servingResult { return &byName[name].servingResult }); err != nil {
		return res, err
	}
	if creates > 0 && ctx.Err() == nil {
		c, err := runPeerCreates(ctx, log, stack, creates)
		if err != nil {
			return res, fmt.Errorf("creates through the API server: %w", err)
		}
		res.Creates = &c
	}
	return res, nil
}

// peerCorpusVerdicts sends the whole corpus to every target: each engine of the five
// checks must admit exactly what apiguard-5 admits, and apiguard-5 what each review was
// built to get; the null webhook must admit everything. apiguard-full judges more than the
// five checks and is only counted. denied receives each target's denials.
func peerCorpusVerdicts(ctx context.Context, ts []target, clients map[string]*http.Client, corpus []review, denied map[string]int) error {
	answers := map[string][]answer{}
	for _, t := range ts {
		got, err := collectAnswers(ctx, clients[t.name], t.url, corpus)
		if err != nil {
			return fmt.Errorf("%s: %w", t.name, err)
		}
		answers[t.name] = got
		for _, a := range got {
			if !a.Allowed {
				denied[t.name]++
			}
		}
	}
	var bad []string
	mismatches := 0
	for i, r := range corpus {
		ours := answers[targetApiguard5][i]
		check := func(ok bool, format string, args ...any) {
			if ok {
				return
			}
			mismatches++
			if len(bad) < maxMismatchDetails {
				bad = append(bad, fmt.Sprintf("review %d (%s, built to %s): %s", i, r.kind, describeVariant(r), fmt.Sprintf(format, args...)))
			}
		}
		check(ours.Allowed == r.wantAllowed, "apiguard-5 allowed=%v %q", ours.Allowed, ours.Denials)
		for _, t := range ts {
			a := answers[t.name][i]
			check(a.UID == r.uid, "%s answered UID %q", t.name, a.UID)
			switch t.name {
			case targetApiguard5, targetApiguardAll:
			case targetNull:
				check(a.Allowed, "null webhook denied")
			default:
				check(a.Allowed == ours.Allowed, "apiguard-5 allowed=%v %q; %s allowed=%v %q", ours.Allowed, ours.Denials, t.name, a.Allowed, a.Denials)
			}
		}
	}
	if mismatches > 0 {
		return fmt.Errorf("%d disagreements over %d reviews; first:\n  %s", mismatches, len(corpus), joinLines(bad))
	}
	return nil
}

func joinLines(lines []string) string {
	out := ""
	for i, l := range lines {
		if i > 0 {
			out += "\n  "
		}
		out += l
	}
	return out
}

// sendN sends n reviews of the corpus over conns connections and returns how many failed.
func sendN(ctx context.Context, c *http.Client, url string, corpus []review, conns, n int) int {
	var next, failed atomic.Int64
	var wg sync.WaitGroup
	for range conns {
		wg.Go(func() {
			for ctx.Err() == nil {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				if _, err := post(ctx, c, url, corpus[i%len(corpus)].body); err != nil {
					failed.Add(1)
				}
			}
		})
	}
	wg.Wait()
	return int(failed.Load())
}

// judgePeers adds the goals of issue 18 that the peers section speaks to.
func (r *benchResults) judgePeers() {
	p := r.Peers
	if p == nil {
		return
	}
	ours := p.target(targetApiguard5)
	if ours.Throughput == 0 {
		return
	}
	for _, peer := range []struct{ name, label string }{
		{targetGatekeeper, "Gatekeeper " + gatekeeperVersion},
		{targetKyvernoCEL, "Kyverno " + kyvernoVersion + " ValidatingPolicy (CEL)"},
	} {
		t := p.target(peer.name)
		if t.Throughput == 0 {
			continue
		}
		r.Goals = append(r.Goals, newGoal("five checks: saturated throughput ≥ 3× "+peer.label,
			fmt.Sprintf("%.0f vs %.0f req/s; from CPU per request %.2f×", ours.Throughput, t.Throughput, t.CPUPer10k/ours.CPUPer10k),
			ours.Throughput/t.Throughput, 3, true))
		if len(ours.Rates) > 0 && len(t.Rates) == len(ours.Rates) {
			i := len(ours.Rates) - 1
			o, x := ours.Rates[i].Result.Latency, t.Rates[i].Result.Latency
			r.Goals = append(r.Goals, newGoal(fmt.Sprintf("five checks: p99 at %.0f req/s below %s", ours.Rates[i].Rate, peer.label),
				fmt.Sprintf("%s vs %s", ms(o.P99), ms(x.P99)), float64(o.P99)/float64(x.P99), 1, false))
		}
	}
	if cel := p.target(targetKyvernoCEL); cel.Throughput > 0 {
		r.Goals = append(r.Goals, newGoal("five checks: saturated throughput ≥ 1.5× Kyverno CEL (this round)",
			fmt.Sprintf("%.0f vs %.0f req/s", ours.Throughput, cel.Throughput), ours.Throughput/cel.Throughput, 1.5, true))
	}
}

// printPeers writes the peers section's tables.
func printPeers(out io.Writer, p *peersResults) error {
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', tabwriter.AlignRight)
	ours := p.target(targetApiguard5)
	fmt.Fprintf(out, "\npeers: the same five checks (TLS, no wildcard host, unique host, no NodePort, no externalIPs) in each engine's own language, against one kube-apiserver;\n"+
		"%d distinct Ingress and Service reviews (every engine of the five admits the same ones, answer by answer; %d fixed edge cases alike), %d HTTP/1.1 keep-alive connections over TLS 1.3\n"+
		"Gatekeeper %s, Kyverno %s (its CEL and JMESPath engines are one process: the same RSS)\n\n",
		p.Reviews, p.FixedCases, p.Conns, p.Versions[targetGatekeeper], p.Versions[targetKyvernoCEL])
	fmt.Fprintln(tw, "target\tdenied\tsaturated req/s\tapiguard-5 ×\terrors\tCPU s / 10k req\tits CPU / apiguard-5's\tRSS idle\tRSS after 10k\tRSS peak\t")
	for _, t := range p.Targets {
		errors := 0
		for _, r := range t.Saturated {
			errors += r.Errors
		}
		fmt.Fprintf(tw, "%s\t%d\t%.0f\t%.2f\t%d\t%.2f\t%.2f\t%.1f MiB\t%.1f MiB\t%.1f MiB\t\n", t.Name, p.Denied[t.Name], t.Throughput, ours.Throughput/t.Throughput, errors,
			t.CPUPer10k, t.CPUPer10k/ours.CPUPer10k, mib(t.IdleRSS), mib(t.RSSAfter10k), mib(t.PeakRSS))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(out, "\nfixed rates, open loop, latency from the intended send time\n\n")
	fmt.Fprintln(tw, "rate\ttarget\tp50\tp99\tp99.9\tmax\tserved req/s\terrors\tscheduler lag p99\t")
	starved := false
	for i, rr := range ours.Rates {
		for _, t := range p.Targets {
			if i >= len(t.Rates) {
				continue
			}
			x := t.Rates[i].Result
			starved = starved || x.DispatchLag > starvedLag
			fmt.Fprintf(tw, "%.0f/s\t%s\t%s\t%s\t%s\t%s\t%.0f\t%d\t%s\t\n", rr.Rate, t.Name, ms(x.Latency.P50), ms(x.Latency.P99), ms(x.Latency.P999), ms(x.Latency.Max),
				x.PerSecond, x.Errors, ms(x.DispatchLag))
		}
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if starved {
		fmt.Fprintf(out, "\nthe load generator itself fired more than %s late (scheduler lag): the machine was short of CPU, and these latencies measure that more than the servers\n", starvedLag)
	}
	fmt.Fprintf(out, "\nratios (throughput; CPU per request)\n\n")
	ratio := func(a, b string) {
		x, y := p.target(a), p.target(b)
		if x.Throughput == 0 || y.Throughput == 0 {
			return
		}
		fmt.Fprintf(tw, "%s / %s\t%.2f×\t%.2f×\t\n", a, b, x.Throughput/y.Throughput, y.CPUPer10k/x.CPUPer10k)
	}
	fmt.Fprintln(tw, "\tthroughput\tless CPU per request\t")
	ratio(targetApiguard5, targetGatekeeper)
	ratio(targetApiguard5, targetKyvernoCEL)
	ratio(targetApiguard5, targetKyvernoJMES)
	ratio(targetApiguardAll, targetNull)
	ratio(targetApiguard5, targetNull)
	if err := tw.Flush(); err != nil {
		return err
	}
	if c := p.Creates; c != nil {
		fmt.Fprintf(out, "\nthrough the API server: %d Ingress creates per namespace, each namespace judged by one engine alone (validating only), one at a time, round-robin\n\n", c.Creates)
		fmt.Fprintln(tw, "engine\tp50\tp99\tp99.9\tadded p50\tadded p99\t")
		for _, t := range c.Targets {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t\n", t.Name, ms(t.Latency.P50), ms(t.Latency.P99), ms(t.Latency.P999), ms(t.AddedP50), ms(t.AddedP99))
		}
		fmt.Fprintf(tw, "no webhook\t%s\t%s\t%s\t\t\t\n", ms(c.Unguarded.P50), ms(c.Unguarded.P99), ms(c.Unguarded.P999))
		return tw.Flush()
	}
	return nil
}
