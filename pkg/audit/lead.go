package audit

import (
	"context"
	"time"

	"k8s.io/client-go/kubernetes"

	"github.com/apiguard/apiguard/pkg/references"
)

// pollInterval is how often the leader looks for a new policy revision to audit at once.
// Reading the holder is an atomic load: polling costs nothing.
const pollInterval = time.Second

// lead audits while this replica holds the lease: it fills the cache once, then runs
// every Interval and whenever the active revision changes, until ctx ends. Losing the
// lease unpublishes the report, so metrics and /audit never show a stale leader's view.
func (a *Auditor) lead(ctx context.Context, identity string) {
	log := a.opts.Log
	a.leading.Store(true)
	defer func() {
		a.leading.Store(false)
		a.report.Store(nil)
		log.Info("stopped auditing")
	}()
	log.Info("auditing: this replica holds the lease", "lease", a.opts.LeaseNamespace+"/"+a.opts.LeaseName)
	c, err := a.startCache(ctx)
	if err != nil {
		return
	}
	var events *eventSink
	if a.opts.Events {
		if events, err = newEventSink(a.opts.Config, a.events, log); err != nil {
			log.Error(err, "audit events are off")
		} else {
			defer events.stop()
		}
	}
	var refs references.Lookup
	if cs, err := kubernetes.NewForConfig(a.opts.Config); err != nil {
		log.Error(err, "audit: Tyk OAS APIs are judged without their ConfigMaps")
	} else {
		refs = references.ClusterLookup(cs)
	}
	exclude := map[string]bool{}
	for _, ns := range a.opts.Exclude {
		exclude[ns] = true
	}
	lastRevision := ""
	next := time.Now()
	tick := time.NewTicker(pollInterval)
	defer tick.Stop()
	for {
		set := a.opts.Holder.Current()
		if set != nil && (!time.Now().Before(next) || set.Revision() != lastRevision) {
			if _, err := c.watchNewKinds(ctx); err != nil {
				log.Error(err, "audit: looking for newly served kinds")
			}
			ignored := c.ignoredNamespaces()
			reports := a.reports.begin(ctx, set) // nil when off or not served
			rep := run(ctx, set, c.objects(), runOptions{
				judged:      reports.judged,
				skip:        func(ns string) bool { return exclude[ns] || ignored[ns] },
				workers:     a.opts.Workers,
				maxEntries:  a.opts.MaxEntries,
				evalTimeout: a.opts.EvalTimeout,
				references:  refs,
			})
			if rep == nil {
				return
			}
			rep.Auditor = identity
			a.report.Store(rep)
			a.runs.Inc()
			lastRevision, next = rep.Revision, time.Now().Add(a.opts.Interval)
			d := rep.Duration()
			log.Info("audit run finished", "revision", rep.Revision, "objects", rep.Objects, "skipped", rep.Skipped,
				"findings", rep.Total, "errors", rep.Errors, "duration", d.Round(time.Millisecond).String(),
				"objectsPerSecond", int(float64(rep.Objects)/max(d.Seconds(), 1e-9)))
			if events != nil {
				events.announce(rep)
			}
			reports.finish(ctx)
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// startCache starts the audit cache, retrying while the API server is unreachable.
func (a *Auditor) startCache(ctx context.Context) (*clusterCache, error) {
	for {
		c, err := newClusterCache(a.opts.Config)
		if err == nil {
			start := time.Now()
			if err = c.start(ctx); err == nil {
				a.opts.Log.Info("audit cache synced", "kinds", len(c.informers), "objects", len(c.objects()), "duration", time.Since(start).Round(time.Millisecond).String())
				return c, nil
			}
		}
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		a.opts.Log.Error(err, "audit cache did not start; retrying")
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(a.opts.RetryPeriod):
		}
	}
}
