// Package adversarial runs the adversarial corpus, test/adversarial/*.yaml: admission
// fixtures (test/fixtures/README.md) of hostile and tricky inputs, each with the verdict
// it must get and the controller behaviour that verdict rests on. TestCorpusCLI runs
// every case through package fixture, exactly as
//
//	apiguard test --fixtures test/adversarial policies/
//
// does; TestCorpusWebhook sends every case through a real kube-apiserver to the webhook
// binary running the same library, with the case's inventory created for real, and
// asserts that the cluster's verdict is the expected one and the CLI's. README.md in this
// directory says how to add a case and how to run one file.
package adversarial

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/apiguard/apiguard/internal/kubetest"
	"github.com/apiguard/apiguard/pkg/evaluate"
	"github.com/apiguard/apiguard/pkg/fixture"
	"github.com/apiguard/apiguard/pkg/policy"
	"github.com/apiguard/apiguard/pkg/source"
)

// corpus is the corpus as both paths run it: the files, and the CLI's result for each
// case, in file order.
type corpus struct {
	root  string
	files []*fixture.File
	// cli holds the CLI's results by file path, then by case name.
	cli map[string]map[string]fixture.Result
}

// loadCorpus reads every fixture file of this directory and runs it through package
// fixture with the bundled library, as apiguard test does: the same policy snapshot,
// the same loader (data merged over the tree's data), the same default identity.
func loadCorpus(t *testing.T) *corpus {
	t.Helper()
	root, err := kubetest.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(root, "test", "adversarial")
	paths, err := fixture.Find([]string{dir})
	if err != nil {
		t.Fatal(err)
	}
	if len(paths) == 0 {
		t.Fatalf("no corpus files (*.yaml) in %s", dir)
	}
	files, err := fixture.Load(paths)
	if err != nil {
		t.Fatalf("the corpus does not load (every mistake is listed):\n%v", err)
	}
	ctx := context.Background()
	snap, err := source.Dir{Path: filepath.Join(root, "policies")}.Snapshot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	load := func(ctx context.Context, data []map[string]any) (*policy.PolicySet, error) {
		return policy.Load(ctx, snap.FS, policy.LoadOptions{Revision: snap.Revision, Data: data})
	}
	results, err := fixture.Run(ctx, load, files, fixture.Options{Identity: evaluate.GitOpsIdentity})
	if err != nil {
		t.Fatal(err)
	}
	c := &corpus{root: root, files: files, cli: map[string]map[string]fixture.Result{}}
	for _, r := range results {
		if c.cli[r.File] == nil {
			c.cli[r.File] = map[string]fixture.Result{}
		}
		c.cli[r.File][r.Name] = r
	}
	return c
}

// tally counts one path's outcome per file for the summary line.
type tally struct {
	order  []string
	cases  map[string]int
	passed map[string]int
}

func newTally() *tally { return &tally{cases: map[string]int{}, passed: map[string]int{}} }

func (t *tally) add(file string, passed bool) {
	if _, ok := t.cases[file]; !ok {
		t.order = append(t.order, file)
	}
	t.cases[file]++
	if passed {
		t.passed[file]++
	}
}

// summary is one line for the whole run and one per file, e.g.
// "adversarial corpus (webhook): 152 cases in 8 files, 150 passed; ingress-hosts.yaml 20/20, ...".
func (t *tally) summary(path string) string {
	total, passed := 0, 0
	per := make([]string, 0, len(t.order))
	for _, f := range t.order {
		total += t.cases[f]
		passed += t.passed[f]
		per = append(per, fmt.Sprintf("%s %d/%d", f, t.passed[f], t.cases[f]))
	}
	return fmt.Sprintf("adversarial corpus (%s): %d cases in %d files, %d passed; %s", path, total, len(t.order), passed, strings.Join(per, ", "))
}

// TestCorpusCLI asserts that every case gets its expected verdict from the CLI's
// fixture runner. Subtests are <file>/<case>, so -run 'TestCorpusCLI/seed.yaml' runs
// one file.
func TestCorpusCLI(t *testing.T) {
	c := loadCorpus(t)
	counts := newTally()
	c.eachCase(t, counts, func(t *testing.T, base string, fc fixture.Case, r fixture.Result) {
		switch {
		case r.Err != nil:
			t.Errorf("%s: %q could not be decided: %v", base, fc.Name, r.Err)
		case !r.Passed():
			t.Errorf("%s: %q:\n%s", base, fc.Name, strings.Join(r.Failures, "\n"))
		}
	})
	t.Log(counts.summary("CLI"))
}

// eachCase runs check as the subtest <file>/<case> of every case, with the CLI's result
// for it, and counts the case as passed when the subtest did not fail.
func (c *corpus) eachCase(t *testing.T, counts *tally, check func(t *testing.T, base string, fc fixture.Case, cli fixture.Result)) {
	for _, f := range c.files {
		base := filepath.Base(f.Path)
		t.Run(base, func(t *testing.T) {
			for _, fc := range f.Cases {
				t.Run(fc.Name, func(t *testing.T) {
					defer func() { counts.add(base, !t.Failed()) }()
					check(t, base, fc, c.cli[f.Path][fc.Name])
				})
			}
		})
	}
}

// sameSet reports whether two sorted ID lists hold the same IDs.
func sameSet(a, b []string) bool {
	return slices.Equal(slices.Compact(slices.Sorted(slices.Values(a))), slices.Compact(slices.Sorted(slices.Values(b))))
}

func list(ids []string) string {
	if len(ids) == 0 {
		return "none"
	}
	return "[" + strings.Join(ids, ", ") + "]"
}
