package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"strconv"
	"time"

	"github.com/go-logr/logr"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/spf13/pflag"

	"github.com/apiguard/apiguard/pkg/audit"
	"github.com/apiguard/apiguard/pkg/policy"
)

type auditOptions struct {
	interval   intervalFlag
	leaseName  string
	exclude    []string
	workers    int
	maxEntries int
	events     bool
	advertise  string
	reports    reportsFlags
}

// reportsFlags configure the OpenReports Reports the audit writes.
type reportsFlags struct {
	mode                          string
	max, maxResults, writesPerRun int
	passResults                   bool
}

// intervalFlag is a duration that remembers whether it was set: audit is on by default
// where it can run (in a cluster), but an explicit --audit-interval that cannot be
// honoured is an error, not a silent no-op.
type intervalFlag struct {
	d   time.Duration
	set bool
}

func (f *intervalFlag) String() string { return f.d.String() }
func (f *intervalFlag) Type() string   { return "duration" }
func (f *intervalFlag) Set(s string) error {
	d, err := time.ParseDuration(s)
	if err != nil {
		return err
	}
	if d < 0 {
		return fmt.Errorf("must not be negative")
	}
	f.d, f.set = d, true
	return nil
}

func bindAuditFlags(f *pflag.FlagSet, a *auditOptions) {
	a.interval.d = 5 * time.Minute
	f.Var(&a.interval, "audit-interval", "re-check the exposure objects already in the cluster this often, and at once on a new policy revision; one replica audits at a time, holding a Lease in --namespace; 0 disables")
	f.StringVar(&a.leaseName, "audit-lease-name", "apiguard-audit", "name of the audit Lease in --namespace")
	f.StringArrayVar(&a.exclude, "audit-exclude-namespace", nil, "namespace audit skips, as the webhook registration does (--namespace and namespaces labelled apiguard.io/ignore=true are always skipped); repeatable")
	f.IntVar(&a.workers, "audit-workers", 0, "objects evaluated at once during an audit; 0 means half the CPUs, leaving the rest to admission")
	f.IntVar(&a.maxEntries, "audit-max-entries", audit.DefaultMaxEntries, "findings kept for /audit; counts and metrics stay complete")
	f.BoolVar(&a.events, "audit-events", false, "record a Warning Event (reason PolicyViolation) on each newly violating object, rate limited")
	f.StringVar(&a.reports.mode, "audit-reports", "auto", "write the audit's results as OpenReports Reports (openreports.io/v1alpha1 Report and ClusterReport): auto, whenever the cluster serves them, or off")
	f.IntVar(&a.reports.max, "audit-reports-max", audit.DefaultMaxReports, "Reports and ClusterReports kept at most; over it, objects with a fail result are kept first")
	f.IntVar(&a.reports.maxResults, "audit-reports-max-results", audit.DefaultMaxReportResults, "results kept in one Report (its configuration.limits.maxResults); the summary counts all")
	f.IntVar(&a.reports.writesPerRun, "audit-reports-writes-per-run", audit.DefaultReportWritesPerRun, "Report creates, updates and deletes one audit run makes at most; the rest are written by the next runs")
	f.BoolVar(&a.reports.passResults, "audit-reports-pass-results", false, "also a pass result for each rule that found nothing, so every judged object has a Report (several times the size; docs/audit.md)")
	f.StringVar(&a.advertise, "audit-advertise-address", "", "host:port at which the other replicas reach this one's /audit (default: $POD_IP with the health port, or the health address when it names a host)")
}

// newAuditor returns the auditor, or nil when audit is off: --audit-interval=0, or left
// at its default where there is no cluster or no namespace for the Lease (a local run).
func newAuditor(o options, holder *policy.Holder, reg prometheus.Registerer, log logr.Logger) (*audit.Auditor, error) {
	a := o.audit
	if a.interval.d == 0 {
		return nil, nil
	}
	if m := a.reports.mode; m != "" && m != "auto" && m != "off" {
		return nil, fmt.Errorf("--audit-reports=%q: want auto or off", a.reports.mode)
	}
	cfg, err := clusterConfig(o.kubeconfig)
	if err == nil && o.namespace == "" {
		err = errors.New("no --namespace (or $POD_NAMESPACE) to hold the audit Lease")
	}
	if err != nil {
		if a.interval.set {
			return nil, fmt.Errorf("--audit-interval: %w", err)
		}
		log.Info("audit is off", "reason", err.Error())
		return nil, nil
	}
	return audit.New(audit.Options{
		Config: cfg, Holder: holder, Interval: a.interval.d,
		LeaseNamespace: o.namespace, LeaseName: a.leaseName,
		Exclude:    append([]string{o.namespace}, a.exclude...),
		Workers:    a.workers,
		MaxEntries: a.maxEntries,
		Events:     a.events,
		Reports: audit.ReportOptions{
			Off: a.reports.mode == "off", MaxReports: a.reports.max, MaxResults: a.reports.maxResults,
			WritesPerRun: a.reports.writesPerRun, PassResults: a.reports.passResults,
		},
		Registerer: reg,
		Log:        log,
	})
}

// auditRoutes serves /audit on the health listener; with audit off it says so.
func auditRoutes(a *audit.Auditor) map[string]http.Handler {
	if a != nil {
		return map[string]http.Handler{"/audit": a}
	}
	return map[string]http.Handler{"/audit": http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusNotFound)
		_, _ = w.Write([]byte(`{"error": "audit is off on this webhook (--audit-interval=0, or no cluster or namespace)"}` + "\n"))
	})}
}

// releaseTimeout is the time shutdown allows the audit, beyond the server's drain, to
// stop and release its Lease, so a successor need not wait for the Lease to expire.
const releaseTimeout = 5 * time.Second

// auditRunnable campaigns for the audit Lease until ctx ends, then releases it.
func auditRunnable(a *audit.Auditor, o options, health net.Addr) runnable {
	identity := audit.Identity(advertiseAddress(o.audit.advertise, health, os.Getenv("POD_IP")))
	return runnable{name: "audit", run: func(ctx context.Context) error { return a.Run(ctx, identity) }}
}

// advertiseAddress is where other replicas reach this one's /audit: the flag, else the
// health listener when it is bound to a host, else the pod IP on the health port. Empty
// when there is none: the other replicas then cannot relay to this one.
func advertiseAddress(flag string, health net.Addr, podIP string) string {
	if flag != "" {
		return flag
	}
	tcp, ok := health.(*net.TCPAddr)
	if !ok || tcp == nil {
		return ""
	}
	if !tcp.IP.IsUnspecified() {
		return tcp.String()
	}
	if podIP != "" {
		return net.JoinHostPort(podIP, strconv.Itoa(tcp.Port))
	}
	return ""
}
