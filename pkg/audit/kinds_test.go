package audit

import (
	"context"
	"fmt"
	"os/exec"
	"slices"
	"strings"
	"testing"

	"github.com/apiguard/apiguard/internal/kindsgen"
	"github.com/apiguard/apiguard/pkg/kinds"
	"github.com/apiguard/apiguard/pkg/policy"
	"github.com/apiguard/apiguard/pkg/source"
	"github.com/apiguard/apiguard/policies"
)

// loadLibrary compiles the bundled policy library.
func loadLibrary(t *testing.T) *policy.PolicySet {
	t.Helper()
	ctx := context.Background()
	snap, err := source.Tree{Name: "builtin", FS: policies.FS()}.Snapshot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	set, err := policy.Load(ctx, snap.FS, policy.LoadOptions{Revision: snap.Revision})
	if err != nil {
		t.Fatal(err)
	}
	return set
}

// The library's policies that judge every exposure kind (GitOps provenance, API
// versions) declare exactly the kinds of the table: a kind added to the table, and so to
// the webhook's rules, is never left out of them, and they name no kind the webhook is
// never asked about.
func TestEveryExposureKindPoliciesCoverTheTable(t *testing.T) {
	set := loadLibrary(t)
	for _, id := range []string{"gitops.reviewed_change", "kubernetes.known_api_version"} {
		i := slices.IndexFunc(set.Policies(), func(p policy.Policy) bool { return p.ID == id })
		if i < 0 {
			t.Errorf("%s is not in the library", id)
			continue
		}
		declared := map[string]bool{}
		for _, entry := range set.Policies()[i].Kinds {
			declared[entry] = true
		}
		for _, want := range kindsgen.QualifiedKinds(kinds.Table()) {
			if !declared[want] {
				t.Errorf("%s does not judge %s (custom.kinds %v)", id, want, set.Policies()[i].Kinds)
			}
			delete(declared, want)
		}
		for entry := range declared {
			t.Errorf("%s declares %s in custom.kinds, which is not in the table of exposure kinds (the webhook is never asked about it)", id, entry)
		}
	}
}

// kubernetes.known_api_version admits every kind of the table in the table's version,
// the one the checks read it in (and so audit lists it in), and denies the same kind in
// a version nobody serves. A kind the table gains without its groups and supported
// versions in the policy would be denied in every version, or judged in any.
func TestKnownAPIVersionAgreesWithTheTable(t *testing.T) {
	ctx := context.Background()
	set := loadLibrary(t)
	verdict := func(apiVersion, kind string) (denied bool) {
		t.Helper()
		obj := fmt.Sprintf(`{"apiVersion": %q, "kind": %q, "metadata": {"name": "x", "namespace": "team"}}`, apiVersion, kind)
		req, err := policy.RequestFor([]byte(obj), policy.RequestOptions{})
		if err != nil {
			t.Fatal(err)
		}
		d, err := set.Evaluate(ctx, policy.Input{Request: req})
		if err != nil {
			t.Fatalf("%s %s: %v", apiVersion, kind, err)
		}
		return slices.ContainsFunc(d.Violations, func(v policy.Violation) bool { return v.Policy == "kubernetes.known_api_version" })
	}
	for _, k := range kinds.Table() {
		for _, v := range k.Judged() {
			if verdict(k.APIVersion(v), k.Kind) {
				t.Errorf("%s %s (a version the table judges) is denied by kubernetes.known_api_version", k.APIVersion(v), k.Kind)
			}
		}
		gv := k.APIVersion(k.Version)
		unknown := strings.TrimSuffix(gv, k.Version) + "v999"
		if !verdict(unknown, k.Kind) {
			t.Errorf("%s %s is not denied by kubernetes.known_api_version: the policy does not know %s", unknown, k.Kind, k.Kind)
		}
	}
}

// The CLI and audit name a kind's resource with policy.Plural, as a RESTMapper that was
// not told does; the table's resource must be that guess, or offline input would carry
// another resource than the API server sends.
func TestTableResourcesArePlurals(t *testing.T) {
	for _, k := range Kinds() {
		if got := policy.Plural(k.Kind); got != k.Resource {
			t.Errorf("%s: resource %q in the table, policy.Plural gives %q", k.Kind, k.Resource, got)
		}
	}
}

// The audit reads exemptions (policy.IgnoreLabel) but serves no admission requests: it
// must not pull in pkg/admission and, with it, controller-runtime's webhook server.
func TestAuditDoesNotImportTheWebhook(t *testing.T) {
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go tool on PATH")
	}
	out, err := exec.Command(goTool, "list", "-deps", ".").Output()
	if err != nil {
		t.Fatalf("go list -deps: %v", err)
	}
	for _, dep := range strings.Fields(string(out)) {
		if dep == "github.com/apiguard/apiguard/pkg/admission" || strings.HasPrefix(dep, "sigs.k8s.io/controller-runtime/pkg/webhook") {
			t.Errorf("pkg/audit depends on %s", dep)
		}
	}
}

// Each pack's policies cost only its own requests: a request is evaluated against the
// policies declaring its group/kind, or its plain kind name. A plain name shared by two
// groups of the table (Gateway: Gateway API and Istio; SecurityPolicy: Tyk and Envoy
// Gateway) would put one pack's policies on the other's requests, so policies must
// qualify those; and a pack's policies (istio., envoygateway., contour., traefik.,
// apisix., emissary.) declare only its own groups. Kong's are left out: its annotation
// checks judge Ingresses and Services by design.
func TestEachPackCostsOnlyItsOwnRequests(t *testing.T) {
	groupsOf := map[string][]string{}
	packGroups := map[string]map[string]bool{}
	for _, k := range kinds.Table() {
		if !slices.Contains(groupsOf[k.Kind], k.Group) {
			groupsOf[k.Kind] = append(groupsOf[k.Kind], k.Group)
		}
		if packGroups[k.Pack] == nil {
			packGroups[k.Pack] = map[string]bool{}
		}
		packGroups[k.Pack][k.Group] = true
	}
	prefixes := map[string]string{"istio.": "istio", "envoygateway.": "envoyGateway", "contour.": "contour", "traefik.": "traefik", "apisix.": "apisix", "emissary.": "emissary"}
	checked := 0
	for _, p := range loadLibrary(t).Policies() {
		for _, entry := range p.Kinds {
			group, kind, qualified := strings.Cut(entry, "/")
			if !qualified {
				if len(groupsOf[entry]) > 1 {
					t.Errorf("%s declares the plain kind %s, which groups %v all serve: qualify it", p.ID, entry, groupsOf[entry])
				}
				continue
			}
			if group == "core" {
				group = ""
			}
			for prefix, pack := range prefixes {
				if strings.HasPrefix(p.ID, prefix) {
					checked++
					if !packGroups[pack][group] {
						t.Errorf("%s (pack %s) declares %s/%s, outside the pack's groups", p.ID, pack, group, kind)
					}
				}
			}
		}
	}
	if checked == 0 {
		t.Error("no istio., envoygateway. or contour. policy in the library")
	}
}

// The CLI and audit tell a cluster-scoped kind by policy.IsClusterScoped, so its
// requests carry no namespace: the table's cluster-scoped kinds must be known there.
func TestClusterScopedKindsAreKnownToTheEngine(t *testing.T) {
	for _, k := range kinds.Table() {
		if got := policy.IsClusterScoped(k.Group, k.Kind); got != k.ClusterScoped {
			t.Errorf("%s/%s: policy.IsClusterScoped = %v, the table says %v", k.Group, k.Kind, got, k.ClusterScoped)
		}
	}
}
