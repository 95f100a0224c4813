package audit

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/go-logr/logr"
	orv1alpha1 "github.com/openreports/reports-api/apis/openreports.io/v1alpha1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/apiguard/apiguard/pkg/policy"
)

// reportPolicies: testPolicies with METADATA, plus a policy with both rule kinds and a
// policy for another kind, which must not pass on Services.
var reportPolicies = func() fstest.MapFS {
	fs := fstest.MapFS{}
	for k, v := range testPolicies {
		fs[k] = v
	}
	fs["tls.rego"] = &fstest.MapFile{Data: []byte(`# METADATA
# title: TLS label
# custom:
#   kinds: [core/Service]
#   severity: High
package tls.required

deny contains sprintf("%s has no tls label", [input.request.name]) if {
	input.request.operation in {"CREATE", "UPDATE", "AUDIT"}
	not input.request.object.metadata.labels.tls
}

deny contains x if {
	input.request.name == "boom"
	x := 1 / 0
}
`)}
	fs["both.rego"] = &fstest.MapFile{Data: []byte(`# METADATA
# title: both rule kinds
# custom:
#   kinds: [Service]
#   severity: severe
package both.kinds

deny contains "no team label" if not input.request.object.metadata.labels.team

warn contains "no docs label" if not input.request.object.metadata.labels.docs
`)}
	fs["ingress.rego"] = &fstest.MapFile{Data: []byte(`# METADATA
# title: ingress only
# custom:
#   kinds: [networking.k8s.io/Ingress]
package ingress.only

deny contains "never" if false
`)}
	return fs
}()

func loadReportSet(t *testing.T, revision string, data map[string]any) *policy.PolicySet {
	t.Helper()
	set, err := policy.Load(context.Background(), reportPolicies, policy.LoadOptions{Revision: revision, Data: dataOf(data)})
	if err != nil {
		t.Fatal(err)
	}
	return set
}

func judgeAll(set *policy.PolicySet, objects []*Object) [][]Entry {
	out := make([][]Entry, len(objects))
	for i, o := range objects {
		out[i] = judge(context.Background(), set, o, runOptions{evalTimeout: 5 * time.Second})
	}
	return out
}

// resultLines renders a Report's results as "policy rule result severity action".
func resultLines(r *orv1alpha1.Report) []string {
	var out []string
	for _, x := range r.Results {
		out = append(out, strings.Join(strings.Fields(fmt.Sprintf("%s %s %s %s %s", x.Policy, x.Rule, x.Result, x.Severity, x.Properties[PropertyAction])), " "))
	}
	return out
}

func TestBuildReport(t *testing.T) {
	set := loadReportSet(t, "rev1", nil)
	objects := []*Object{service("a", "bare"), service("a", "clean", "tls", "owner", "tier", "team", "docs"), service("a", "boom", "tls", "owner", "tier")}
	entries := judgeAll(set, objects)
	b := NewReportBuilder(set, ReportOptions{PassResults: true}, time.Unix(1700000000, 0))

	r, ok := b.Build(objects[0], entries[0])
	if !ok {
		t.Fatal("no Report for a violating object")
	}
	rep := r.Object.(*orv1alpha1.Report)
	want := []string{
		// findings first, fail before warn, in /audit order; then passes.
		"both.kinds deny fail deny",
		"tls.required deny fail high deny",
		"both.kinds warn warn warn", // deny enforcement: a warn entry is the warn rule's
		"defaults.tier patch warn patch",
		"owner.label warn warn warn",
	}
	if got := resultLines(rep); !slices.Equal(got, want) {
		t.Errorf("results:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if rep.Name != "apiguard-uid-bare" || rep.Namespace != "a" || rep.Labels[ReportManagedByLabel] != ReportManagedBy ||
		rep.Scope == nil || rep.Scope.Kind != "Service" || rep.Scope.Name != "bare" || rep.Scope.UID != "uid-bare" || rep.Scope.APIVersion != "v1" ||
		len(rep.OwnerReferences) != 1 || rep.OwnerReferences[0].UID != "uid-bare" || rep.OwnerReferences[0].Kind != "Service" ||
		rep.Source != "apiguard" || rep.Summary != (orv1alpha1.ReportSummary{Fail: 2, Warn: 3}) || rep.Configuration.Limits.MaxResults != DefaultMaxReportResults {
		t.Errorf("report %s", js(rep))
	}
	for _, x := range rep.Results {
		if x.Properties[PropertyRevision] != "rev1" || x.Timestamp.Seconds != 1700000000 || x.Source != "apiguard" || x.Category != strings.Split(x.Policy, ".")[0] {
			t.Errorf("result %s", js(x))
		}
	}
	if p := rep.Results[3]; p.Properties[PropertyPath] != "/metadata/labels/tier" || !strings.Contains(p.Description, "would add /metadata/labels/tier") {
		t.Errorf("patch result %s", js(p))
	}
	if rep.Annotations[ReportHashAnnotation] != r.Hash || len(r.Hash) != 32 {
		t.Errorf("hash %q annotations %v", r.Hash, rep.Annotations)
	}

	// A clean object: one pass per rule kind of each policy for Services; ingress.only
	// is for Ingresses and does not pass here.
	r, _ = b.Build(objects[1], entries[1])
	want = []string{"both.kinds deny pass", "both.kinds warn pass", "defaults.tier patch pass", "owner.label warn pass", "tls.required deny pass high"}
	if got := resultLines(r.Object.(*orv1alpha1.Report)); !slices.Equal(got, want) {
		t.Errorf("clean results:\n%s", strings.Join(got, "\n"))
	}

	// An object that could not be evaluated: one error result, no passes.
	r, _ = b.Build(objects[2], entries[2])
	rep = r.Object.(*orv1alpha1.Report)
	if got := resultLines(rep); len(got) != 1 || got[0] != "error error" || rep.Summary != (orv1alpha1.ReportSummary{Error: 1}) || rep.Results[0].Description == "" {
		t.Errorf("error Report %s", js(rep))
	}

	// Timestamps are not content: a later run's identical Report has the same hash.
	later := NewReportBuilder(set, ReportOptions{PassResults: true}, time.Unix(1800000000, 0))
	r2, _ := later.Build(objects[0], entries[0])
	r1, _ := b.Build(objects[0], entries[0])
	if r1.Hash != r2.Hash {
		t.Error("the hash depends on the run's time")
	}
	// A new revision is new content: every result names the revision that judged it.
	set2 := loadReportSet(t, "rev2", nil)
	r3, _ := NewReportBuilder(set2, ReportOptions{PassResults: true}, time.Unix(1700000000, 0)).Build(objects[0], judgeAll(set2, objects[:1])[0])
	if r3.Hash == r1.Hash {
		t.Error("a new revision keeps the hash")
	}
}

// TestBuildReportEnforcementStages: a deny rule fails whatever the enforcement stage;
// with warn or dryrun enforcement the warn entries of a policy with both rule kinds
// cannot be told apart and report the stricter deny.
func TestBuildReportEnforcementStages(t *testing.T) {
	for _, stage := range []string{"warn", "dryrun"} {
		set := loadReportSet(t, "r", map[string]any{"apiguard": map[string]any{"config": map[string]any{"enforcement": map[string]any{"tls.required": stage, "both.kinds": stage}}}})
		o := service("a", "bare", "owner", "tier")
		r, _ := NewReportBuilder(set, ReportOptions{PassResults: true}, time.Now()).Build(o, judgeAll(set, []*Object{o})[0])
		got := resultLines(r.Object.(*orv1alpha1.Report))
		want := []string{"both.kinds deny fail " + stage, "both.kinds deny fail " + stage, "tls.required deny fail high " + stage,
			// no "both.kinds warn pass": its warn rule may be what found one of the two.
			"defaults.tier patch pass", "owner.label warn pass"}
		if !slices.Equal(got, want) {
			t.Errorf("%s: %q", stage, got)
		}
	}
}

// TestBuildReportSkip: a finding a PolicyException allows (action skip in /audit) is
// result skip naming the exception, and its rule kind does not also pass.
func TestBuildReportSkip(t *testing.T) {
	set := loadReportSet(t, "r", nil)
	o := service("a", "legacy", "owner", "tier", "team", "docs")
	entries := []Entry{{APIVersion: "v1", Kind: "Service", Namespace: "a", Name: "legacy", UID: o.UID, Policy: "tls.required",
		Message: "legacy has no tls label", Action: ActionSkip, Exception: "legacy-tls", Revision: "r"}}
	r, _ := NewReportBuilder(set, ReportOptions{PassResults: true}, time.Now()).Build(o, entries)
	rep := r.Object.(*orv1alpha1.Report)
	x := rep.Results[0]
	if x.Result != "skip" || x.Rule != "deny" || x.Properties[PropertyException] != "legacy-tls" || x.Properties[PropertyAction] != "skip" || x.Severity != "high" ||
		rep.Summary != (orv1alpha1.ReportSummary{Skip: 1, Pass: 4}) || slices.Contains(resultLines(rep), "tls.required deny pass high") {
		t.Errorf("skip Report %s", js(rep))
	}
}

func TestBuildReportCapsAndFilters(t *testing.T) {
	set := loadReportSet(t, "r", map[string]any{"apiguard": map[string]any{"config": map[string]any{"exemptNamespaces": []any{"legacy"}}}})
	bare, clean, exempt := service("a", "bare"), service("a", "clean", "tls", "owner", "tier", "team", "docs"), service("legacy", "bare")
	entries := judgeAll(set, []*Object{bare, clean, exempt})

	r, _ := NewReportBuilder(set, ReportOptions{PassResults: true, MaxResults: 2}, time.Now()).Build(bare, entries[0])
	rep := r.Object.(*orv1alpha1.Report)
	if len(rep.Results) != 2 || rep.Results[0].Result != "fail" || rep.Results[1].Result != "fail" || rep.Annotations[ReportTotalAnnotation] != "5" ||
		rep.Summary != (orv1alpha1.ReportSummary{Fail: 2, Warn: 3}) || rep.Configuration.Limits.MaxResults != 2 {
		t.Errorf("capped Report %s", js(rep))
	}

	b := NewReportBuilder(set, ReportOptions{}, time.Now()) // findings only, the default
	if _, ok := b.Build(clean, entries[1]); ok {
		t.Error("a clean object has a Report without pass results")
	}
	r, _ = b.Build(bare, entries[0])
	if rep := r.Object.(*orv1alpha1.Report); len(rep.Results) != 5 || len(rep.Configuration.Limits.StatusFilter) != 4 || rep.Summary.Pass != 0 {
		t.Errorf("filtered Report %s", js(rep))
	}
	if _, ok := b.Build(exempt, entries[2]); ok {
		t.Error("an object in an exempt namespace (never evaluated) has a Report")
	}
}

func TestBuildClusterReport(t *testing.T) {
	set := loadReportSet(t, "r", nil)
	// A cluster-scoped object gets a ClusterReport: a KongClusterPlugin passes only the
	// policies without kinds (they apply to every kind), not the Service ones.
	o := &Object{Raw: []byte(`{"apiVersion":"configuration.konghq.com/v1","kind":"KongClusterPlugin","metadata":{"name":"p","uid":"u1"}}`)}
	o.APIVersion, o.Kind, o.Name, o.UID = "configuration.konghq.com/v1", "KongClusterPlugin", "p", "u1"
	r, _ := NewReportBuilder(set, ReportOptions{PassResults: true}, time.Now()).Build(o, nil)
	if cr, ok := r.Object.(*orv1alpha1.ClusterReport); !ok || cr.Name != "apiguard-u1" || cr.Scope.Kind != "KongClusterPlugin" || cr.Summary != (orv1alpha1.ReportSummary{Pass: 2}) {
		t.Errorf("KongClusterPlugin: %s", js(r.Object))
	}
	// With only the Service policies (the unscoped ones off), a kind no policy applies
	// to gets no Report at all.
	off := loadReportSet(t, "r", map[string]any{"apiguard": map[string]any{"config": map[string]any{"enforcement": map[string]any{"owner.label": "off", "defaults.tier": "off"}}}})
	if _, ok := NewReportBuilder(off, ReportOptions{}, time.Now()).Build(o, nil); ok {
		t.Error("a Report for a kind no policy applies to")
	}
	svc := service("", "cluster-wide")
	r, ok := NewReportBuilder(set, ReportOptions{}, time.Now()).Build(svc, judgeAll(set, []*Object{svc})[0])
	cr, isCluster := r.Object.(*orv1alpha1.ClusterReport)
	if !ok || !isCluster || cr.Namespace != "" || cr.Kind != "ClusterReport" || cr.Scope.Namespace != "" || cr.Summary.Fail != 2 {
		t.Errorf("cluster-scoped object: %T %s", r.Object, js(r.Object))
	}
}

// memStore is a Report store in memory that counts writes.
type memStore struct {
	noClusterReports          bool
	notServed                 bool
	reports                   map[string]OpenReport
	rv                        map[string]int
	creates, updates, deletes int
}

func newMemStore() *memStore {
	return &memStore{reports: map[string]OpenReport{}, rv: map[string]int{}}
}

func (m *memStore) served(context.Context) (bool, bool, error) {
	return !m.notServed, !m.notServed && !m.noClusterReports, nil
}

func (m *memStore) list(context.Context) ([]storedReport, error) {
	var out []storedReport
	for k, r := range m.reports {
		out = append(out, storedReport{namespace: r.Namespace, name: r.Name, hash: r.Hash, resourceVersion: fmt.Sprint(m.rv[k])})
	}
	return out, nil
}

func (m *memStore) create(_ context.Context, r OpenReport) error {
	k := r.Namespace + "/" + r.Name
	if _, ok := m.reports[k]; ok {
		return apierrors.NewAlreadyExists(schema.GroupResource{}, r.Name)
	}
	m.creates++
	m.reports[k] = r
	m.rv[k]++
	return nil
}

func (m *memStore) update(_ context.Context, r OpenReport, rv string) error {
	k := r.Namespace + "/" + r.Name
	if fmt.Sprint(m.rv[k]) != rv {
		return apierrors.NewConflict(schema.GroupResource{}, r.Name, nil)
	}
	m.updates++
	m.reports[k] = r
	m.rv[k]++
	return nil
}

func (m *memStore) remove(_ context.Context, s storedReport) error {
	if _, ok := m.reports[s.key()]; !ok {
		return apierrors.NewNotFound(schema.GroupResource{}, s.name)
	}
	m.deletes++
	delete(m.reports, s.key())
	return nil
}

func (m *memStore) writes() int { return m.creates + m.updates + m.deletes }

func (m *memStore) reset() { m.creates, m.updates, m.deletes = 0, 0, 0 }

// cycle runs one audit cycle's Report writing as the leader does: every judged object
// in run order, then finish.
func cycle(s *reportSync, set *policy.PolicySet, objects []*Object) syncStats {
	c := s.begin(context.Background(), set)
	objects = slices.Clone(objects)
	slices.SortFunc(objects, CompareObjects)
	for i, entries := range judgeAll(set, objects) {
		c.judged(objects[i], entries)
	}
	return c.finish(context.Background())
}

// TestReportSyncWritesOnlyChanges counts API writes per cycle: the first creates a
// Report per judged object, a steady second cycle writes nothing, a fixed object is one
// update, a deleted object one delete, and a new policy revision rewrites every Report.
func TestReportSyncWritesOnlyChanges(t *testing.T) {
	set := loadReportSet(t, "rev1", nil)
	store := newMemStore()
	s := newReportSyncWith(store, ReportOptions{PassResults: true}, logr.Discard())
	objects := []*Object{service("a", "bare"), service("a", "clean", "tls", "owner", "tier", "team", "docs"), service("b", "x", "tls"), service("", "cw")}

	if st := cycle(s, set, objects); store.creates != 4 || store.writes() != 4 || st.Wanted != 4 {
		t.Fatalf("first cycle: %d creates, %d writes, %+v", store.creates, store.writes(), st)
	}
	store.reset()
	if cycle(s, set, objects); store.writes() != 0 {
		t.Fatalf("steady cycle: %d writes, want 0", store.writes())
	}

	objects[0] = service("a", "bare", "tls", "owner", "tier", "team", "docs") // fixed (same UID)
	store.reset()
	cycle(s, set, objects)
	if store.updates != 1 || store.writes() != 1 {
		t.Errorf("fixing one object: %d updates, %d writes", store.updates, store.writes())
	}
	if rep := store.reports["a/apiguard-uid-bare"].Object.(*orv1alpha1.Report); rep.Summary.Fail != 0 || rep.Summary.Pass != 5 {
		t.Errorf("fixed object's Report %s", js(rep))
	}

	store.reset()
	cycle(s, set, objects[1:])
	if store.deletes != 1 || store.writes() != 1 || len(store.reports) != 3 {
		t.Errorf("deleting one object: %d deletes, %d writes, %d Reports", store.deletes, store.writes(), len(store.reports))
	}

	store.reset()
	cycle(s, loadReportSet(t, "rev2", nil), objects[1:])
	if store.updates != 3 || store.writes() != 3 {
		t.Errorf("new revision: %d updates, %d writes", store.updates, store.writes())
	}
	// Someone deletes a Report: the next cycle writes it again.
	delete(store.reports, "b/apiguard-uid-x")
	store.reset()
	cycle(s, loadReportSet(t, "rev2", nil), objects[1:])
	if store.creates != 1 || store.writes() != 1 {
		t.Errorf("a deleted Report: %d creates, %d writes", store.creates, store.writes())
	}
}

func TestReportSyncCaps(t *testing.T) {
	set := loadReportSet(t, "r", nil)
	var objects []*Object
	for i := range 10 {
		objects = append(objects, service("a", fmt.Sprintf("clean-%d", i), "tls", "owner", "tier", "team", "docs"))
	}
	objects = append(objects, service("z", "bad"), service("y", "warns-only", "tls", "team"))

	// Total cap 3: the failing object first, then the warning one, then the first clean.
	store := newMemStore()
	s := newReportSyncWith(store, ReportOptions{PassResults: true, MaxReports: 3}, logr.Discard())
	st := cycle(s, set, objects)
	var names []string
	for k := range store.reports {
		names = append(names, k)
	}
	slices.Sort(names)
	if want := []string{"a/apiguard-uid-clean-0", "y/apiguard-uid-warns-only", "z/apiguard-uid-bad"}; !slices.Equal(names, want) || st.Dropped != 9 {
		t.Errorf("total cap: Reports %q, dropped %d", names, st.Dropped)
	}

	// Write cap 4: 12 Reports take three runs, failing ones first; then none.
	store = newMemStore()
	s = newReportSyncWith(store, ReportOptions{PassResults: true, WritesPerRun: 4}, logr.Discard())
	for run, want := range []int{4, 4, 4, 0} {
		store.reset()
		st := cycle(s, set, objects)
		if store.writes() != want {
			t.Errorf("run %d: %d writes, want %d (%+v)", run, store.writes(), want, st)
		}
		if run == 0 {
			if _, ok := store.reports["z/apiguard-uid-bad"]; !ok {
				t.Error("the failing object's Report is not among the first writes")
			}
		}
	}

	// Not served: nothing happens, and no ClusterReports where only Reports are served.
	store = newMemStore()
	store.notServed = true
	s = newReportSyncWith(store, ReportOptions{}, logr.Discard())
	if cycle(s, set, objects); store.writes() != 0 {
		t.Error("writes with the CRDs not served")
	}
	store = newMemStore()
	store.noClusterReports = true
	s = newReportSyncWith(store, ReportOptions{}, logr.Discard())
	if cycle(s, set, []*Object{service("", "cw"), service("a", "bare")}); store.writes() != 1 {
		t.Errorf("%d writes with only Reports served", store.writes())
	}
	// A nil writer (Reports off) is a no-op all the way through.
	var off *reportSync
	off.begin(context.Background(), set).judged(service("a", "x"), nil)
	off.begin(context.Background(), set).finish(context.Background())
}

func js(v any) string {
	b, _ := json.MarshalIndent(v, "", "  ")
	return string(b)
}

func dataOf(d map[string]any) []map[string]any {
	if d == nil {
		return nil
	}
	return []map[string]any{d}
}
