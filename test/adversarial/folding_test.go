package adversarial

import (
	"context"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/apiguard/apiguard/internal/kubetest"
	"github.com/apiguard/apiguard/pkg/evaluate"
	"github.com/apiguard/apiguard/pkg/fixture"
	"github.com/apiguard/apiguard/pkg/policy"
	"github.com/apiguard/apiguard/pkg/source"
)

// TestFoldingChangesNoDecision runs every case of the adversarial corpus and of
// test/fixtures, each file under its own configuration, through the bundled library
// twice: as the webhook serves it once a revision is active (data-only rules folded to
// values, PolicySet.Fold) and as written. Every outcome must be the same to the
// byte: allowed, every message, every patch, the patched object.
func TestFoldingChangesNoDecision(t *testing.T) {
	root, err := kubetest.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	paths, err := fixture.Find([]string{filepath.Join(root, "test", "adversarial"), filepath.Join(root, "test", "fixtures")})
	if err != nil {
		t.Fatal(err)
	}
	files, err := fixture.Load(paths)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	snap, err := source.Dir{Path: filepath.Join(root, "policies")}.Snapshot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	folded := 0
	run := func(unfolded bool) []fixture.Result {
		load := func(ctx context.Context, data []map[string]any) (*policy.PolicySet, error) {
			set, err := policy.Load(ctx, snap.FS, policy.LoadOptions{Revision: snap.Revision, Data: data})
			if err != nil || unfolded {
				return set, err
			}
			if f, err := set.Fold(ctx); err != nil || f.Skipped != "" || f.Folded == 0 {
				t.Errorf("the library did not fold: %+v, %v", f, err)
			} else {
				folded++
			}
			return set, nil
		}
		results, err := fixture.Run(ctx, load, files, fixture.Options{Identity: evaluate.GitOpsIdentity})
		if err != nil {
			t.Fatal(err)
		}
		return results
	}
	got, want := run(false), run(true)
	if len(got) != len(want) || len(got) < 500 {
		t.Fatalf("%d folded results against %d unfolded; want the same number, over 500", len(got), len(want))
	}
	denied, patched := 0, 0
	for i := range got {
		g, w := got[i], want[i]
		if g.File != w.File || g.Name != w.Name {
			t.Fatalf("result %d: %s %q against %s %q", i, g.File, g.Name, w.File, w.Name)
		}
		if (g.Err == nil) != (w.Err == nil) || (g.Err != nil && g.Err.Error() != w.Err.Error()) {
			t.Errorf("%s %q: error %v folded, %v unfolded", filepath.Base(g.File), g.Name, g.Err, w.Err)
			continue
		}
		if g.Err != nil {
			continue
		}
		if !reflect.DeepEqual(g.Outcome.Decision, w.Outcome.Decision) || !reflect.DeepEqual(g.Outcome.Patches, w.Outcome.Patches) || string(g.Outcome.Patched) != string(w.Outcome.Patched) {
			t.Errorf("%s %q:\nfolded   %+v %+v\nunfolded %+v %+v", filepath.Base(g.File), g.Name, g.Outcome.Decision, g.Outcome.Patches, w.Outcome.Decision, w.Outcome.Patches)
		}
		if !w.Outcome.Decision.Allowed() {
			denied++
		}
		if len(w.Outcome.Patches) > 0 {
			patched++
		}
	}
	t.Logf("%d cases in %d files under %d configurations: the same outcome folded and unfolded (%d denied, %d patched)", len(got), len(files), folded, denied, patched)
}
