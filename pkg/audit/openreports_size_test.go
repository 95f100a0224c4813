package audit

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	orv1alpha1 "github.com/openreports/reports-api/apis/openreports.io/v1alpha1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/go-logr/logr"

	"github.com/apiguard/apiguard/pkg/kinds"
	"github.com/apiguard/apiguard/pkg/policy"
)

// storedOverhead is what the API server adds to a Report it stores, beyond the object
// the writer sends: uid, resourceVersion, generation, creationTimestamp and the writer's
// managedFields entry. Measured on the e2e API server (TestOpenReports logs a stored
// Report's size next to the size written): 724 bytes.
const storedOverhead = 724

// etcdRequestLimit is etcd's default --max-request-bytes (1.5 MiB): an object larger
// than this cannot be written at all.
const etcdRequestLimit = 1536 * 1024

// shapeSize is the etcd footprint of one shape of Reports for one cluster.
type shapeSize struct {
	objects, total, largest int
	// oneChange is the bytes written when one object's results change.
	oneChange int
}

func (s shapeSize) String() string {
	return fmt.Sprintf("%6d objects, %9d bytes in all (%5.1f MiB), largest %8d bytes, one changed object rewrites %8d bytes",
		s.objects, s.total, float64(s.total)/(1<<20), s.largest, s.oneChange)
}

// syntheticCluster builds n exposure objects spread over the kinds of pkg/kinds and over
// n/100 namespaces (one namespace holds a tenth of them, as a shared ingress namespace
// does), with the findings a partly compliant cluster has: 80% clean, 15% one deny, 5%
// two denies and a missing default. Messages are the library's typical length.
func syntheticCluster(n int, revision string) ([]*Object, [][]Entry) {
	table := kinds.Table()
	namespaces := max(1, n/100)
	rnd := rand.New(rand.NewPCG(uint64(n), 21))
	objects := make([]*Object, n)
	entries := make([][]Entry, n)
	for i := range n {
		k := table[i%len(table)]
		ns := fmt.Sprintf("team-%04d", i%namespaces)
		if i%10 == 0 {
			ns = "shared-ingress"
		}
		o := &Object{}
		o.APIVersion, o.Kind, o.Name = k.APIVersion(k.Version), k.Kind, fmt.Sprintf("%s-%06d", strings.ToLower(k.Kind), i)
		if k.ClusterScoped {
			ns = ""
		}
		o.Namespace, o.UID = ns, types.UID(fmt.Sprintf("%08x-7e2d-4c1a-9b7f-%012x", i, i))
		objects[i] = o
		finding := func(pol, action, msg string) Entry {
			return Entry{APIVersion: o.APIVersion, Kind: o.Kind, Namespace: o.Namespace, Name: o.Name, Policy: pol, Action: action, Revision: revision, UID: o.UID,
				Message: fmt.Sprintf("%s %s/%s: %s", o.Kind, o.Namespace, o.Name, msg)}
		}
		switch roll := rnd.IntN(20); {
		case roll < 3:
			entries[i] = []Entry{finding(k.Pack+".require_tls", "deny", "spec.tls is empty, so the host is served over plain HTTP; add a tls entry naming the host and a Secret")}
		case roll == 3:
			entries[i] = []Entry{
				finding(k.Pack+".require_tls", "deny", "spec.tls is empty, so the host is served over plain HTTP; add a tls entry naming the host and a Secret"),
				finding(k.Pack+".no_wildcard_host", "deny", "spec.rules[0].host \"*.example.com\" is a wildcard, so any subdomain reaches the backend; name each host"),
				finding(k.Pack+".default_hsts", ActionPatch, "would add /metadata/annotations/nginx.ingress.kubernetes.io~1hsts: \"true\" (a secure default the mutating webhook adds; the object bypassed it)"),
			}
			entries[i][2].Path = "/metadata/annotations/nginx.ingress.kubernetes.io~1hsts"
		}
	}
	return objects, entries
}

// perResource builds the chosen shape: one Report per object.
func perResource(b *ReportBuilder, objects []*Object, entries [][]Entry) shapeSize {
	s := shapeSize{}
	for i, o := range objects {
		r, ok := b.Build(o, entries[i])
		if !ok {
			continue
		}
		raw, err := json.Marshal(r.Object)
		if err != nil {
			panic(err)
		}
		size := len(raw) + storedOverhead
		s.objects++
		s.total += size
		s.largest = max(s.largest, size)
		s.oneChange = max(s.oneChange, size)
	}
	return s
}

// perNamespace builds the other shape: one Report per namespace (and one ClusterReport),
// each result naming its object in resources, as the format allows without a scope.
func perNamespace(b *ReportBuilder, objects []*Object, entries [][]Entry) shapeSize {
	byNS := map[string]*orv1alpha1.Report{}
	for i, o := range objects {
		r, ok := b.Build(o, entries[i])
		if !ok {
			continue
		}
		var results []orv1alpha1.ReportResult
		switch x := r.Object.(type) {
		case *orv1alpha1.Report:
			results = x.Results
		case *orv1alpha1.ClusterReport:
			results = x.Results
		}
		ref := corev1.ObjectReference{APIVersion: o.APIVersion, Kind: o.Kind, Namespace: o.Namespace, Name: o.Name, UID: o.UID}
		for j := range results {
			results[j].Subjects = []corev1.ObjectReference{ref}
		}
		rep := byNS[o.Namespace]
		if rep == nil {
			rep = &orv1alpha1.Report{
				TypeMeta:   metav1.TypeMeta{APIVersion: "openreports.io/v1alpha1", Kind: "Report"},
				ObjectMeta: metav1.ObjectMeta{Name: "apiguard", Namespace: o.Namespace, Labels: map[string]string{ReportManagedByLabel: ReportManagedBy}},
				Source:     ReportSource,
			}
			byNS[o.Namespace] = rep
		}
		rep.Results = append(rep.Results, results...)
	}
	s := shapeSize{}
	for _, rep := range byNS {
		raw, err := json.Marshal(rep)
		if err != nil {
			panic(err)
		}
		size := len(raw) + storedOverhead
		s.objects++
		s.total += size
		s.largest = max(s.largest, size)
	}
	s.oneChange = s.largest // a change in the shared namespace rewrites its whole Report
	return s
}

// TestReportShapeSizes measures both shapes at 2,000 and 50,000 objects with the
// bundled library's policies (which decide the pass results per kind), and checks the
// choice documented in docs/audit.md: one Report per object stays small per object, while
// one Report per namespace exceeds etcd's request limit at 50,000 objects. Run with -v
// for the figures.
func TestReportShapeSizes(t *testing.T) {
	if testing.Short() {
		t.Skip("builds 100,000 Reports")
	}
	set, err := policy.Load(context.Background(), os.DirFS("../../policies"), policy.LoadOptions{Revision: strings.Repeat("5e", 32)})
	if err != nil {
		t.Fatal(err)
	}
	for _, pass := range []bool{true, false} {
		b := NewReportBuilder(set, ReportOptions{PassResults: pass, MaxReports: 1 << 30}, time.Unix(1795486933, 0))
		name := "findings only (default)"
		if pass {
			name = "with pass results"
		}
		for _, n := range []int{2000, 50000} {
			objects, entries := syntheticCluster(n, set.Revision())
			pr, pn := perResource(b, objects, entries), perNamespace(b, objects, entries)
			t.Logf("%s, %d objects:\n  per object:    %s\n  per namespace: %s", name, n, pr, pn)
			if pr.largest > 64<<10 {
				t.Errorf("%s, %d objects: a per-object Report of %d bytes", name, n, pr.largest)
			}
			if pass && n == 50000 && pn.largest <= etcdRequestLimit {
				t.Errorf("the per-namespace shape fits etcd at 50,000 objects (%d bytes): re-check the choice in docs/audit.md", pn.largest)
			}
			if !pass || n == 2000 {
				// (all results at 50,000: the total cap's 20,000 Reports, 20 runs of 1,000)
				writesPerCycle(t, set, pass, objects, entries)
			}
		}
	}
}

// writesPerCycle counts the writes of successive cycles on a steady cluster with the
// default caps: the backlog of the first cycles (within DefaultReportWritesPerRun), then
// none; then one fixed object, and a new policy revision.
func writesPerCycle(t *testing.T, set *policy.PolicySet, pass bool, objects []*Object, entries [][]Entry) {
	t.Helper()
	store := newMemStore()
	s := newReportSyncWith(store, ReportOptions{PassResults: pass}, logr.Discard())
	run := func(set *policy.PolicySet, entries [][]Entry) int {
		store.reset()
		c := s.begin(context.Background(), set)
		for i, o := range objects {
			c.judged(o, entries[i])
		}
		c.finish(context.Background())
		return store.writes()
	}
	var counts []int
	for range 200 {
		n := run(set, entries)
		counts = append(counts, n)
		if n == 0 {
			break
		}
	}
	if counts[len(counts)-1] != 0 {
		t.Fatalf("writes never stop: %v", counts)
	}
	// Fix one violating object.
	fixed := slices.Clone(entries)
	for i := range fixed {
		if len(fixed[i]) > 0 {
			fixed[i] = nil
			break
		}
	}
	one := run(set, fixed)
	t.Logf("  writes per cycle: %v (steady: %d); one object fixed: %d; Reports kept: %d", counts, counts[len(counts)-1], one, len(store.reports))
	if counts[0] > DefaultReportWritesPerRun || (!pass && one != 1) {
		t.Errorf("writes %v, one fix %d", counts, one)
	}
}
