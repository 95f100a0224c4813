package audit

import (
	"cmp"
	"context"
	"slices"
	"sync"
	"time"

	"github.com/apiguard/apiguard/pkg/evaluate"
	"github.com/apiguard/apiguard/pkg/policy"
	"github.com/apiguard/apiguard/pkg/references"
)

// runOptions tune one run.
type runOptions struct {
	// skip reports whether a namespace is out of scope (excluded or ignored).
	skip func(namespace string) bool
	// workers evaluate objects concurrently; the replica keeps serving admission, so
	// the default leaves it cores.
	workers int
	// maxEntries caps the report's entries; counts stay complete.
	maxEntries int
	// evalTimeout bounds one object's evaluation.
	evalTimeout time.Duration
	// references reads a Tyk OAS API's ConfigMap (one GET), as admission does.
	references references.Lookup
	// judged, when set, is handed each judged object with all its entries (before the
	// cap), in run order: the OpenReports writer builds its Reports from them.
	judged func(o *Object, entries []Entry)
}

// chunkSize is how many objects are evaluated before their entries are merged, which
// bounds what a run holds beyond the capped report: 50,000 violating objects would
// otherwise all sit in memory with their messages until the end.
const chunkSize = 512

// run evaluates every object with set and returns the report, or nil when ctx ended
// first (a replica that lost the lease publishes nothing half done).
func run(ctx context.Context, set *policy.PolicySet, objects []*Object, opts runOptions) *Report {
	r := &Report{Revision: set.Revision(), StartedAt: time.Now()}
	r.ID = r.StartedAt.UnixNano()
	slices.SortFunc(objects, CompareObjects)
	judged := objects[:0:0]
	for _, o := range objects {
		if opts.skip != nil && opts.skip(o.Namespace) {
			r.Skipped++
			continue
		}
		judged = append(judged, o)
	}
	counts := map[Count]int{}
	results := make([][]Entry, chunkSize)
	for start := 0; start < len(judged); start += chunkSize {
		chunk := judged[start:min(start+chunkSize, len(judged))]
		evaluateChunk(ctx, set, chunk, results, opts)
		if ctx.Err() != nil {
			return nil
		}
		for i := range chunk {
			entries := results[i]
			results[i] = nil
			if opts.judged != nil {
				opts.judged(chunk[i], entries)
			}
			if len(entries) == 1 && entries[0].Action == ActionError {
				r.Errors++
			}
			r.Objects++
			for _, e := range entries {
				if e.Action != ActionError {
					counts[Count{Policy: e.Policy, Kind: e.Kind, Namespace: e.Namespace, Action: e.Action}]++
				}
				r.Total++
				if len(r.Entries) < opts.maxEntries {
					r.Entries = append(r.Entries, e)
				}
			}
		}
	}
	for c, n := range counts {
		c.N = n
		r.Counts = append(r.Counts, c)
	}
	slices.SortFunc(r.Counts, func(a, b Count) int {
		return cmp.Or(cmp.Compare(a.Policy, b.Policy), cmp.Compare(a.Kind, b.Kind), cmp.Compare(a.Namespace, b.Namespace), cmp.Compare(a.Action, b.Action))
	})
	r.FinishedAt = time.Now()
	return r
}

// CompareObjects orders objects by namespace, kind, name and API version: the order of
// /audit and of `apiguard audit`.
func CompareObjects(a, b *Object) int {
	return cmp.Or(cmp.Compare(a.Namespace, b.Namespace), cmp.Compare(a.Kind, b.Kind), cmp.Compare(a.Name, b.Name), cmp.Compare(a.APIVersion, b.APIVersion))
}

// evaluateChunk fills results[i] with the entries of chunk[i], on opts.workers workers.
func evaluateChunk(ctx context.Context, set *policy.PolicySet, chunk []*Object, results [][]Entry, opts runOptions) {
	next := make(chan int)
	var wg sync.WaitGroup
	for range max(1, min(opts.workers, len(chunk))) {
		wg.Go(func() {
			for i := range next {
				results[i] = judge(ctx, set, chunk[i], opts)
			}
		})
	}
	for i := range chunk {
		if ctx.Err() != nil {
			break
		}
		next <- i
	}
	close(next)
	wg.Wait()
}

// judge evaluates one object, entries sorted; an object that cannot be evaluated gets
// one error entry.
func judge(ctx context.Context, set *policy.PolicySet, o *Object, opts runOptions) []Entry {
	ctx, cancel := context.WithTimeout(ctx, opts.evalTimeout)
	defer cancel()
	res, err := evaluate.AuditWithReferences(ctx, set, o.Raw, opts.references)
	if err != nil {
		return []Entry{{APIVersion: o.APIVersion, Kind: o.Kind, Namespace: o.Namespace, Name: o.Name, Message: err.Error(), Action: ActionError, Revision: set.Revision(), UID: o.UID}}
	}
	entries := entriesOf(o, res.Decision, res.Patches)
	slices.SortFunc(entries, compareEntries)
	return entries
}
