package policysync

import (
	"context"
	"testing"

	"github.com/go-logr/logr"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/apiguard/apiguard/pkg/policy"
	"github.com/apiguard/apiguard/pkg/source"
)

// alwaysNew hands out the same tree under a new revision each time, so every SyncOnce
// goes through the whole gate: compile, test and swap.
type alwaysNew struct {
	dir string
	n   int
}

func (a *alwaysNew) Fetch(ctx context.Context, _ string) (source.Snapshot, error) {
	snap, err := source.Dir{Path: a.dir}.Snapshot(ctx)
	a.n++
	snap.Revision = snap.Revision + "-" + string(rune('a'+a.n%26))
	return snap, err
}

func (a *alwaysNew) String() string { return "bench" }

func benchmarkActivate(b *testing.B, requireTests bool) {
	s, err := New(Options{Source: &alwaysNew{dir: "../../policies"}, Holder: policy.NewHolder(), RequireTests: requireTests,
		Registerer: prometheus.NewRegistry(), Log: logr.Discard()})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if res, err := s.SyncOnce(ctx); res != ResultActivated {
			b.Fatalf("%s %v", res, err)
		}
	}
}

// BenchmarkActivateLibrary: read, compile and swap the bundled library.
func BenchmarkActivateLibrary(b *testing.B) { benchmarkActivate(b, false) }

// BenchmarkActivateLibraryWithTests adds the repository-test gate.
func BenchmarkActivateLibraryWithTests(b *testing.B) { benchmarkActivate(b, true) }
