package policy

import (
	"context"
	"errors"
	"fmt"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	admissionv1 "k8s.io/api/admission/v1"
)

// foldTree exercises every shape foldDataOnly must tell apart: rules of data alone
// (folded), of input, of a function that reads input, of the inventory, one that fails
// on its data, and one that is undefined.
const foldTree = `package p

import data.lib.cfg

# data only: folded
hosts := {lower(h) | some h in cfg.setting("hosts", ["A.example.com"])}
max_rules := object.get(data.apiguard.config, ["p", "maxRules"], 1)
labels contains l if { some l in cfg.setting("labels", ["team"]) }

# undefined under the data below: folded to a rule that is never defined
configured if data.apiguard.config.p.enabled == true

# reads input, directly or through a function: evaluated per request
rules := object.get(input.request.object, ["spec", "rules"], [])
first_host := host_of(0)
host_of(i) := input.request.object.spec.rules[i].host

# reads the inventory: evaluated per request, so inventory updates are seen
claimed contains h if { some h, _ in data.apiguard.inventory.hosts }

# fails on its data (a string is not a number): left to fail at request time
broken := data.apiguard.config.p.name + 1

deny contains msg if {
	count(rules) > max_rules
	msg := sprintf("%d rules, more than %d", [count(rules), max_rules])
}

deny contains msg if {
	not lower(first_host) in hosts
	msg := sprintf("host %s is not in %v", [first_host, sort([h | some h in hosts])])
}

deny contains msg if {
	some h in claimed
	h == first_host
	msg := sprintf("host %s is claimed", [h])
}

warn contains msg if {
	configured
	msg := "configured"
}

warn contains "labels" if count(labels) > 0
`

const foldLib = `package lib.cfg

setting(key, fallback) := object.get(data.apiguard.config, ["p", key], fallback)
`

func foldFiles(extra map[string]string) map[string]string {
	files := map[string]string{
		"p/p.rego":     foldTree,
		"lib/cfg.rego": foldLib,
		"data.yaml":    "apiguard:\n  config:\n    p:\n      maxRules: 2\n      name: x\n",
	}
	for k, v := range extra {
		files[k] = v
	}
	return files
}

// folded loads files and folds the set.
func folded(t *testing.T, files map[string]string) *PolicySet {
	t.Helper()
	set := load(t, files)
	if _, err := set.Fold(context.Background()); err != nil {
		t.Fatal(err)
	}
	return set
}

func TestFoldingFoldsOnlyDataOnlyRules(t *testing.T) {
	set := folded(t, foldFiles(nil))
	got := set.Folding()
	// hosts, max_rules, labels and warn (its rules read data alone); configured is
	// undefined. Not folded: rules and first_host (input), claimed (inventory), broken
	// (fails), deny (input), the functions.
	if got.Folded != 4 || got.Undefined != 1 || got.Skipped != "" || got.OverBudget != 0 {
		t.Fatalf("Folding() = %+v, want 4 folded and 1 undefined", got)
	}
	unfolded := load(t, foldFiles(nil))
	if u := unfolded.Folding(); u.Folded != 0 || u.Skipped == "" {
		t.Fatalf("unfolded Folding() = %+v", u)
	}
	if again, err := set.Fold(context.Background()); err != nil || again != got {
		t.Fatalf("a second Fold = %+v, %v; want the first's %+v", again, err, got)
	}
	ctx := context.Background()
	obj := func(hosts ...string) map[string]any {
		var rules []any
		for _, h := range hosts {
			rules = append(rules, map[string]any{"host": h})
		}
		return map[string]any{"kind": "Ingress", "metadata": map[string]any{"name": "x", "namespace": "team"}, "spec": map[string]any{"rules": rules}}
	}
	inventory := map[string]any{"hosts": map[string]any{"a.example.com": []any{"other/x"}}}
	for name, o := range map[string]map[string]any{
		"allowed host":    obj("a.example.com"),
		"other host":      obj("b.example.com"),
		"too many rules":  obj("a.example.com", "a.example.com", "a.example.com"),
		"upper-case host": obj("A.EXAMPLE.COM"),
		"no rules":        obj(),
	} {
		for _, inv := range []map[string]any{{}, inventory} {
			var decisions [2]Decision
			for i, s := range []*PolicySet{set, unfolded} {
				if err := s.SeedInventory(ctx, inv); err != nil {
					t.Fatal(err)
				}
				d, err := s.Evaluate(ctx, Input{Request: ingressRequest(admissionv1.Create, "team", o)})
				if err != nil && name != "no rules" {
					t.Fatalf("%s: %v", name, err)
				}
				decisions[i] = d
			}
			if !reflect.DeepEqual(decisions[0], decisions[1]) {
				t.Errorf("%s (inventory %v): folded %+v, unfolded %+v", name, inv, decisions[0], decisions[1])
			}
		}
	}
	// The inventory is still read per request: the claimed host is denied once seeded.
	if err := set.SeedInventory(ctx, inventory); err != nil {
		t.Fatal(err)
	}
	d, err := set.Evaluate(ctx, Input{Request: ingressRequest(admissionv1.Create, "team", obj("a.example.com"))})
	if err != nil || d.Allowed() || !strings.Contains(d.Violations[0].Message, "is claimed") {
		t.Fatalf("claimed host: %+v, %v", d, err)
	}
}

// A rule that fails on the set's data is left unfolded, so the failure still fails the
// request (fail closed), as it did before folding.
func TestFoldingLeavesFailingRulesToFailPerRequest(t *testing.T) {
	set := folded(t, foldFiles(map[string]string{"q/q.rego": `package q

deny contains "broken" if data.p.broken > 0
`}))
	_, err := set.Evaluate(context.Background(), Input{Request: ingressRequest(admissionv1.Create, "team", ingress("x", true))})
	var evalErr *EvalError
	if !errors.As(err, &evalErr) || !strings.Contains(err.Error(), "plus") {
		t.Fatalf("err = %v, want the builtin error of data.p.broken", err)
	}
}

// A slow data-only rule does not hold up activation: it is left to run, under each
// request's deadline, as before.
func TestFoldingBudget(t *testing.T) {
	set := load(t, map[string]string{"p.rego": `package p

slow := count([1 | some i in numbers.range(1, 3000); some j in numbers.range(1, 3000)])

deny contains "slow" if slow < 0
`})
	start := time.Now()
	if _, err := set.Fold(context.Background()); err != nil {
		t.Fatal(err)
	}
	if took := time.Since(start); took > 2*time.Second {
		t.Errorf("Fold took %s with a slow data-only rule", took)
	}
	// slow, and deny, which reads it.
	if got := set.Folding(); got.OverBudget != 2 || got.Folded != 0 {
		t.Errorf("Folding() = %+v, want the slow rule and its reader over budget", got)
	}
}

// A module with `with` may evaluate a rule under other data than the set's: nothing is
// folded then.
func TestFoldingSkipsTreesThatUseWith(t *testing.T) {
	set := folded(t, foldFiles(map[string]string{"q/q.rego": `package q

deny contains "x" if data.p.max_rules == 5 with data.apiguard.config.p.maxRules as 5
`}))
	if got := set.Folding(); got.Folded != 0 || !strings.Contains(got.Skipped, "with") {
		t.Errorf("Folding() = %+v, want skipped for with", got)
	}
}

// The bundled library folds under the examples' configuration and under none, and the
// folded modules compile (no silent fallback to the unfolded tree).
func TestFoldingTheLibrary(t *testing.T) {
	data, err := ReadDataFiles([]string{"../../test/examples-config.yaml"})
	if err != nil {
		t.Fatal(err)
	}
	for name, opts := range map[string]LoadOptions{
		"examples config": {Revision: "lib", Data: data},
		"no config":       {Revision: "lib"},
	} {
		set, err := Load(context.Background(), os.DirFS("../../policies"), opts)
		if err != nil {
			t.Fatal(err)
		}
		got, err := set.Fold(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if got.Skipped != "" || got.OverBudget != 0 || got.Folded < 200 {
			t.Errorf("%s: Folding() = %+v, want over 200 rules folded and nothing skipped", name, got)
		}
		t.Logf("%s: %d data-only rules folded to values, %d to undefined", name, got.Folded, got.Undefined)
	}
}

// Fold may run while the set serves: every evaluation, before, during and after, gets
// the same decision (run with -race to check the swap).
func TestFoldWhileEvaluating(t *testing.T) {
	data, err := ReadDataFiles([]string{"../../test/examples-config.yaml"})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	set, err := Load(ctx, os.DirFS("../../policies"), LoadOptions{Revision: "lib", Data: data})
	if err != nil {
		t.Fatal(err)
	}
	inputs := []Input{
		{Request: ingressRequest(admissionv1.Create, "team", ingress("ok", true))},
		{Request: ingressRequest(admissionv1.Create, "team", ingress("plain", false))},
	}
	var want []Decision
	for _, in := range inputs {
		d, err := set.Evaluate(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		want = append(want, d)
	}
	if want[0].Allowed() == want[1].Allowed() {
		t.Fatal("the two inputs must get different verdicts for the comparison to mean anything")
	}
	done := make(chan struct{})
	errs := make(chan error, 4)
	for range 4 {
		go func() {
			n := 0
			for {
				select {
				case <-done:
					if n > 0 {
						errs <- nil
						return
					}
				default:
				}
				for i, in := range inputs {
					d, err := set.Evaluate(ctx, in)
					if err != nil || !reflect.DeepEqual(d, want[i]) {
						errs <- fmt.Errorf("evaluation %d: %+v, %v; want %+v", i, d, err, want[i])
						return
					}
				}
				n++
			}
		}()
	}
	stats, err := set.Fold(ctx)
	close(done)
	for range 4 {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
	if err != nil || stats.Folded == 0 {
		t.Fatalf("Fold = %+v, %v", stats, err)
	}
	for i, in := range inputs {
		if d, err := set.Evaluate(ctx, in); err != nil || !reflect.DeepEqual(d, want[i]) {
			t.Errorf("after Fold, evaluation %d: %+v, %v", i, d, err)
		}
	}
}
