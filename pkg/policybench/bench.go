// Package policybench measures what each policy of a tree costs: for every kind of a
// fixed corpus (clean, violating and large objects), the time and allocations of the
// kind's whole decision, and each policy's share of it by the drop-one method.
//
// A policy's cost on a kind is the kind's decision with every policy minus the same
// decision with that one policy switched off (data.apiguard.config.enforcement:
// "off", which leaves it out of the prepared query). That is its marginal cost: what
// rewriting or removing it could win. Work a policy shares with others (a lib rule
// both call, cached once per evaluation) is charged to none of them; the report shows
// it as the unattributed rest of the decision, with the engine's own overhead (input
// conversion, collecting results).
package policybench

import (
	"context"
	"fmt"
	"io"
	"maps"
	"math/rand/v2"
	"runtime"
	"runtime/debug"
	"slices"
	"strings"
	"time"

	admissionv1 "k8s.io/api/admission/v1"

	"github.com/apiguard/apiguard/pkg/evaluate"
	"github.com/apiguard/apiguard/pkg/fixture"
	"github.com/apiguard/apiguard/pkg/policy"
	"github.com/apiguard/apiguard/pkg/references"
)

// Loader compiles the tree under test with data merged over it, in order (the
// benchmark's inventory and the drop-one switches come last), as fixture.Loader does
// for fixtures. Run builds new documents for each call; a Loader that adds documents of
// its caller must give each call fresh ones too: policy.Load merges them into the
// set's data by reference, so a document used for two loads carries the first load's
// merges into the second.
type Loader = fixture.Loader

// Options tune a run.
type Options struct {
	// BenchTime is the CPU time the full set spends on one class of a kind's objects
	// in one round; every other set makes as many decisions, interleaved with it.
	BenchTime time.Duration
	// Count is how many rounds are run; the report gives, per object, medians over all
	// of them.
	Count int
	// Kinds, when set, limits the run to these kinds (short or group-qualified names).
	Kinds []string
	// Progress, when set, receives one line per kind as the run goes.
	Progress io.Writer
}

// DefaultBenchTime and DefaultCount keep a run of the bundled library under about two
// minutes on a laptop.
const (
	DefaultBenchTime = 40 * time.Millisecond
	DefaultCount     = 5
)

// Stat is the cost of one decision.
type Stat struct {
	NsPerOp     float64 `json:"nsPerOp"`
	AllocsPerOp float64 `json:"allocsPerOp"`
	BytesPerOp  float64 `json:"bytesPerOp"`
}

func (s Stat) sub(o Stat) Stat {
	return Stat{NsPerOp: s.NsPerOp - o.NsPerOp, AllocsPerOp: s.AllocsPerOp - o.AllocsPerOp, BytesPerOp: s.BytesPerOp - o.BytesPerOp}
}

// Run measures every kind of the corpus that has at least one policy in the tree.
func Run(ctx context.Context, load Loader, opts Options) (*Report, error) {
	if opts.BenchTime <= 0 {
		opts.BenchTime = DefaultBenchTime
	}
	if opts.Count <= 0 {
		opts.Count = DefaultCount
	}
	corpus := NewCorpus()
	full, err := load(ctx, baseDocs(corpus))
	if err != nil {
		return nil, err
	}
	rep := newReport(full, opts)
	refs := newRefs(corpus)
	for _, kc := range corpus.Kinds {
		name := kindName(kc.Group, kc.Kind)
		if len(opts.Kinds) > 0 && !slices.Contains(opts.Kinds, name) && !slices.Contains(opts.Kinds, kc.Kind) {
			continue
		}
		members := Members(full.Policies(), kc.Group, kc.Kind)
		if len(members) == 0 {
			continue
		}
		inputs, err := kindInputs(ctx, kc, refs)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		kr, err := measureKind(ctx, load, func() []map[string]any { return baseDocs(corpus) }, full, name, members, inputs, opts)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		if opts.Progress != nil {
			fmt.Fprintf(opts.Progress, "measured %s: %d policies\n", name, len(members))
		}
		rep.Kinds = append(rep.Kinds, kr)
	}
	return rep, nil
}

// baseDocs is the data every set of a run is loaded with: the corpus's inventory, built
// anew for each load (see Loader).
func baseDocs(corpus Corpus) []map[string]any {
	return []map[string]any{{"apiguard": map[string]any{"inventory": evaluate.Inventory(corpus.Existing, "")}}}
}

// newRefs indexes the ConfigMaps the corpus's objects refer to.
func newRefs(corpus Corpus) *references.Index {
	return references.NewIndex(slices.Values(corpus.ConfigMaps), benchNamespace)
}

// Members returns the IDs of the policies a request of group/kind evaluates, the way
// the engine partitions a set: policies with no kinds, and those naming the kind
// plainly or with its group ("core" for the core group). Policies switched off are not
// members.
func Members(policies []policy.Policy, group, kind string) []string {
	var ids []string
	for _, p := range policies {
		if p.Enforcement == policy.ActionOff {
			continue
		}
		if len(p.Kinds) == 0 || slices.ContainsFunc(p.Kinds, func(entry string) bool { return kindMatches(entry, group, kind) }) {
			ids = append(ids, p.ID)
		}
	}
	slices.Sort(ids)
	return ids
}

func kindMatches(entry, group, kind string) bool {
	g, k, qualified := strings.Cut(entry, "/")
	if !qualified {
		return entry == kind
	}
	if g == "core" {
		g = ""
	}
	return g == group && k == kind
}

// kindInputs builds the admission inputs of one kind's corpus: a CREATE by a GitOps
// controller, with the references the webhook would resolve.
func kindInputs(ctx context.Context, kc KindCorpus, refs *references.Index) (map[Class][]policy.Input, error) {
	out := map[Class][]policy.Input{}
	for _, c := range Classes() {
		for _, obj := range kc.Objects[c] {
			raw, err := jsonBytes(obj)
			if err != nil {
				return nil, err
			}
			req, err := policy.RequestFor(raw, policy.RequestOptions{
				Operation: admissionv1.Create,
				User:      "system:serviceaccount:flux-system:kustomize-controller",
				Groups:    []string{"system:serviceaccounts", "system:serviceaccounts:flux-system", "system:authenticated"},
			})
			if err != nil {
				return nil, err
			}
			r, err := references.ForRequest(ctx, req, references.SourceCluster, refs.Lookup)
			if err != nil {
				return nil, err
			}
			out[c] = append(out[c], policy.Input{Request: req, References: r})
		}
	}
	return out, nil
}

// variant is one policy set measured on a kind: the full set (dropped == "") or the
// set without one policy.
type variant struct {
	dropped string
	set     *policy.PolicySet
	// times holds, per class, per object, the time of each of its timed decisions.
	times map[Class][][]float64
	// allocs is the allocations of one decision, per class.
	allocs map[Class]Stat
}

func measureKind(ctx context.Context, load Loader, base func() []map[string]any, full *policy.PolicySet, name string, members []string, inputs map[Class][]policy.Input, opts Options) (KindReport, error) {
	// The full set is loaded baselineCopies times: each compiled copy sits differently in
	// memory and caches, which shifts its times by a few percent, and a single copy's
	// shift would fall on every policy's cost alike. The baseline is the copies' mean;
	// their differences from one another are the report's A/A noise.
	variants := []*variant{{set: full}}
	for range baselineCopies - 1 {
		set, err := load(ctx, base())
		if err != nil {
			return KindReport{}, err
		}
		variants = append(variants, &variant{set: set})
	}
	for _, id := range members {
		data := append(base(), map[string]any{"apiguard": map[string]any{"config": map[string]any{
			"enforcement": map[string]any{id: string(policy.ActionOff)},
		}}})
		set, err := load(ctx, data)
		if err != nil {
			return KindReport{}, fmt.Errorf("load without %s: %w", id, err)
		}
		variants = append(variants, &variant{dropped: id, set: set})
	}
	kr := KindReport{Kind: name, Policies: len(members), Classes: map[Class]ClassReport{}}
	for _, c := range Classes() {
		if len(inputs[c]) == 0 {
			continue
		}
		v, err := verdicts(ctx, full, inputs[c])
		if err != nil {
			return KindReport{}, err
		}
		kr.Classes[c] = ClassReport{Objects: len(inputs[c]), Verdicts: v}
	}
	// Warm every set up (a prepared query does some work on its first evaluations) and
	// count each set's allocations per decision: they do not vary from run to run, so
	// one untimed pass gives them.
	for _, v := range variants {
		v.times = map[Class][][]float64{}
		v.allocs = map[Class]Stat{}
		for _, c := range Classes() {
			if len(inputs[c]) == 0 {
				continue
			}
			for range warmupPasses {
				if err := evaluateAll(ctx, v.set, inputs[c]); err != nil {
					return KindReport{}, fmt.Errorf("evaluate %s objects: %w", c, err)
				}
			}
			a, err := allocations(ctx, v.set, inputs[c])
			if err != nil {
				return KindReport{}, fmt.Errorf("evaluate %s objects: %w", c, err)
			}
			v.allocs[c] = a
			v.times[c] = make([][]float64, len(inputs[c]))
		}
	}
	// Timing runs with the collector off, so a collection (whose work lands on whichever
	// decision is running, in proportion to every set held, not to the one timed) does
	// not turn into noise; the heap is collected between rounds once it has grown by
	// gcEvery. Times are evaluation without garbage collection; the allocation columns
	// show the collection work each policy causes.
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	collectAt := ms.HeapAlloc + gcEvery
	defer debug.SetGCPercent(debug.SetGCPercent(-1))
	rng := rand.New(rand.NewPCG(1, 18))
	for range opts.Count {
		for _, c := range Classes() {
			if len(inputs[c]) == 0 {
				continue
			}
			if err := interleave(ctx, variants, c, inputs[c], opts.BenchTime, rng); err != nil {
				return KindReport{}, fmt.Errorf("evaluate %s objects: %w", c, err)
			}
			runtime.ReadMemStats(&ms)
			if ms.HeapAlloc > collectAt {
				runtime.GC()
			}
		}
	}
	copies := variants[:baselineCopies]
	baseline := map[Class][][]float64{}
	kr.Noise = map[Class]float64{}
	for _, c := range slices.Sorted(maps.Keys(kr.Classes)) {
		runs := make([][][]float64, len(copies))
		for i, v := range copies {
			runs[i] = v.times[c]
		}
		baseline[c] = MeanTimes(runs)
		kr.Noise[c] = AANoise(runs)
		cr := kr.Classes[c]
		cr.Decision = variants[0].allocs[c]
		cr.Decision.NsPerOp = DecisionTime(baseline[c])
		kr.Classes[c] = cr
	}
	for _, v := range variants[baselineCopies:] {
		pr := PolicyCost{ID: v.dropped, Cost: map[Class]Cost{}}
		for c := range kr.Classes {
			cost := DropOne(baseline[c], v.times[c])
			ns := cost.NsPerOp
			cost.Stat = variants[0].allocs[c].sub(v.allocs[c])
			cost.NsPerOp = ns
			pr.Cost[c] = cost
		}
		kr.PolicyCosts = append(kr.PolicyCosts, pr)
	}
	kr.finish()
	return kr, nil
}

// baselineCopies is how many copies of the full set a kind is measured with.
const baselineCopies = 3

// gcEvery is how much the heap may grow, with the collector off, between collections.
const gcEvery = 256 << 20

// warmupPasses is how many times each set evaluates each object before it is timed.
const warmupPasses = 3

func evaluateAll(ctx context.Context, set *policy.PolicySet, inputs []policy.Input) error {
	for _, in := range inputs {
		if _, err := set.Evaluate(ctx, in); err != nil {
			return err
		}
	}
	return nil
}

// allocationPasses is how many passes over a class's objects allocations are averaged
// over.
const allocationPasses = 4

// allocations returns the allocations of one decision on inputs, on average.
func allocations(ctx context.Context, set *policy.PolicySet, inputs []policy.Input) (Stat, error) {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	for range allocationPasses {
		if err := evaluateAll(ctx, set, inputs); err != nil {
			return Stat{}, err
		}
	}
	runtime.ReadMemStats(&after)
	n := float64(allocationPasses * len(inputs))
	return Stat{AllocsPerOp: float64(after.Mallocs-before.Mallocs) / n, BytesPerOp: float64(after.TotalAlloc-before.TotalAlloc) / n}, nil
}

// interleave is one round of one class: every set decides every object in turn, one
// decision each, each decision timed on its own and recorded in the set's times, until
// the full set (variants[0]) has spent d. The sets' order is shuffled for each object
// of each pass (a fixed seed, so runs are alike), so no set always follows the same
// other one and inherits its traces in the CPU's caches. Neighbouring decisions of
// different sets see the same machine, so drift and other processes' load fall on all
// of them alike.
func interleave(ctx context.Context, variants []*variant, c Class, inputs []policy.Input, d time.Duration, rng *rand.Rand) error {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	order := make([]int, len(variants))
	for i := range order {
		order[i] = i
	}
	var spent time.Duration
	for spent < d {
		for k, in := range inputs {
			rng.Shuffle(len(order), func(a, b int) { order[a], order[b] = order[b], order[a] })
			for _, j := range order {
				start := clock()
				if _, err := variants[j].set.Evaluate(ctx, in); err != nil {
					return err
				}
				t := clock() - start
				variants[j].times[c][k] = append(variants[j].times[c][k], float64(t.Nanoseconds()))
				if j == 0 {
					spent += t
				}
			}
		}
	}
	return nil
}

// clock is the calling thread's CPU time where it can be read (interleave locks its
// goroutine to the thread), else the wall clock.
func clock() time.Duration {
	if t, ok := threadCPU(); ok {
		return t
	}
	return time.Duration(time.Now().UnixNano())
}

// clockName names the clock the report's times are measured with.
func clockName() string {
	if _, ok := threadCPU(); ok {
		return "thread CPU time"
	}
	return "wall time"
}

// verdicts counts what the full set decides on a class's objects, so a reader sees
// that clean objects pass and violating ones do not under the configuration measured.
func verdicts(ctx context.Context, set *policy.PolicySet, inputs []policy.Input) (Verdicts, error) {
	var v Verdicts
	for _, in := range inputs {
		d, err := set.Evaluate(ctx, in)
		if err != nil {
			return v, err
		}
		switch {
		case !d.Allowed():
			v.Denied++
		case len(d.Warnings) > 0 || len(d.Violations) > 0:
			v.Warned++
		default:
			v.Allowed++
		}
	}
	return v, nil
}
