package policysync

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"net/http"
	"runtime/debug"
	"strings"
	"sync"
	"time"

	"github.com/go-logr/logr"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/apiguard/apiguard/pkg/policy"
	"github.com/apiguard/apiguard/pkg/source"
)

// Options configure a Syncer.
type Options struct {
	Source source.Source
	Holder *policy.Holder
	// Interval between syncs; jittered ±10% so replicas do not poll in step. Zero makes
	// Run sync once.
	Interval time.Duration
	// RequireTests gates activation on the tree's own *_test.rego tests passing.
	RequireTests bool
	// AllowEmpty lets a revision without any policy activate. Without it such a revision
	// (a ConfigMap or Git path that holds no Rego rules, a wrong --git-path) is refused
	// like one that does not compile, and the last good set keeps deciding. Even when
	// allowed, Ready reports an empty set as not ready: a replica that enforces nothing
	// must never look healthy.
	AllowEmpty bool
	// ClusterName and Data are the per-cluster overlays passed to the engine.
	ClusterName string
	Data        []map[string]any
	// CacheDir, if set, keeps the last good snapshot across restarts.
	CacheDir string
	// BeforeActivate, if set, runs on a set that passed the gate, just before the swap;
	// the webhook seeds the cluster inventory here. An error refuses the revision.
	BeforeActivate func(context.Context, *policy.PolicySet) error
	Registerer     prometheus.Registerer
	Log            logr.Logger
}

// Attempt records one sync.
type Attempt struct {
	Time     time.Time `json:"time"`
	Result   string    `json:"result"`
	Revision string    `json:"revision,omitempty"`
	Error    string    `json:"error,omitempty"`
	Duration string    `json:"duration"`
}

// Counts summarise the active set.
type Counts struct {
	Policies int `json:"policies"`
	Deny     int `json:"deny"`
	Warn     int `json:"warn"`
	Patch    int `json:"patch"`
	Tests    int `json:"testsPassed"`
}

// Status is the /status document.
type Status struct {
	Revision      string             `json:"revision"`
	ShortRevision string             `json:"shortRevision"`
	Source        string             `json:"source"`
	Commit        *source.CommitInfo `json:"commit,omitempty"`
	ActivatedAt   *time.Time         `json:"activatedAt"`
	// Stale is set when the active set was not confirmed as the source's newest
	// acceptable revision by the last attempt (source unreachable, a newer revision
	// refused, or served from the cache).
	Stale       bool     `json:"stale"`
	StaleReason string   `json:"staleReason,omitempty"`
	Policies    []string `json:"policies"`
	// Inert lists the policies whose enabled rule is not true under the active
	// configuration: listed in Policies, but never evaluated until a new revision or
	// new data enables them.
	Inert       []string   `json:"inert,omitempty"`
	Counts      Counts     `json:"counts"`
	Warnings    []string   `json:"warnings,omitempty"`
	LastAttempt *Attempt   `json:"lastAttempt"`
	LastSuccess *time.Time `json:"lastSuccess"`
	LastError   *Attempt   `json:"lastError"`
	// CacheError is why the last write of the policy cache failed (a full or read-only
	// disk); empty once a write succeeds. Serving is unaffected, but a restart while the
	// source is down would find no, or an older, cached revision.
	CacheError string `json:"cacheError,omitempty"`
	// Exceptions are the active revision's PolicyExceptions, expired ones included, so a
	// reader (apiguard status) lists those that expire soon.
	Exceptions []ExceptionStatus `json:"exceptions,omitempty"`
	// ExceptionWarnDays is the window (apiguard.config.exceptions.expiryWarningDays)
	// within which an exception counts as expiring soon.
	ExceptionWarnDays int `json:"exceptionWarnDays,omitempty"`
}

// ExceptionStatus is one PolicyException of the active revision.
type ExceptionStatus struct {
	Name     string    `json:"name"`
	Policies []string  `json:"policies"`
	Ticket   string    `json:"ticket,omitempty"`
	Expires  time.Time `json:"expires"`
}

// Syncer keeps the Holder on the newest revision that passes the gate.
type Syncer struct {
	opts    Options
	metrics *metrics
	mu      sync.Mutex // guards status
	status  Status
	// syncMu is held across one sync (SyncOnce, or Run's activation of the cache), so
	// syncs never overlap whoever calls them: the Holder's revision a sync fetches
	// against is the one it replaces, and refusal is read and written by one sync at a
	// time. It is taken before mu, never after.
	syncMu sync.Mutex
	// refusal is the last revision the gate refused for a reason only a new commit can
	// change: it does not compile, or its tests fail. Guarded by syncMu.
	refusal *refusal
}

// refusal remembers why the gate refused a revision. While the branch stays on it, each
// sync reports the same refusal instead of compiling and testing it again: a runaway
// test would otherwise burn a core for its whole deadline every interval. A new commit,
// even an empty one, or a restart gates afresh.
type refusal struct {
	revision, result string
	err              error
}

// New checks opts and registers the sync metrics.
func New(opts Options) (*Syncer, error) {
	if opts.Source == nil || opts.Holder == nil || opts.Registerer == nil {
		return nil, errors.New("policysync: Source, Holder and Registerer are required")
	}
	m, err := newMetrics(opts.Registerer)
	if err != nil {
		return nil, err
	}
	return &Syncer{opts: opts, metrics: m, status: Status{Source: opts.Source.String(), Policies: []string{}}}, nil
}

// Ready reports whether a policy set is active. With none, the webhook must not serve
// admission as if it could decide.
func (s *Syncer) Ready() error {
	if s.opts.Holder.Current() == nil {
		s.mu.Lock()
		defer s.mu.Unlock()
		if s.status.LastError != nil {
			return fmt.Errorf("no policy set is active: %s", s.status.LastError.Error)
		}
		return errors.New("no policy set is active yet")
	}
	if set := s.opts.Holder.Current(); len(set.Policies()) == 0 {
		return fmt.Errorf("the active policy set %s holds no policies: nothing is enforced", policy.ShortRevision(set.Revision()))
	}
	return nil
}

// Status returns a copy of the current status.
func (s *Syncer) Status() Status {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.status
	st.Policies = append([]string(nil), s.status.Policies...)
	st.Inert = append([]string(nil), s.status.Inert...)
	return st
}

// ServeHTTP serves /status as JSON; 503 while nothing is active.
func (s *Syncer) ServeHTTP(w http.ResponseWriter, _ *http.Request) {
	st := s.Status()
	w.Header().Set("Content-Type", "application/json")
	if s.opts.Holder.Current() == nil {
		w.WriteHeader(http.StatusServiceUnavailable)
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(st)
}

// Run activates the cache (if any and nothing is active), then syncs every Interval until
// ctx ends. While nothing is active it retries sooner, backing off up to Interval.
func (s *Syncer) Run(ctx context.Context) {
	if s.opts.CacheDir != "" && s.opts.Holder.Current() == nil {
		s.activateCache(ctx)
	}
	retry := time.Second
	for {
		s.SyncOnce(ctx)
		if s.opts.Interval <= 0 {
			return
		}
		wait := jitter(s.opts.Interval)
		if s.opts.Holder.Current() == nil && retry < wait {
			wait, retry = retry, retry*2
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
	}
}

func jitter(d time.Duration) time.Duration {
	return time.Duration(float64(d) * (0.9 + 0.2*rand.Float64()))
}

// SyncOnce fetches, gates and, if the revision passes, activates it. It returns the
// result label and the error that stopped activation, if any. It may be called while
// Run is running: it waits for a sync in progress and then runs alone.
func (s *Syncer) SyncOnce(ctx context.Context) (string, error) {
	s.syncMu.Lock()
	defer s.syncMu.Unlock()
	start := time.Now()
	current := ""
	if set := s.opts.Holder.Current(); set != nil {
		current = set.Revision()
	}
	snap, err := s.opts.Source.Fetch(ctx, current)
	if errors.Is(err, source.ErrUnchanged) {
		s.record(ResultUnchanged, current, nil, start)
		return ResultUnchanged, nil
	}
	if err != nil {
		result := ResultFetchFailed
		var rej *source.Rejection
		revision := ""
		if errors.As(err, &rej) {
			result, revision = resultRejectedPrefix+rej.Reason, rej.Revision
		}
		s.refused(result, revision, current, err, start)
		return result, err
	}
	if r := s.refusal; r != nil && r.revision == snap.Revision {
		s.refused(r.result, r.revision, current, r.err, start)
		return r.result, r.err
	}
	result, err := s.gateAndActivate(ctx, snap, false, start)
	if err != nil {
		s.refused(result, snap.Revision, current, err, start)
		if result == ResultCompileFailed || result == ResultTestsFailed || result == ResultEmpty {
			s.refusal = &refusal{revision: snap.Revision, result: result, err: err}
		}
	}
	return result, err
}

// gateAndActivate compiles and tests a snapshot and swaps it in if it passes.
func (s *Syncer) gateAndActivate(ctx context.Context, snap source.Snapshot, fromCache bool, start time.Time) (string, error) {
	gateStart := time.Now()
	set, err := policy.Load(ctx, snap.FS, policy.LoadOptions{Revision: snap.Revision, ClusterName: s.opts.ClusterName, Data: s.opts.Data})
	if err != nil {
		return ResultCompileFailed, err
	}
	if len(set.Policies()) == 0 && !s.opts.AllowEmpty {
		return ResultEmpty, fmt.Errorf("revision %s holds no policies (no Rego package defines deny, violation, warn or patch), so it would enforce nothing; refusing to activate it (check the source path, or allow an empty set explicitly with --allow-empty-policies)", policy.ShortRevision(snap.Revision))
	}
	tests := policy.TestReport{}
	if s.opts.RequireTests {
		tests, err = policy.RunTests(ctx, snap.FS, policy.LoadOptions{ClusterName: s.opts.ClusterName})
		if err != nil {
			return ResultTestsFailed, fmt.Errorf("policy tests do not compile: %w", err)
		}
		if !tests.OK() {
			shown := tests.Failures
			if len(shown) > 5 {
				shown = append(shown[:5:5], fmt.Sprintf("... and %d more", len(tests.Failures)-5))
			}
			return ResultTestsFailed, fmt.Errorf("policy tests failed (%s): %s", tests, strings.Join(shown, "; "))
		}
	}
	if s.opts.BeforeActivate != nil {
		if err := s.opts.BeforeActivate(ctx, set); err != nil {
			return ResultPrepareFailed, err
		}
	}
	// The cache is written before the swap, so a webhook that reports ready can always
	// restart from it; a failed write only costs that.
	if s.opts.CacheDir != "" && !fromCache {
		err := saveCache(s.opts.CacheDir, snap)
		if err != nil {
			s.opts.Log.Error(err, "could not write the policy cache; serving continues from memory", "dir", s.opts.CacheDir)
			s.metrics.cacheErrors.Inc()
		}
		s.mu.Lock()
		s.status.CacheError = ""
		if err != nil {
			s.status.CacheError = err.Error()
		}
		s.mu.Unlock()
	}
	previous := s.opts.Holder.Swap(set)
	// The histogram measures compile, test and swap; the attempt's duration (and the log
	// line) include the fetch as well.
	s.metrics.activation.Observe(time.Since(gateStart).Seconds())
	elapsed := time.Since(start)
	result := ResultActivated
	if fromCache {
		result = ResultCacheActivated
	}
	prevRev := ""
	if previous != nil {
		prevRev = previous.Revision()
	}
	s.activated(snap, set, tests, fromCache, result, start)
	s.opts.Log.Info("policy revision activated", "revision", snap.Revision, "previous", prevRev, "source", snap.Origin,
		"policies", len(set.Policies()), "tests", tests.String(), "fromCache", fromCache, "duration", elapsed.String())
	for _, w := range set.Warnings() {
		s.opts.Log.Info("policy warning", "revision", snap.Revision, "warning", w)
	}
	s.fold(ctx, set)
	return result, nil
}

// fold makes the active set's decisions cheaper (policy.PolicySet.Fold) once it serves:
// the swap does not wait for the extra compile, and a set that is replaced meanwhile is
// folded for nothing, which costs only time. Decisions are the same before and after.
func (s *Syncer) fold(ctx context.Context, set *policy.PolicySet) {
	start := time.Now()
	stats, err := set.Fold(ctx)
	if err != nil {
		s.opts.Log.V(1).Info("policy folding stopped; the revision serves unfolded", "revision", set.Revision(), "error", err.Error())
		return
	}
	if stats.Skipped != "" {
		s.opts.Log.Info("policy folding skipped; the revision serves unfolded", "revision", set.Revision(), "reason", stats.Skipped)
		return
	}
	s.opts.Log.Info("policy revision folded", "revision", set.Revision(), "rulesFolded", stats.Folded, "rulesUndefined", stats.Undefined,
		"overBudget", stats.OverBudget, "duration", time.Since(start).String())
	// Compiling a revision twice leaves several times the live heap as garbage (the
	// tree as written, parsed and compiled, and the queries over it). Collect it and
	// give the memory back now, once per revision, instead of holding it until the
	// next collection: the webhook's resident size is what a node's memory pressure
	// sees.
	debug.FreeOSMemory()
}

// activateCache serves the cached snapshot, marked stale until the source confirms it.
func (s *Syncer) activateCache(ctx context.Context) {
	s.syncMu.Lock()
	defer s.syncMu.Unlock()
	if s.opts.Holder.Current() != nil {
		return // a SyncOnce that overlapped Run's start activated a fresher revision
	}
	start := time.Now()
	snap, savedAt, err := loadCache(s.opts.CacheDir)
	if errors.Is(err, fs.ErrNotExist) {
		return
	}
	if err != nil {
		s.opts.Log.Error(err, "ignoring the policy cache", "dir", s.opts.CacheDir)
		return
	}
	if _, err := s.gateAndActivate(ctx, snap, true, start); err != nil {
		s.opts.Log.Error(err, "cached policy revision does not pass the gate; ignoring it", "revision", snap.Revision)
		return
	}
	s.opts.Log.Info("serving cached policy revision until the source is reached", "revision", snap.Revision, "savedAt", savedAt)
}

func (s *Syncer) activated(snap source.Snapshot, set *policy.PolicySet, tests policy.TestReport, fromCache bool, result string, start time.Time) {
	now := time.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	ids := make([]string, 0, len(set.Policies()))
	counts := Counts{Tests: tests.Passed}
	for _, p := range set.Policies() {
		ids = append(ids, p.ID)
		counts.Policies++
		for _, r := range p.Rules {
			switch r {
			case policy.RuleDeny, policy.RuleViolation:
				counts.Deny++
			case policy.RuleWarn:
				counts.Warn++
			case policy.RulePatch:
				counts.Patch++
			}
		}
	}
	s.status.Revision, s.status.ShortRevision = snap.Revision, policy.ShortRevision(snap.Revision)
	s.status.Source = snap.Origin
	s.status.Commit = snap.Commit
	s.status.ActivatedAt = &now
	s.status.Policies, s.status.Counts, s.status.Warnings = ids, counts, set.Warnings()
	s.status.Inert = set.Inert()
	s.status.Exceptions, s.status.ExceptionWarnDays = nil, int(set.ExceptionWarnWithin()/(24*time.Hour))
	s.metrics.exceptionExpiry.Reset()
	for _, e := range set.Exceptions() {
		s.status.Exceptions = append(s.status.Exceptions, ExceptionStatus{Name: e.Name, Policies: e.Policies, Ticket: e.Ticket, Expires: e.Expires})
		for _, p := range e.Policies {
			s.metrics.exceptionExpiry.WithLabelValues(e.Name, p).Set(float64(e.Expires.Unix()))
		}
	}
	s.status.LastAttempt = &Attempt{Time: now, Result: result, Revision: snap.Revision, Duration: time.Since(start).String()}
	s.metrics.syncs.WithLabelValues(result).Inc()
	s.metrics.info.Reset()
	s.metrics.info.WithLabelValues(policy.ShortRevision(snap.Revision), snap.Origin).Set(1)
	if fromCache {
		s.setStale("served from the cache; the source has not been reached yet")
		return
	}
	s.status.LastSuccess = &now
	s.metrics.lastSuccess.Set(float64(now.Unix()))
	s.setStale("")
}

func (s *Syncer) record(result, revision string, err error, start time.Time) {
	now := time.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	a := &Attempt{Time: now, Result: result, Revision: revision, Duration: time.Since(start).String()}
	if err != nil {
		a.Error = err.Error()
	}
	s.status.LastAttempt = a
	s.metrics.syncs.WithLabelValues(result).Inc()
	if result == ResultUnchanged {
		s.status.LastSuccess = &now
		s.metrics.lastSuccess.Set(float64(now.Unix()))
		s.setStale("")
	}
}

// refused records a failed attempt and keeps the active set.
func (s *Syncer) refused(result, revision, current string, err error, start time.Time) {
	s.record(result, revision, err, start)
	s.mu.Lock()
	s.status.LastError = s.status.LastAttempt
	reason := "the last attempt failed: " + result
	if current != "" {
		s.setStale(reason)
	}
	s.mu.Unlock()
	keeping := current
	if keeping == "" {
		keeping = "nothing (not ready)"
	}
	s.opts.Log.Error(err, "policy revision not activated; keeping the last good set", "result", result,
		"revision", revision, "active", keeping, "source", s.opts.Source.String())
}

// setStale must be called with s.mu held.
func (s *Syncer) setStale(reason string) {
	s.status.Stale = reason != ""
	s.status.StaleReason = reason
	if s.status.Stale {
		s.metrics.stale.Set(1)
	} else {
		s.metrics.stale.Set(0)
	}
}
