// Package audit re-checks the exposure objects already in the cluster against the
// active policy set: what was admitted before a policy tightened, what slipped in while
// the webhook was down or failing open, and what never met the mutating webhook. One
// replica audits at a time, holding a Lease; every replica serves the result at /audit
// (the others relay the leader's) and the leader exports it as metrics.
package audit

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"net/http"
	"os"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-logr/logr"
	"github.com/prometheus/client_golang/prometheus"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/leaderelection"
	"k8s.io/client-go/tools/leaderelection/resourcelock"

	"github.com/apiguard/apiguard/pkg/policy"
)

// Defaults for Options.
const (
	DefaultMaxEntries  = 10000
	DefaultEvalTimeout = 5 * time.Second
	// Lease timing: client-go's usual values. A leader that cannot renew for 10s stops
	// auditing, 5s before another replica may take the lease over.
	DefaultLeaseDuration = 15 * time.Second
	DefaultRenewDeadline = 10 * time.Second
	DefaultRetryPeriod   = 2 * time.Second
)

// Options configure an Auditor.
type Options struct {
	Config *rest.Config
	Holder *policy.Holder
	// Interval between runs. A run also starts as soon as a new policy revision is
	// active, so a tightened policy shows in /audit without waiting.
	Interval time.Duration
	// LeaseNamespace and LeaseName locate the coordination.k8s.io Lease.
	LeaseNamespace, LeaseName string
	// Exclude lists namespaces never audited: the webhook's own, and those its
	// registration excludes. Namespaces labelled apiguard.io/ignore=true are skipped
	// too, as admission skips them.
	Exclude []string
	// Workers evaluate objects concurrently; zero means half the CPUs (at least one),
	// leaving the rest to admission.
	Workers int
	// MaxEntries caps /audit's entries; zero means DefaultMaxEntries.
	MaxEntries int
	// EvalTimeout bounds one object's evaluation; zero means DefaultEvalTimeout.
	EvalTimeout time.Duration
	// Events records a Kubernetes Event on each newly violating object, rate limited.
	Events bool
	// Reports configure the OpenReports Reports the auditing replica keeps
	// (openreports.go); written whenever the cluster serves them, unless Off.
	Reports ReportOptions
	// Lease timing; zero means the defaults above.
	LeaseDuration, RenewDeadline, RetryPeriod time.Duration
	Registerer                                prometheus.Registerer
	Log                                       logr.Logger
}

// Auditor runs the audit loop and serves /audit.
type Auditor struct {
	opts    Options
	runs    prometheus.Counter
	events  *prometheus.CounterVec
	client  *http.Client
	leading atomic.Bool
	report  atomic.Pointer[Report]
	reports *reportSync // nil when Reports are off
	mu      sync.Mutex  // guards leader
	leader  string
}

// New checks opts and registers the audit metrics; Run starts auditing.
func New(opts Options) (*Auditor, error) {
	if opts.Config == nil || opts.Holder == nil || opts.Registerer == nil {
		return nil, errors.New("audit: Config, Holder and Registerer are required")
	}
	if opts.Interval <= 0 {
		return nil, errors.New("audit: Interval must be positive")
	}
	if opts.LeaseNamespace == "" || opts.LeaseName == "" {
		return nil, errors.New("audit: LeaseNamespace and LeaseName are required")
	}
	if opts.Workers <= 0 {
		opts.Workers = max(1, runtime.GOMAXPROCS(0)/2)
	}
	if opts.MaxEntries <= 0 {
		opts.MaxEntries = DefaultMaxEntries
	}
	if opts.EvalTimeout <= 0 {
		opts.EvalTimeout = DefaultEvalTimeout
	}
	opts.LeaseDuration = cmpOr(opts.LeaseDuration, DefaultLeaseDuration)
	opts.RenewDeadline = cmpOr(opts.RenewDeadline, DefaultRenewDeadline)
	opts.RetryPeriod = cmpOr(opts.RetryPeriod, DefaultRetryPeriod)
	a := &Auditor{
		opts:   opts,
		client: &http.Client{Timeout: 10 * time.Second},
		runs: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "apiguard_audit_runs_total",
			Help: "Audit runs this replica completed.",
		}),
		events: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "apiguard_audit_events_total",
			Help: "Kubernetes Events on newly violating objects: sent, or dropped by the rate limit (retried next run).",
		}, []string{"result"}),
	}
	for _, c := range []prometheus.Collector{a.runs, a.events, newCollector(a.state)} {
		if err := opts.Registerer.Register(c); err != nil {
			return nil, err
		}
	}
	var err error
	if a.reports, err = newReportSync(opts.Config, opts.Reports, opts.Registerer, opts.Log); err != nil {
		return nil, err
	}
	return a, nil
}

func cmpOr(d, def time.Duration) time.Duration {
	if d > 0 {
		return d
	}
	return def
}

// state returns the published report (nil before the first run, or when this replica
// does not audit) and whether this replica holds the lease.
func (a *Auditor) state() (*Report, bool) {
	return a.report.Load(), a.leading.Load()
}

// Report returns the last published report, or nil.
func (a *Auditor) Report() *Report { return a.report.Load() }

func (a *Auditor) leaderIdentity() string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.leader
}

// Identity names a replica in the Lease: its host name, a random suffix (a restarted
// pod is a new candidate) and, after "@", the host:port of its /audit for the other
// replicas to relay to.
func Identity(advertise string) string {
	host, err := os.Hostname()
	if err != nil || host == "" {
		host = "apiguard"
	}
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	id := host + "_" + hex.EncodeToString(b)
	if advertise != "" {
		id += "@" + advertise
	}
	return id
}

// addressOf returns the /audit address an identity advertises, or "".
func addressOf(identity string) string {
	if i := strings.LastIndexByte(identity, '@'); i >= 0 {
		return identity[i+1:]
	}
	return ""
}

// Run campaigns for the lease until ctx ends and audits while holding it. identity
// names this replica (see Identity).
func (a *Auditor) Run(ctx context.Context, identity string) error {
	cs, err := kubernetes.NewForConfig(a.opts.Config)
	if err != nil {
		return err
	}
	lock, err := resourcelock.New(resourcelock.LeasesResourceLock, a.opts.LeaseNamespace, a.opts.LeaseName,
		cs.CoreV1(), cs.CoordinationV1(), resourcelock.ResourceLockConfig{Identity: identity})
	if err != nil {
		return err
	}
	// The election has its own context, cancelled only once the audit has stopped, so
	// the lease is released (ReleaseOnCancel) only when this replica no longer audits:
	// two replicas never audit at once, even during a handover.
	electionCtx, stopElection := context.WithCancel(context.WithoutCancel(ctx))
	defer stopElection()
	for ctx.Err() == nil {
		leases := make(chan context.Context, 1)
		le, err := leaderelection.NewLeaderElector(leaderelection.LeaderElectionConfig{
			Lock: lock, Name: a.opts.LeaseName, ReleaseOnCancel: true,
			LeaseDuration: a.opts.LeaseDuration, RenewDeadline: a.opts.RenewDeadline, RetryPeriod: a.opts.RetryPeriod,
			Callbacks: leaderelection.LeaderCallbacks{
				// The audit runs on this goroutine, not the elector's, so the loop knows
				// when it has stopped.
				OnStartedLeading: func(leaseCtx context.Context) { leases <- leaseCtx },
				OnStoppedLeading: func() {},
				OnNewLeader: func(id string) {
					a.mu.Lock()
					a.leader = id
					a.mu.Unlock()
					a.opts.Log.Info("audit leader", "identity", id, "self", id == identity)
				},
			},
		})
		if err != nil {
			return err
		}
		ended := make(chan struct{})
		go func() {
			defer close(ended)
			le.Run(electionCtx)
		}()
		select {
		case leaseCtx := <-leases:
			// Audit until the lease is lost (leaseCtx) or the process stops (ctx).
			leadCtx, cancel := context.WithCancel(leaseCtx)
			stopOnExit := context.AfterFunc(ctx, cancel)
			a.lead(leadCtx, identity)
			stopOnExit()
			cancel()
		case <-ctx.Done():
		case <-ended:
		}
		if ctx.Err() != nil {
			stopElection()
		}
		<-ended
	}
	return nil
}
