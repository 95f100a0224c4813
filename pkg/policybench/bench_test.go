package policybench

import (
	"bytes"
	"context"
	"encoding/json"
	"math"
	"reflect"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"github.com/apiguard/apiguard/pkg/policy"
)

func TestDropOneArithmetic(t *testing.T) {
	full := [][]float64{{10, 12, 11}, {20, 20, 20}}
	dropped := [][]float64{{8, 9, 10}, {15, 20, 19}}
	// Object 0: differences 2, 3, 1 (median 2); object 1: 5, 0, 1 (median 1). The
	// class's cost is their mean, 1.5; its decision is the mean of the objects' medians,
	// (11+20)/2.
	c := DropOne(full, dropped)
	if c.NsPerOp != 1.5 {
		t.Errorf("cost %v, want 1.5", c.NsPerOp)
	}
	if want := 1.5 / 15.5; math.Abs(c.Share-want) > 1e-12 {
		t.Errorf("share %v, want %v", c.Share, want)
	}
	if got := DecisionTime(full); got != 15.5 {
		t.Errorf("decision %v, want 15.5", got)
	}
	// An even count takes the mean of the middle two; a policy whose removal makes the
	// decision slower (noise) gets a negative cost, kept as measured.
	c = DropOne([][]float64{{10, 10, 10, 10}}, [][]float64{{11, 12, 9, 13}})
	if c.NsPerOp != -1.5 {
		t.Errorf("cost %v, want -1.5", c.NsPerOp)
	}
	if c := DropOne(nil, nil); c != (Cost{}) {
		t.Errorf("empty class: %+v", c)
	}
}

func TestMeanTimesAndAANoise(t *testing.T) {
	copies := [][][]float64{
		{{10, 20}, {30}},
		{{12, 22, 99}, {34}},
	}
	// Decision by decision; a copy's extra decision (99) has no partner and is left out.
	if got, want := MeanTimes(copies), [][]float64{{11, 21}, {32}}; !reflect.DeepEqual(got, want) {
		t.Errorf("mean %v, want %v", got, want)
	}
	// Copy 1 is 2 and 4 slower: DropOne(0, 1) is -(2+4)/2 = -3 over a decision of
	// (15+30)/2 = 22.5; DropOne(1, 0) is +3 over (17+34)/2 = 25.5. The larger |share|.
	if got, want := AANoise(copies), 3/22.5; math.Abs(got-want) > 1e-12 {
		t.Errorf("noise %v, want %v", got, want)
	}
	if got := AANoise(copies[:1]); got != 0 {
		t.Errorf("one copy: noise %v", got)
	}
}

func TestFinishOrdersAndAttributes(t *testing.T) {
	k := KindReport{
		Classes: map[Class]ClassReport{ClassClean: {}, ClassLarge: {}},
		PolicyCosts: []PolicyCost{
			{ID: "a", Cost: map[Class]Cost{ClassClean: {Share: 0.10}, ClassLarge: {Share: 0.02}}},
			{ID: "b", Cost: map[Class]Cost{ClassClean: {Share: 0.05}, ClassLarge: {Share: 0.30}}},
			{ID: "c", Cost: map[Class]Cost{ClassClean: {Share: -0.01}, ClassLarge: {Share: 0.01}}},
		},
	}
	k.finish()
	var ids []string
	for _, p := range k.PolicyCosts {
		ids = append(ids, p.ID)
	}
	if !reflect.DeepEqual(ids, []string{"b", "a", "c"}) {
		t.Errorf("order %v, want by highest share: b, a, c", ids)
	}
	if k.PolicyCosts[0].MaxShare != 0.30 {
		t.Errorf("max share %v", k.PolicyCosts[0].MaxShare)
	}
	if got := k.Unattributed[ClassClean]; math.Abs(got-0.86) > 1e-12 {
		t.Errorf("unattributed clean %v, want 0.86", got)
	}
	if got := k.Unattributed[ClassLarge]; math.Abs(got-0.67) > 1e-12 {
		t.Errorf("unattributed large %v, want 0.67", got)
	}
}

func TestMembers(t *testing.T) {
	ps := []policy.Policy{
		{ID: "any", Enforcement: policy.ActionDeny},
		{ID: "plain", Kinds: []string{"Ingress"}, Enforcement: policy.ActionWarn},
		{ID: "grouped", Kinds: []string{"networking.k8s.io/Ingress"}, Enforcement: policy.ActionDeny},
		{ID: "other-group", Kinds: []string{"extensions/Ingress"}, Enforcement: policy.ActionDeny},
		{ID: "core", Kinds: []string{"core/Service"}, Enforcement: policy.ActionDeny},
		{ID: "off", Kinds: []string{"Ingress"}, Enforcement: policy.ActionOff},
	}
	if got, want := Members(ps, "networking.k8s.io", "Ingress"), []string{"any", "grouped", "plain"}; !reflect.DeepEqual(got, want) {
		t.Errorf("Ingress members %v, want %v", got, want)
	}
	if got, want := Members(ps, "", "Service"), []string{"any", "core"}; !reflect.DeepEqual(got, want) {
		t.Errorf("Service members %v, want %v", got, want)
	}
}

func TestCorpusIsDeterministic(t *testing.T) {
	if !reflect.DeepEqual(NewCorpus(), NewCorpus()) {
		t.Fatal("two corpora differ")
	}
	for _, k := range NewCorpus().Kinds {
		for _, c := range Classes() {
			if len(k.Objects[c]) == 0 {
				t.Errorf("%s has no %s objects", k.Kind, c)
			}
		}
	}
}

// tinyTree has two Ingress policies: cheap reads one field; costly builds a message for
// each of 200 numbers, whatever the object. Their allocations differ by far more than
// any run-to-run variation, so the drop-one arithmetic is checked on them without
// timing anything.
func tinyTree() fstest.MapFS {
	return fstest.MapFS{
		"cheap.rego": {Data: []byte(`# METADATA
# title: cheap
# custom:
#   kinds: [Ingress]
package bench.cheap

deny contains "no spec" if not input.request.object.spec
`)},
		"costly.rego": {Data: []byte(`# METADATA
# title: costly
# custom:
#   kinds: [networking.k8s.io/Ingress]
package bench.costly

labels := {sprintf("%s-%d", [input.request.name, i]) | some i in numbers.range(1, 200)}

deny contains "too many" if count(labels) > 1000
`)},
	}
}

func TestRunOnTinyTree(t *testing.T) {
	ctx := context.Background()
	var mu sync.Mutex
	var drops [][]string
	load := func(ctx context.Context, data []map[string]any) (*policy.PolicySet, error) {
		var off []string
		for _, d := range data {
			cfg, _ := d["apiguard"].(map[string]any)["config"].(map[string]any)
			enf, _ := cfg["enforcement"].(map[string]any)
			for id := range enf {
				off = append(off, id)
			}
		}
		mu.Lock()
		drops = append(drops, off)
		mu.Unlock()
		return policy.Load(ctx, tinyTree(), policy.LoadOptions{Data: data})
	}
	rep, err := Run(ctx, load, Options{BenchTime: time.Millisecond, Count: 1})
	if err != nil {
		t.Fatal(err)
	}
	// Copies of the full set, then one set per member, each without exactly that
	// member: no load inherits another's drop (policy.Load merges data by reference).
	n := baselineCopies
	if len(drops) != n+2 || len(drops[n]) != 1 || len(drops[n+1]) != 1 || drops[n][0] == drops[n+1][0] {
		t.Fatalf("loads dropped %v, want none %d times, then each policy alone", drops, n)
	}
	for _, d := range drops[:n] {
		if len(d) != 0 {
			t.Fatalf("loads dropped %v, want none %d times, then each policy alone", drops, n)
		}
	}
	if len(rep.Kinds) != 1 || rep.Kinds[0].Kind != "networking.k8s.io/Ingress" || rep.Kinds[0].Policies != 2 {
		t.Fatalf("kinds %+v, want Ingress alone with 2 policies", rep.Kinds)
	}
	k := rep.Kinds[0]
	corpus := NewCorpus()
	for _, c := range Classes() {
		cr, ok := k.Classes[c]
		if !ok {
			t.Fatalf("no %s class", c)
		}
		if cr.Objects != len(corpus.Kinds[0].Objects[c]) || cr.Decision.NsPerOp <= 0 || cr.Decision.AllocsPerOp <= 0 {
			t.Errorf("%s: %+v", c, cr)
		}
		if v := cr.Verdicts; v.Allowed+v.Warned+v.Denied != cr.Objects || v.Allowed != cr.Objects {
			t.Errorf("%s verdicts %+v, want all %d allowed by the tiny tree", c, v, cr.Objects)
		}
		if _, ok := k.Unattributed[c]; !ok {
			t.Errorf("no unattributed share for %s", c)
		}
		if v, ok := k.Noise[c]; !ok || v < 0 {
			t.Errorf("noise for %s: %v, %v", c, v, ok)
		}
	}
	cost := map[string]PolicyCost{}
	for _, p := range k.PolicyCosts {
		cost[p.ID] = p
	}
	costly, cheap := cost["bench.costly"], cost["bench.cheap"]
	if len(costly.Cost) != 3 || len(cheap.Cost) != 3 {
		t.Fatalf("policy costs %+v", k.PolicyCosts)
	}
	for _, c := range Classes() {
		// 200 formatted strings and a set of them, against one field read.
		if costly.Cost[c].AllocsPerOp < 200 || costly.Cost[c].AllocsPerOp < 10*math.Abs(cheap.Cost[c].AllocsPerOp) {
			t.Errorf("%s: costly adds %v allocations, cheap %v", c, costly.Cost[c].AllocsPerOp, cheap.Cost[c].AllocsPerOp)
		}
	}

	var js bytes.Buffer
	if err := rep.WriteJSON(&js); err != nil {
		t.Fatal(err)
	}
	var back Report
	if err := json.Unmarshal(js.Bytes(), &back); err != nil {
		t.Fatal(err)
	}
	if back.Method != Method || back.Count != 1 || back.Machine.CPUs <= 0 || len(back.Kinds[0].PolicyCosts) != 2 || back.Engine == "" {
		t.Errorf("JSON round trip: %+v", back)
	}
	for _, key := range []string{`"policyCosts"`, `"maxShare"`, `"unattributed"`, `"nsPerOp"`, `"allocsPerOp"`, `"bytesPerOp"`, `"share"`, `"clean"`, `"violating"`, `"large"`} {
		if !strings.Contains(js.String(), key) {
			t.Errorf("JSON has no %s", key)
		}
	}
}

func TestWriteText(t *testing.T) {
	rep := &Report{Date: "2026-01-02T03:04:05Z", Engine: "1.0.0", BenchTime: "40ms", Count: 5, Clock: "thread CPU time",
		Machine: Machine{OS: "linux", Arch: "amd64", CPUs: 2, CPU: "Test CPU"},
		Kinds: []KindReport{{
			Kind: "networking.k8s.io/Ingress", Policies: 7,
			Classes: map[Class]ClassReport{
				ClassClean: {Objects: 2, Decision: Stat{NsPerOp: 800_000, AllocsPerOp: 4000}},
				ClassLarge: {Objects: 1, Decision: Stat{NsPerOp: 5_000_000, AllocsPerOp: 27000}},
			},
		}},
	}
	for i, share := range []float64{0.24, 0.12, 0.07, 0.05, 0.04, 0.03, 0.01} {
		rep.Kinds[0].PolicyCosts = append(rep.Kinds[0].PolicyCosts, PolicyCost{
			ID: "p" + string(rune('a'+i)), Cost: map[Class]Cost{ClassClean: {Stat: Stat{AllocsPerOp: 100}, Share: share}, ClassLarge: {Share: share / 2}},
		})
	}
	rep.Kinds[0].finish()
	var b bytes.Buffer
	if err := rep.WriteText(&b, 5); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{
		"2026-01-02T03:04:05Z", "linux/amd64 2 CPUs Test CPU", "OPA 1.0.0", "40ms of thread CPU time x 5",
		"Ingress, 7 policies", "800µs", "5ms", " 4000  rest 44% - 72%",
		"! pa", "24.0%", "12.0%", "  pb", "1 policy above 15%",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("table has no %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, " pf ") || strings.Contains(out, " pg ") {
		t.Errorf("table lists more than 5 policies:\n%s", out)
	}
	if n := strings.Count(out, "\n"); n > 14 {
		t.Errorf("%d lines for one kind", n)
	}
}
