package audit

import (
	"context"
	"os/exec"
	"slices"
	"strings"
	"testing"

	"github.com/apiguard/apiguard/pkg/policy"
	"github.com/apiguard/apiguard/pkg/source"
	"github.com/apiguard/apiguard/policies"
)

// The library's policies that judge every exposure kind (GitOps provenance, API
// versions) declare each kind of the table: a kind added to the table, and so to the
// webhook's rules, is never left out of them.
func TestEveryExposureKindPoliciesCoverTheTable(t *testing.T) {
	ctx := context.Background()
	snap, err := source.Tree{Name: "builtin", FS: policies.FS()}.Snapshot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	set, err := policy.Load(ctx, snap.FS, policy.LoadOptions{Revision: snap.Revision})
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"gitops.reviewed_change", "kubernetes.known_api_version"} {
		i := slices.IndexFunc(set.Policies(), func(p policy.Policy) bool { return p.ID == id })
		if i < 0 {
			t.Errorf("%s is not in the library", id)
			continue
		}
		kinds := set.Policies()[i].Kinds
		for _, k := range Kinds() {
			qualified := k.Kind
			if k.Group != "" {
				qualified = k.Group + "/" + k.Kind
			}
			if !slices.Contains(kinds, k.Kind) && !slices.Contains(kinds, qualified) {
				t.Errorf("%s does not judge %s (custom.kinds %v)", id, qualified, kinds)
			}
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
