package audit

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/go-logr/logr"
	"github.com/prometheus/client_golang/prometheus"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/metadata"
	"k8s.io/client-go/rest"

	"github.com/apiguard/apiguard/pkg/policy"
)

// The resources the writer uses.
var (
	reportsGVR        = ReportsGroupVersion.WithResource("reports")
	clusterReportsGVR = ReportsGroupVersion.WithResource("clusterreports")
)

// Client rate of the Report writer: its own, so Report writes never take the audit's
// or the inventory's share. DefaultReportWritesPerRun at this rate is 20 s of writes.
const (
	reportQPS   = 50
	reportBurst = 100
)

// storedReport is what the writer knows of an existing Report: from a metadata-only
// list, never the results.
type storedReport struct {
	namespace, name, hash, resourceVersion string
}

func (s storedReport) key() string { return s.namespace + "/" + s.name }

// reportStore reads and writes Reports; the API server's in a cluster, a map in tests.
type reportStore interface {
	// served reports whether the cluster serves Reports and ClusterReports.
	served(ctx context.Context) (reports, clusterReports bool, err error)
	// list returns apiguard's Reports (both kinds; namespace empty for ClusterReports).
	list(ctx context.Context) ([]storedReport, error)
	create(ctx context.Context, r OpenReport) error
	update(ctx context.Context, r OpenReport, resourceVersion string) error
	remove(ctx context.Context, s storedReport) error
}

// reportSync keeps the cluster's Reports equal to the last run's results: it writes
// what changed (the content digest is compared first), deletes the Reports of objects
// gone, and keeps within the caps.
type reportSync struct {
	opts   ReportOptions
	store  reportStore
	log    logr.Logger
	writes *prometheus.CounterVec
	kept   prometheus.Gauge
	behind prometheus.Gauge
	// servedLogged avoids logging "not served" every run.
	servedLogged bool
}

// newReportSync returns the writer and registers its metrics, or nil when Reports are
// off.
func newReportSync(cfg *rest.Config, opts ReportOptions, reg prometheus.Registerer, log logr.Logger) (*reportSync, error) {
	if opts.Off {
		return nil, nil
	}
	store, err := newClusterReportStore(cfg)
	if err != nil {
		return nil, err
	}
	s := newReportSyncWith(store, opts, log)
	for _, c := range []prometheus.Collector{s.writes, s.kept, s.behind} {
		if err := reg.Register(c); err != nil {
			return nil, err
		}
	}
	return s, nil
}

func newReportSyncWith(store reportStore, opts ReportOptions, log logr.Logger) *reportSync {
	return &reportSync{
		opts: opts.withDefaults(), store: store, log: log,
		writes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "apiguard_audit_report_writes_total",
			Help: "API writes of OpenReports Reports and ClusterReports by the audit, by verb (create, update, delete) and result (ok, error). A steady cluster makes none.",
		}, []string{"verb", "result"}),
		kept: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "apiguard_audit_reports",
			Help: "OpenReports Reports and ClusterReports the last audit run wants (within the total cap).",
		}),
		behind: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "apiguard_audit_reports_pending",
			Help: "Report writes left for later runs by the per-run write cap, or by the total cap (objects without a Report).",
		}),
	}
}

// reportCycle collects one run's Reports. The run calls judged for every judged object,
// in order, with all its entries; finish writes.
type reportCycle struct {
	sync     *reportSync
	builder  *ReportBuilder
	stored   map[string]storedReport
	clusterR bool
	// wanted holds every object's Report key and rank; changed the objects whose Report
	// differs from the stored one, with their entries: a Report is built again when it
	// is written, so a run holds a few findings per changed object, not its Report.
	wanted  []wantedReport
	changed map[string]changedReport
}

type changedReport struct {
	object  *Object
	entries []Entry
}

type wantedReport struct {
	key  string
	rank int
	seq  int
}

// begin starts a run's cycle, or returns nil when Reports are off or not served (the
// nil cycle's methods do nothing).
func (s *reportSync) begin(ctx context.Context, set *policy.PolicySet) *reportCycle {
	if s == nil {
		return nil
	}
	reports, clusterReports, err := s.store.served(ctx)
	if err != nil || !reports {
		if !s.servedLogged {
			s.log.Info("audit Reports are not written: the cluster does not serve openreports.io/v1alpha1 reports", "error", err)
			s.servedLogged = true
		}
		return nil
	}
	s.servedLogged = false
	stored, err := s.store.list(ctx)
	if err != nil {
		s.log.Error(err, "audit Reports: cannot list the existing ones; writing none this run")
		return nil
	}
	c := &reportCycle{
		sync: s, builder: NewReportBuilder(set, s.opts, time.Now()),
		stored: make(map[string]storedReport, len(stored)), clusterR: clusterReports,
		changed: map[string]changedReport{},
	}
	for _, r := range stored {
		c.stored[r.key()] = r
	}
	return c
}

// judged records one object's Report. Only a changed Report is kept until finish, so a
// steady run holds a digest per object, not its results.
func (c *reportCycle) judged(o *Object, entries []Entry) {
	if c == nil {
		return
	}
	if o.Namespace == "" && !c.clusterR {
		return
	}
	r, ok := c.builder.Build(o, entries)
	if !ok {
		return
	}
	key := r.Namespace + "/" + r.Name
	c.wanted = append(c.wanted, wantedReport{key: key, rank: r.rank, seq: len(c.wanted)})
	if s, ok := c.stored[key]; !ok || s.hash != r.Hash {
		c.changed[key] = changedReport{object: o, entries: entries}
	}
}

// syncStats is what one finish did.
type syncStats struct {
	Created, Updated, Deleted, Errors int
	// Wanted Reports (within the total cap), Dropped by the total cap, and Pending
	// writes left by the per-run cap.
	Wanted, Dropped, Pending int
}

func (s syncStats) writes() int { return s.Created + s.Updated + s.Deleted }

// finish writes the cycle: the Reports over the total cap are dropped (fail first is
// kept), then deletes of Reports no object wants and writes of changed ones, within the
// per-run write cap, most severe first.
func (c *reportCycle) finish(ctx context.Context) syncStats {
	var st syncStats
	if c == nil {
		return st
	}
	s := c.sync
	slices.SortFunc(c.wanted, func(a, b wantedReport) int { return cmp.Or(cmp.Compare(a.rank, b.rank), cmp.Compare(a.seq, b.seq)) })
	if len(c.wanted) > s.opts.MaxReports {
		st.Dropped = len(c.wanted) - s.opts.MaxReports
		c.wanted = c.wanted[:s.opts.MaxReports]
	}
	st.Wanted = len(c.wanted)
	keep := make(map[string]bool, len(c.wanted))
	for _, w := range c.wanted {
		keep[w.key] = true
	}
	budget := s.opts.WritesPerRun
	var stale []storedReport
	for _, r := range c.stored {
		if !keep[r.key()] {
			stale = append(stale, r)
		}
	}
	slices.SortFunc(stale, func(a, b storedReport) int { return strings.Compare(a.key(), b.key()) })
	// Deletes first: a Report of a deleted or fixed-away object must not outlive it.
	for _, r := range stale {
		if budget == 0 {
			st.Pending++
			continue
		}
		budget--
		err := s.store.remove(ctx, r)
		if apierrors.IsNotFound(err) {
			err = nil // the garbage collector was first (the Report's owner is gone)
		}
		st.count(err, &st.Deleted)
		s.logError(err, "delete", r.namespace, r.name)
	}
	for _, w := range c.wanted {
		ch, ok := c.changed[w.key]
		if !ok {
			continue
		}
		if budget == 0 {
			st.Pending++
			continue
		}
		budget--
		r, _ := c.builder.Build(ch.object, ch.entries) // the same Report judged built
		var err error
		if old, exists := c.stored[w.key]; exists {
			err = s.store.update(ctx, r, old.resourceVersion)
			st.count(err, &st.Updated)
		} else {
			err = s.store.create(ctx, r)
			st.count(err, &st.Created)
		}
		s.logError(err, "write", r.Namespace, r.Name)
		if ctx.Err() != nil {
			break
		}
	}
	s.writes.WithLabelValues("create", "ok").Add(float64(st.Created))
	s.writes.WithLabelValues("update", "ok").Add(float64(st.Updated))
	s.writes.WithLabelValues("delete", "ok").Add(float64(st.Deleted))
	s.kept.Set(float64(st.Wanted))
	s.behind.Set(float64(st.Pending + st.Dropped))
	if st.writes() > 0 || st.Errors > 0 || st.Pending > 0 || st.Dropped > 0 {
		s.log.Info("audit Reports written", "created", st.Created, "updated", st.Updated, "deleted", st.Deleted,
			"errors", st.Errors, "reports", st.Wanted, "pendingWrites", st.Pending, "overTotalCap", st.Dropped)
	}
	return st
}

func (st *syncStats) count(err error, ok *int) {
	if err != nil {
		st.Errors++
		return
	}
	*ok++
}

func (s *reportSync) logError(err error, verb, namespace, name string) {
	if err == nil {
		return
	}
	s.writes.WithLabelValues(verbOf(verb), "error").Inc()
	// A conflict is someone else's write since the list, and a namespace being deleted
	// takes its Reports with it: the next run compares again.
	if !apierrors.IsConflict(err) && !apierrors.HasStatusCause(err, corev1.NamespaceTerminatingCause) {
		s.log.Error(err, "audit Report "+verb, "namespace", namespace, "name", name)
	}
}

func verbOf(v string) string {
	if v == "write" {
		return "update"
	}
	return v
}

// clusterReportStore is the API server's Reports: metadata-only lists (a Report's hash
// is an annotation), typed objects written through the dynamic client.
type clusterReportStore struct {
	disc discovery.DiscoveryInterface
	dyn  dynamic.Interface
	meta metadata.Interface
}

func newClusterReportStore(cfg *rest.Config) (*clusterReportStore, error) {
	cfg = rest.CopyConfig(cfg)
	cfg.QPS, cfg.Burst = reportQPS, reportBurst
	disc, err := discovery.NewDiscoveryClientForConfig(cfg)
	if err != nil {
		return nil, err
	}
	dyn, err := dynamic.NewForConfig(cfg)
	if err != nil {
		return nil, err
	}
	meta, err := metadata.NewForConfig(cfg)
	if err != nil {
		return nil, err
	}
	return &clusterReportStore{disc: disc, dyn: dyn, meta: meta}, nil
}

func (c *clusterReportStore) served(context.Context) (bool, bool, error) {
	res, err := c.disc.ServerResourcesForGroupVersion(ReportsGroupVersion.String())
	if apierrors.IsNotFound(err) {
		return false, false, nil
	}
	if err != nil {
		return false, false, err
	}
	var reports, clusterReports bool
	for _, r := range res.APIResources {
		reports = reports || r.Name == reportsGVR.Resource
		clusterReports = clusterReports || r.Name == clusterReportsGVR.Resource
	}
	return reports, clusterReports, nil
}

func (c *clusterReportStore) list(ctx context.Context) ([]storedReport, error) {
	var out []storedReport
	for _, gvr := range []schema.GroupVersionResource{reportsGVR, clusterReportsGVR} {
		opts := metav1.ListOptions{LabelSelector: ReportManagedByLabel + "=" + ReportManagedBy, Limit: listPageSize}
		for {
			page, err := c.meta.Resource(gvr).List(ctx, opts)
			if gvr == clusterReportsGVR && apierrors.IsNotFound(err) {
				break // ClusterReports not served: Reports only
			}
			if err != nil {
				return nil, fmt.Errorf("list %s: %w", gvr.GroupResource(), err)
			}
			for _, it := range page.Items {
				if !strings.HasPrefix(it.Name, ReportNamePrefix) {
					continue
				}
				out = append(out, storedReport{namespace: it.Namespace, name: it.Name, hash: it.Annotations[ReportHashAnnotation], resourceVersion: it.ResourceVersion})
			}
			if page.Continue == "" {
				break
			}
			opts.Continue = page.Continue
		}
	}
	return out, nil
}

func (c *clusterReportStore) ri(namespace string) dynamic.ResourceInterface {
	if namespace == "" {
		return c.dyn.Resource(clusterReportsGVR)
	}
	return c.dyn.Resource(reportsGVR).Namespace(namespace)
}

func toUnstructured(r OpenReport) (*unstructured.Unstructured, error) {
	m, err := runtime.DefaultUnstructuredConverter.ToUnstructured(r.Object)
	if err != nil {
		return nil, err
	}
	return &unstructured.Unstructured{Object: m}, nil
}

func (c *clusterReportStore) create(ctx context.Context, r OpenReport) error {
	u, err := toUnstructured(r)
	if err != nil {
		return err
	}
	_, err = c.ri(r.Namespace).Create(ctx, u, metav1.CreateOptions{FieldManager: "apiguard-audit"})
	return err
}

func (c *clusterReportStore) update(ctx context.Context, r OpenReport, resourceVersion string) error {
	u, err := toUnstructured(r)
	if err != nil {
		return err
	}
	u.SetResourceVersion(resourceVersion)
	_, err = c.ri(r.Namespace).Update(ctx, u, metav1.UpdateOptions{FieldManager: "apiguard-audit"})
	return err
}

func (c *clusterReportStore) remove(ctx context.Context, s storedReport) error {
	return c.ri(s.namespace).Delete(ctx, s.name, metav1.DeleteOptions{Preconditions: &metav1.Preconditions{ResourceVersion: &s.resourceVersion}})
}
