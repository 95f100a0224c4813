package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"text/tabwriter"
	"time"
)

// benchResults is everything one run measured; it is also bench/results.json.
type benchResults struct {
	Date      time.Time        `json:"date"`
	Machine   machine          `json:"machine"`
	Quick     bool             `json:"quick"`
	Offline   *offlineResults  `json:"offline,omitempty"`
	Serving   *servingResults  `json:"serving,omitempty"`
	Reload    *reloadResults   `json:"reload,omitempty"`
	APIServer *apiserverResult `json:"apiserver,omitempty"`
	Peers     *peersResults    `json:"peers,omitempty"`
	// Baseline is the earlier apiguard measured alongside (-baseline), if any.
	Baseline *baseline `json:"baseline,omitempty"`
	Goals    []goal    `json:"goals"`
}

type machine struct {
	CPUs      int    `json:"cpus"`
	Model     string `json:"cpu_model"`
	GoVersion string `json:"go"`
}

func thisMachine() machine {
	m := machine{CPUs: runtime.NumCPU(), GoVersion: runtime.Version()}
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
				m.Model = strings.TrimSpace(v)
				break
			}
		}
	}
	return m
}

// goal is one target of issue 7, judged on this run.
type goal struct {
	Goal     string  `json:"goal"`
	Measured string  `json:"measured"`
	Value    float64 `json:"value"`
	Limit    float64 `json:"limit"`
	// AtLeast is true when Value must reach Limit, false when it must stay at or below.
	AtLeast bool `json:"at_least"`
	Met     bool `json:"met"`
}

func newGoal(name, measured string, value, limit float64, atLeast bool) goal {
	met := value <= limit
	if atLeast {
		met = value >= limit
	}
	return goal{Goal: name, Measured: measured, Value: value, Limit: limit, AtLeast: atLeast, Met: met}
}

// judge computes the goals the sections that ran can speak to.
func (r *benchResults) judge() {
	if f := r.Offline; f != nil && f.Apiguard.WallSeconds > 0 {
		r.Goals = append(r.Goals,
			newGoal(fmt.Sprintf("apiguard check ≥ 10× faster than conftest (wall) on %d manifests", f.Objects),
				fmt.Sprintf("%.2fs vs %.2fs; CPU %.2fs vs %.2fs (%.2f×)", f.Apiguard.WallSeconds, f.Conftest.WallSeconds,
					f.Apiguard.CPUSeconds, f.Conftest.CPUSeconds, f.Conftest.CPUSeconds/f.Apiguard.CPUSeconds),
				f.Conftest.WallSeconds/f.Apiguard.WallSeconds, 10, true),
			newGoal(fmt.Sprintf("apiguard check peak RSS ≤ 100 MiB on %d manifests", f.Objects),
				fmt.Sprintf("%.0f MiB (conftest %.0f MiB)", mib(f.Apiguard.PeakRSS), mib(f.Conftest.PeakRSS)), mib(f.Apiguard.PeakRSS), 100, false),
		)
		if b := f.Baseline; b != nil && b.WallSeconds > 0 {
			r.Goals = append(r.Goals, newGoal(fmt.Sprintf("apiguard check no slower than apiguard @%s (wall ratio ≤ 1)", b.Commit),
				fmt.Sprintf("wall %.2fs vs %.2fs, CPU %.2fs vs %.2fs (%.2f×), peak RSS %.0f vs %.0f MiB (%.2f×)",
					f.Apiguard.WallSeconds, b.WallSeconds, f.Apiguard.CPUSeconds, b.CPUSeconds, f.Apiguard.CPUSeconds/b.CPUSeconds,
					mib(f.Apiguard.PeakRSS), mib(b.PeakRSS), float64(f.Apiguard.PeakRSS)/float64(b.PeakRSS)),
				f.Apiguard.WallSeconds/b.WallSeconds, 1, false))
		}
	}
	if s := r.Serving; s != nil {
		ours, null := s.target(targetApiguard), s.target(targetNull)
		for _, peer := range []struct{ name, label string }{
			{targetOPA, "OPA server (rules indexed by kind)"},
			{targetOPATutorial, "OPA server (tutorial: every policy evaluated)"},
		} {
			if opa := s.target(peer.name); opa.Throughput > 0 {
				r.Goals = append(r.Goals, newGoal("saturated throughput ≥ 2.0× "+peer.label,
					fmt.Sprintf("%.0f vs %.0f req/s; from CPU per request %.2f×", ours.Throughput, opa.Throughput, opa.CPUPer10k/ours.CPUPer10k),
					ours.Throughput/opa.Throughput, 2.0, true))
			}
		}
		r.Goals = append(r.Goals, newGoal("saturated throughput ≥ 0.2× null webhook (issue 18; the goal beyond is 0.5×)",
			fmt.Sprintf("%.0f vs %.0f req/s", ours.Throughput, null.Throughput), ours.Throughput/null.Throughput, 0.2, true))
		if old := s.target(targetBaseline); old.Throughput > 0 && r.Baseline != nil {
			r.Goals = append(r.Goals, newGoal(fmt.Sprintf("saturated throughput ≥ 3× apiguard @%s (issue 18: triple the ratio to the null webhook)", r.Baseline.Commit),
				fmt.Sprintf("%.0f vs %.0f req/s; from CPU per request %.2f×", ours.Throughput, old.Throughput, old.CPUPer10k/ours.CPUPer10k),
				ours.Throughput/old.Throughput, 3, true))
		}
		r.Goals = append(r.Goals, newGoal("saturated throughput ≥ 0.5× null webhook",
			fmt.Sprintf("%.0f vs %.0f req/s; from CPU per request %.2f×", ours.Throughput, null.Throughput, null.CPUPer10k/ours.CPUPer10k),
			ours.Throughput/null.Throughput, 0.5, true))
		if rate, ok := nearestRate(ours.Rates, 500); ok {
			o, n := rateLatency(ours.Rates, rate), rateLatency(null.Rates, rate)
			r.Goals = append(r.Goals, newGoal(fmt.Sprintf("p50 at %.0f req/s ≤ 1.3× null webhook", rate),
				fmt.Sprintf("%s vs %s", ms(o.P50), ms(n.P50)), float64(o.P50)/float64(n.P50), 1.3, false))
		}
		r.Goals = append(r.Goals, newGoal("idle RSS ≤ 60 MiB", fmt.Sprintf("%.1f MiB", mib(ours.IdleRSS)), mib(ours.IdleRSS), 60, false))
	}
	if l := r.Reload; l != nil {
		r.Goals = append(r.Goals,
			newGoal(fmt.Sprintf("reload of the bundled library (%d policies) ≤ 300 ms", l.Bundled.Policies),
				fmt.Sprintf("%s (CPU %s)", ms(l.Bundled.Median), ms(l.Bundled.MedianCPU)), float64(l.Bundled.Median.Milliseconds()), 300, false),
			newGoal(fmt.Sprintf("reload of %d policies ≤ 3 s", l.Synthetic.Policies),
				fmt.Sprintf("%s (CPU %s)", ms(l.Synthetic.Median), ms(l.Synthetic.MedianCPU)), l.Synthetic.Median.Seconds(), 3, false),
		)
	}
	r.judgePeers()
	if a := r.APIServer; a != nil {
		r.Goals = append(r.Goals, newGoal("added p50 through the API server ≤ 2 ms", ms(a.AddedP50), float64(a.AddedP50)/float64(time.Millisecond), 2, false))
	}
}

// starvedLag is how late the open-loop scheduler may fire (p99) before its latencies say
// more about the machine than about the servers: a millisecond is the size of what we time.
const starvedLag = time.Millisecond

func nearestRate(rs []rateRun, want float64) (float64, bool) {
	best, ok := 0.0, false
	for _, r := range rs {
		if !ok || abs(r.Rate-want) < abs(best-want) {
			best, ok = r.Rate, true
		}
	}
	return best, ok
}

func rateLatency(rs []rateRun, rate float64) latencies {
	for _, r := range rs {
		if r.Rate == rate {
			return r.Result.Latency
		}
	}
	return latencies{}
}

func abs(f float64) float64 {
	if f < 0 {
		return -f
	}
	return f
}

func ms(d time.Duration) string {
	return fmt.Sprintf("%.2f ms", float64(d)/float64(time.Millisecond))
}

// print writes the tables: absolute figures first, then the goals with their ratios.
func (r *benchResults) print(out io.Writer) error {
	fmt.Fprintf(out, "\napiguard benchmark, %s, %d × %s, %s%s\n", r.Date.Format("2006-01-02 15:04 MST"), r.Machine.CPUs, r.Machine.Model, r.Machine.GoVersion,
		map[bool]string{true: " (quick run)", false: ""}[r.Quick])
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', tabwriter.AlignRight)
	if s := r.Serving; s != nil {
		ours := s.target(targetApiguard)
		fmt.Fprintf(out, "\nserving: %d distinct AdmissionReviews (apiguard and the OPA peers deny the same %d, answer by answer), %d HTTP/1.1 keep-alive connections over TLS 1.3\n\n",
			s.Verdicts.Reviews, s.Verdicts.Denied[targetApiguard], s.Conns)
		// CPU per request is the steadier figure on a shared machine: throughput also
		// depends on what else got the cores meanwhile.
		fmt.Fprintln(tw, "target\tsaturated req/s\tapiguard ×\terrors\tCPU s / 10k req\tits CPU / apiguard's\tRSS idle\tRSS after load\tRSS peak\t")
		for _, t := range s.Targets {
			errors := 0
			for _, r := range t.Saturated {
				errors += r.Errors
			}
			fmt.Fprintf(tw, "%s\t%.0f\t%.2f\t%d\t%.2f\t%.2f\t%.1f MiB\t%.1f MiB\t%.1f MiB\t\n", t.Name, t.Throughput, ours.Throughput/t.Throughput, errors,
				t.CPUPer10k, t.CPUPer10k/ours.CPUPer10k, mib(t.IdleRSS), mib(t.IdleRSSAfter), mib(t.PeakRSS))
		}
		if err := tw.Flush(); err != nil {
			return err
		}
		fmt.Fprintf(out, "\nfixed rates, open loop, latency from the intended send time\n\n")
		starved := false
		fmt.Fprintln(tw, "rate\ttarget\tp50\tp99\tp99.9\tmax\tserved req/s\terrors\tscheduler lag p99\t")
		for i, rr := range ours.Rates {
			for _, t := range s.Targets {
				if i >= len(t.Rates) {
					continue
				}
				x := t.Rates[i].Result
				if x.DispatchLag > starvedLag {
					starved = true
				}
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
	}
	if l := r.Reload; l != nil {
		fmt.Fprintf(out, "\nreload: read, compile, prepare per-kind queries and swap (pkg/policy.Load + Holder.Swap)\n\n")
		fmt.Fprintln(tw, "library\tpolicies\tmedian\tits CPU\tmax\t")
		fmt.Fprintf(tw, "bundled\t%d\t%s\t%s\t%s\t\n", l.Bundled.Policies, ms(l.Bundled.Median), ms(l.Bundled.MedianCPU), ms(l.Bundled.Max))
		fmt.Fprintf(tw, "synthetic\t%d\t%s\t%s\t%s\t\n", l.Synthetic.Policies, ms(l.Synthetic.Median), ms(l.Synthetic.MedianCPU), ms(l.Synthetic.Max))
		if err := tw.Flush(); err != nil {
			return err
		}
	}
	if a := r.APIServer; a != nil {
		fmt.Fprintf(out, "\nthrough the API server: %d Ingress creates per namespace, one at a time, alternating\n\n", a.Creates)
		fmt.Fprintln(tw, "namespace\tp50\tp99\tp99.9\t")
		fmt.Fprintf(tw, "webhook (validate + mutate)\t%s\t%s\t%s\t\n", ms(a.Guarded.P50), ms(a.Guarded.P99), ms(a.Guarded.P999))
		if a.Null.N > 0 {
			fmt.Fprintf(tw, "null webhook (validate + mutate)\t%s\t%s\t%s\t\n", ms(a.Null.P50), ms(a.Null.P99), ms(a.Null.P999))
		}
		fmt.Fprintf(tw, "no webhook\t%s\t%s\t%s\t\n", ms(a.Unguarded.P50), ms(a.Unguarded.P99), ms(a.Unguarded.P999))
		fmt.Fprintf(tw, "added by the webhook\t%s\t%s\t\t\n", ms(a.AddedP50), ms(a.AddedP99))
		if a.Null.N > 0 {
			fmt.Fprintf(tw, "added by the null webhook (the floor)\t%s\t%s\t\t\n", ms(a.NullAddedP50), ms(a.NullAddedP99))
		}
		if err := tw.Flush(); err != nil {
			return err
		}
		if a.InWebhook > 0 {
			fmt.Fprintf(out, "\nof which deciding inside the webhook (validate + mutate, mean per create): %s\n", ms(a.InWebhook))
		}
	}
	if r.Peers != nil {
		if err := printPeers(out, r.Peers); err != nil {
			return err
		}
	}
	if len(r.Goals) > 0 {
		fmt.Fprintf(out, "\ngoals (issue 7)\n\n")
		gw := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
		fmt.Fprintln(gw, "goal\tmeasured\tvalue\t\t")
		for _, g := range r.Goals {
			fmt.Fprintf(gw, "%s\t%s\t%.2f\t%s\t\n", g.Goal, g.Measured, g.Value, map[bool]string{true: "met", false: "MISSED"}[g.Met])
		}
		if err := gw.Flush(); err != nil {
			return err
		}
	}
	return nil
}

// write stores results.json and the latency chart under dir.
func (r *benchResults) write(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "results.json"), append(b, '\n'), 0o644); err != nil {
		return err
	}
	if r.Serving == nil {
		return nil
	}
	return os.WriteFile(filepath.Join(dir, "latency.svg"), []byte(latencyChart(r.Serving.Targets)), 0o644)
}
