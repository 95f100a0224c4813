package policybench

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/apiguard/apiguard/pkg/policy"
)

// ShareGoal is issue 18's bound: no policy above this share of its kind's decision.
const ShareGoal = 0.15

// Method describes how costs are measured; the report carries it so a reader of the
// JSON alone knows what the numbers mean.
const Method = "drop-one: per object, the median over interleaved pairs of decisions of (the kind's decision " +
	"with every policy, the mean of three copies of that set) minus (the decision with the policy's enforcement " +
	"off), averaged over the class's objects; share is that cost over the full decision. Decisions are " +
	"PolicySet.Evaluate (all rules, patches included) on a CREATE with the inventory and references the " +
	"webhook would hold, timed in thread CPU time with the collector off."

// Report is a run's result, written to bench/policies.json.
type Report struct {
	Date      string       `json:"date"`
	Machine   Machine      `json:"machine"`
	Engine    string       `json:"opaVersion"`
	Revision  string       `json:"revision"`
	Method    string       `json:"method"`
	Clock     string       `json:"clock"`
	BenchTime string       `json:"benchtime"`
	Count     int          `json:"count"`
	Kinds     []KindReport `json:"kinds"`
}

// Machine records where a report was measured.
type Machine struct {
	OS     string `json:"os"`
	Arch   string `json:"arch"`
	CPUs   int    `json:"cpus"`
	CPU    string `json:"cpu,omitempty"`
	GoVers string `json:"go"`
}

// KindReport is one kind's decision and its policies' costs, highest share first.
type KindReport struct {
	Kind        string                `json:"kind"`
	Policies    int                   `json:"policies"`
	Classes     map[Class]ClassReport `json:"classes"`
	PolicyCosts []PolicyCost          `json:"policyCosts"`
	// Unattributed is the share of each class's decision no single policy's removal
	// saves: shared lib rules, the engine's input conversion and result collection.
	Unattributed map[Class]float64 `json:"unattributed"`
	// Noise is, per class, the largest share the drop-one arithmetic gives between two
	// copies of the full set (an A/A comparison, whose true cost is zero): costs within
	// it cannot be told from nothing.
	Noise map[Class]float64 `json:"noise"`
}

// ClassReport is the full decision on one class of a kind's objects.
type ClassReport struct {
	Objects  int      `json:"objects"`
	Verdicts Verdicts `json:"verdicts"`
	Decision Stat     `json:"decision"`
}

// Verdicts counts the full set's verdicts on a class's objects.
type Verdicts struct {
	Allowed int `json:"allowed"`
	Warned  int `json:"warned"`
	Denied  int `json:"denied"`
}

// PolicyCost is one policy's cost on each class of one kind.
type PolicyCost struct {
	ID       string         `json:"id"`
	Cost     map[Class]Cost `json:"cost"`
	MaxShare float64        `json:"maxShare"`
}

// Cost is what dropping a policy saves per decision, and Share that time over the full
// decision's. Noise can make a cheap policy's cost slightly negative.
type Cost struct {
	Stat
	Share float64 `json:"share"`
}

func median(vs []float64) float64 {
	if len(vs) == 0 {
		return 0
	}
	vs = slices.Clone(vs)
	slices.Sort(vs)
	m := len(vs) / 2
	if len(vs)%2 == 1 {
		return vs[m]
	}
	return (vs[m-1] + vs[m]) / 2
}

// DecisionTime is the time of one decision of a class: per object, the median of its
// timed decisions; then the mean over the class's objects, each weighing the same.
func DecisionTime(times [][]float64) float64 {
	if len(times) == 0 {
		return 0
	}
	sum := 0.0
	for _, ts := range times {
		sum += median(ts)
	}
	return sum / float64(len(times))
}

// DropOne is the drop-one arithmetic on one class. full[k][i] and dropped[k][i] are the
// i-th timed decisions of object k with every policy and without the one dropped, made
// next to each other. Per object the cost is the median of those pairs' differences;
// the class's cost is the mean over its objects, and the share that cost over
// DecisionTime(full). Allocations are not timed; the caller fills them in.
func DropOne(full, dropped [][]float64) Cost {
	var c Cost
	if len(full) == 0 {
		return c
	}
	for k := range full {
		var d []float64
		if k < len(dropped) {
			n := min(len(full[k]), len(dropped[k]))
			d = make([]float64, n)
			for i := range n {
				d[i] = full[k][i] - dropped[k][i]
			}
		}
		c.NsPerOp += median(d)
	}
	c.NsPerOp /= float64(len(full))
	if whole := DecisionTime(full); whole > 0 {
		c.Share = c.NsPerOp / whole
	}
	return c
}

// MeanTimes averages the timed decisions of several copies of one set, object by
// object and decision by decision (the copies decided each object the same number of
// times, interleaved).
func MeanTimes(copies [][][]float64) [][]float64 {
	if len(copies) == 0 {
		return nil
	}
	out := make([][]float64, len(copies[0]))
	for k := range out {
		n := len(copies[0][k])
		for _, c := range copies[1:] {
			n = min(n, len(c[k]))
		}
		out[k] = make([]float64, n)
		for i := range n {
			for _, c := range copies {
				out[k][i] += c[k][i]
			}
			out[k][i] /= float64(len(copies))
		}
	}
	return out
}

// AANoise is the largest |share| DropOne gives between two of the copies.
func AANoise(copies [][][]float64) float64 {
	worst := 0.0
	for i := range copies {
		for j := range copies {
			if i != j {
				worst = max(worst, math.Abs(DropOne(copies[i], copies[j]).Share))
			}
		}
	}
	return worst
}

// finish orders the policies by their highest share and fills in the unattributed rest.
func (k *KindReport) finish() {
	for i := range k.PolicyCosts {
		p := &k.PolicyCosts[i]
		p.MaxShare = 0
		for _, c := range p.Cost {
			p.MaxShare = max(p.MaxShare, c.Share)
		}
	}
	slices.SortStableFunc(k.PolicyCosts, func(a, b PolicyCost) int {
		if a.MaxShare != b.MaxShare {
			if a.MaxShare > b.MaxShare {
				return -1
			}
			return 1
		}
		return strings.Compare(a.ID, b.ID)
	})
	k.Unattributed = map[Class]float64{}
	for c := range k.Classes {
		rest := 1.0
		for _, p := range k.PolicyCosts {
			rest -= p.Cost[c].Share
		}
		k.Unattributed[c] = rest
	}
}

func newReport(set *policy.PolicySet, opts Options) *Report {
	return &Report{
		Date: time.Now().UTC().Format(time.RFC3339),
		Machine: Machine{
			OS: runtime.GOOS, Arch: runtime.GOARCH, CPUs: runtime.NumCPU(), CPU: cpuModel(), GoVers: runtime.Version(),
		},
		Engine:    policy.EngineVersion(),
		Revision:  set.Revision(),
		Method:    Method,
		Clock:     clockName(),
		BenchTime: opts.BenchTime.String(),
		Count:     opts.Count,
	}
}

// cpuModel reads the processor's name where the system says it (Linux); "" elsewhere.
func cpuModel() string {
	f, err := os.Open("/proc/cpuinfo")
	if err != nil {
		return ""
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if k, v, ok := strings.Cut(sc.Text(), ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

// WriteJSON writes the report, indented.
func (r *Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

// AboveGoal lists "kind policy" for every policy whose share of some class of its kind's
// decision exceeds ShareGoal.
func (r *Report) AboveGoal() []string {
	var out []string
	for _, k := range r.Kinds {
		for _, p := range k.PolicyCosts {
			if p.MaxShare > ShareGoal {
				out = append(out, shortKind(k.Kind)+" "+p.ID)
			}
		}
	}
	return out
}

// WriteText writes the one-screen table: per kind, a row of its full decision per class
// (time, and allocations of a clean one) with the unattributed rest, then its top
// policies by their highest share, marked "!" above the goal.
func (r *Report) WriteText(w io.Writer, top int) error {
	b := &strings.Builder{}
	fmt.Fprintf(b, "Per-policy cost (drop-one), %s, %s/%s %d CPUs %s, OPA %s, %s of %s x %d\n",
		r.Date, r.Machine.OS, r.Machine.Arch, r.Machine.CPUs, r.Machine.CPU, r.Engine, r.BenchTime, r.Clock, r.Count)
	fmt.Fprintf(b, "Rows: a kind's full decision, then its top policies by share of it (! above %.0f%%).\n", ShareGoal*100)
	fmt.Fprintf(b, "allocs: of a clean decision, or what the policy adds to one. rest: no one policy's (shared rules, engine).\n")
	fmt.Fprintf(b, "noise: the largest share between copies of the full set (A/A); shares within it are not told from zero.\n")
	fmt.Fprintf(b, "%-38s %9s %9s %9s %7s\n", "", "clean", "violating", "large", "allocs")
	for _, k := range r.Kinds {
		fmt.Fprintf(b, "\n%-38s %9s %9s %9s %7.0f  rest %s %s %s, noise ±%s %s %s\n", fmt.Sprintf("%s, %d policies", shortKind(k.Kind), k.Policies),
			decision(k.Classes, ClassClean), decision(k.Classes, ClassViolating), decision(k.Classes, ClassLarge),
			k.Classes[ClassClean].Decision.AllocsPerOp,
			share(k.Unattributed, ClassClean), share(k.Unattributed, ClassViolating), share(k.Unattributed, ClassLarge),
			share(k.Noise, ClassClean), share(k.Noise, ClassViolating), share(k.Noise, ClassLarge))
		for i, p := range k.PolicyCosts {
			if i == top {
				break
			}
			mark := " "
			if p.MaxShare > ShareGoal {
				mark = "!"
			}
			fmt.Fprintf(b, "%s %-36s %9s %9s %9s %7.0f\n", mark, p.ID,
				percent(p.Cost, ClassClean), percent(p.Cost, ClassViolating), percent(p.Cost, ClassLarge), p.Cost[ClassClean].AllocsPerOp)
		}
	}
	if above := r.AboveGoal(); len(above) > 0 {
		noun := "policies"
		if len(above) == 1 {
			noun = "policy"
		}
		fmt.Fprintf(b, "\n%d %s above %.0f%% of their kind's decision.\n", len(above), noun, ShareGoal*100)
	} else {
		fmt.Fprintf(b, "\nNo policy above %.0f%% of its kind's decision.\n", ShareGoal*100)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func decision(classes map[Class]ClassReport, c Class) string {
	cr, ok := classes[c]
	if !ok {
		return "-"
	}
	return duration(cr.Decision.NsPerOp)
}

func percent(costs map[Class]Cost, c Class) string {
	v, ok := costs[c]
	if !ok {
		return "-"
	}
	return fmt.Sprintf("%.1f%%", v.Share*100)
}

func share(m map[Class]float64, c Class) string {
	v, ok := m[c]
	if !ok {
		return "-"
	}
	return fmt.Sprintf("%.0f%%", v*100)
}

func duration(ns float64) string {
	return time.Duration(ns).Round(time.Microsecond).String()
}

func jsonBytes(v any) ([]byte, error) { return json.Marshal(v) }
