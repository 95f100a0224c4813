// Package adversarial runs the adversarial corpus, test/adversarial/*.yaml: admission
// fixtures (test/fixtures/README.md) of hostile and tricky inputs, each with the verdict
// it must get and the controller behaviour that verdict rests on. TestCorpusCLI runs
// every case through package fixture, exactly as
//
//	apiguard test --fixtures test/adversarial policies/
//
// does; TestCorpusWebhook sends every case through a real kube-apiserver to the webhook
// binary running the same library, with the case's inventory created for real, and
// asserts that the cluster's verdict is the expected one and the CLI's. README.md in this
// directory says how to add a case and how to run one file.
package adversarial

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/apiguard/apiguard/internal/kubetest"
	"github.com/apiguard/apiguard/pkg/evaluate"
	"github.com/apiguard/apiguard/pkg/fixture"
	"github.com/apiguard/apiguard/pkg/manifest"
	"github.com/apiguard/apiguard/pkg/policy"
	"github.com/apiguard/apiguard/pkg/source"
)

// corpus is the corpus as both paths run it: the files, and the CLI's result for each
// case, in file order.
type corpus struct {
	root  string
	files []*fixture.File
	// cli holds the CLI's results by file path, then by case name.
	cli map[string]map[string]fixture.Result
}

// loadCorpus reads every fixture file of this directory and runs it through package
// fixture with the bundled library, as apiguard test does: the same policy snapshot,
// the same loader (data merged over the tree's data), the same default identity.
func loadCorpus(t *testing.T) *corpus {
	t.Helper()
	root, err := kubetest.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(root, "test", "adversarial")
	paths, err := fixture.Find([]string{dir})
	if err != nil {
		t.Fatal(err)
	}
	if len(paths) == 0 {
		t.Fatalf("no corpus files (*.yaml) in %s", dir)
	}
	files, err := fixture.Load(paths)
	if err != nil {
		t.Fatalf("the corpus does not load (every mistake is listed):\n%v", err)
	}
	ctx := context.Background()
	snap, err := source.Dir{Path: filepath.Join(root, "policies")}.Snapshot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	load := func(ctx context.Context, data []map[string]any) (*policy.PolicySet, error) {
		return policy.Load(ctx, snap.FS, policy.LoadOptions{Revision: snap.Revision, Data: data})
	}
	results, err := fixture.Run(ctx, load, files, fixture.Options{Identity: evaluate.GitOpsIdentity})
	if err != nil {
		t.Fatal(err)
	}
	c := &corpus{root: root, files: files, cli: map[string]map[string]fixture.Result{}}
	for _, r := range results {
		if c.cli[r.File] == nil {
			c.cli[r.File] = map[string]fixture.Result{}
		}
		c.cli[r.File][r.Name] = r
	}
	return c
}

// tally counts one path's outcome per file for the summary line.
type tally struct {
	order  []string
	cases  map[string]int
	passed map[string]int
}

func newTally() *tally { return &tally{cases: map[string]int{}, passed: map[string]int{}} }

func (t *tally) add(file string, passed bool) {
	if _, ok := t.cases[file]; !ok {
		t.order = append(t.order, file)
	}
	t.cases[file]++
	if passed {
		t.passed[file]++
	}
}

// summary is one line for the whole run and one per file, e.g.
// "adversarial corpus (webhook): 152 cases in 8 files, 150 passed; ingress-hosts.yaml 20/20, ...".
func (t *tally) summary(path string) string {
	total, passed := 0, 0
	per := make([]string, 0, len(t.order))
	for _, f := range t.order {
		total += t.cases[f]
		passed += t.passed[f]
		per = append(per, fmt.Sprintf("%s %d/%d", f, t.passed[f], t.cases[f]))
	}
	return fmt.Sprintf("adversarial corpus (%s): %d cases in %d files, %d passed; %s", path, total, len(t.order), passed, strings.Join(per, ", "))
}

// TestCorpusCLI asserts that every case gets its expected verdict from the CLI's
// fixture runner. Subtests are <file>/<case>, so -run 'TestCorpusCLI/seed.yaml' runs
// one file.
func TestCorpusCLI(t *testing.T) {
	c := loadCorpus(t)
	v, err := corpusValidator(context.Background(), c.root)
	if err != nil {
		t.Fatal(err)
	}
	counts := newTally()
	c.eachCase(t, counts, func(t *testing.T, base string, fc fixture.Case, r fixture.Result) {
		for _, err := range validateCase(v, fc) {
			t.Errorf("%s: %q is a corpus bug: the API server would reject it on its own (apiguard check --validate strict): %v", base, fc.Name, err)
		}
		switch {
		case r.Err != nil:
			t.Errorf("%s: %q could not be decided: %v", base, fc.Name, r.Err)
		case !r.Passed():
			t.Errorf("%s: %q:\n%s", base, fc.Name, strings.Join(r.Failures, "\n"))
		}
	})
	t.Log(counts.summary("CLI"))
}

// corpusValidator is the CLI's schema validation (manifest.Validator, as apiguard check
// --validate strict runs it) with the CustomResourceDefinitions the webhook path
// installs: every standard-channel Gateway API CRD of kubetest.GatewayAPIVersion (from
// the module cache), Tyk Operator's real CRDs (kubetest.TykCRDsPath) and the Istio, Envoy
// Gateway and Contour CRDs (kubetest.PackCRDFiles). With them, custom
// resources are judged by their schemas too, as a user who passes the CRDs to apiguard
// check has them judged.
func corpusValidator(ctx context.Context, root string) (*manifest.Validator, error) {
	out, err := exec.CommandContext(ctx, "go", "mod", "download", "-json", "sigs.k8s.io/gateway-api@"+kubetest.GatewayAPIVersion).Output()
	var mod struct{ Dir string }
	if err != nil || json.Unmarshal(out, &mod) != nil || mod.Dir == "" {
		return nil, fmt.Errorf("the Gateway API CRDs (sigs.k8s.io/gateway-api@%s, module cache): %v", kubetest.GatewayAPIVersion, err)
	}
	tyk, err := kubetest.TykCRDsPath()
	if err != nil {
		return nil, err
	}
	packs, err := kubetest.PackCRDFiles(ctx)
	if err != nil {
		return nil, err
	}
	crds, err := manifest.Read(append([]string{filepath.Join(mod.Dir, "config", "crd", "standard"), tyk}, packs...), manifest.Options{DropObjects: true})
	if err != nil {
		return nil, err
	}
	v, errs := manifest.NewValidator(manifest.FieldStrict, crds)
	if len(errs) > 0 {
		i := slices.Min(slices.Collect(maps.Keys(errs)))
		return nil, fmt.Errorf("CRD %s (document %d): %w", crds[i].File, crds[i].Index, errs[i])
	}
	return v, nil
}

// validateCase checks the objects of a case the webhook path creates or sends (the
// object, the old object, the inventory objects) as the API server would, and returns
// one error per object it would reject.
func validateCase(v *manifest.Validator, fc fixture.Case) []error {
	var errs []error
	check := func(what string, raw []byte) {
		docs, err := manifest.Decode(what, bytes.NewReader(raw))
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", what, err))
			return
		}
		for _, d := range docs {
			if _, err := v.Validate(d); err != nil {
				errs = append(errs, fmt.Errorf("%s (%s %s): %w", what, d.Kind(), d.Name(), err))
			}
		}
	}
	if fc.Object != nil {
		check("object", fc.Object)
	}
	if fc.OldObject != nil {
		check("oldObject", fc.OldObject)
	}
	inv, err := seededInventory(fc)
	if err != nil {
		return append(errs, err)
	}
	for i, o := range inv {
		raw, err := json.Marshal(o)
		if err != nil {
			errs = append(errs, fmt.Errorf("inventory[%d]: %w", i, err))
			continue
		}
		check(fmt.Sprintf("inventory[%d]", i), raw)
	}
	return errs
}

// seededInventory is the case's inventory entries: fixture.Case.Inventory without the
// case's own object, which package fixture puts first (apiguard check includes every
// manifest it judges in the offline inventory).
func seededInventory(fc fixture.Case) ([]map[string]any, error) {
	if fc.Object == nil {
		return fc.Inventory, nil
	}
	var own map[string]any
	if err := json.Unmarshal(fc.Object, &own); err != nil {
		return nil, fmt.Errorf("object: %w", err)
	}
	if len(fc.Inventory) == 0 || !jsonEqual(fc.Inventory[0], own) {
		return nil, errors.New("fixture.Case.Inventory no longer starts with the case's own object: adapt validateCase")
	}
	return fc.Inventory[1:], nil
}

// TestValidateCase: the check TestCorpusCLI runs on each case's objects fails an object,
// an old object and inventory objects the API server would reject (a built-in kind and
// a Gateway API custom resource), and passes a valid case.
func TestValidateCase(t *testing.T) {
	root, err := kubetest.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	v, err := corpusValidator(context.Background(), root)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "invalid.yaml")
	const cases = `cases:
  - name: an upper-case Service name
    why: the API server validates Service names as DNS-1035 labels
    object: {apiVersion: v1, kind: Service, metadata: {name: aws-False, namespace: demo}, spec: {ports: [{port: 80}]}}
    expect: {allowed: true}
  - name: an invalid old object and inventory
    why: both are created for real by the webhook path
    operation: UPDATE
    oldObject: {apiVersion: v1, kind: Service, metadata: {name: shop, namespace: demo}, spec: {type: nodeport, ports: [{port: 80}]}}
    object: {apiVersion: v1, kind: Service, metadata: {name: shop, namespace: demo}, spec: {ports: [{port: 80}]}}
    inventory:
      - {apiVersion: gateway.networking.k8s.io/v1, kind: HTTPRoute, metadata: {name: shop, namespace: demo}, spec: {hostnames: shop.example.com}}
      - {apiVersion: networking.k8s.io/v1, kind: Ingress, metadata: {name: shop, namespace: demo}, spec: {rules: [{host: shop.example.com}]}}
    expect: {allowed: true}
  - name: a valid case
    why: nothing to reject
    object: {apiVersion: gateway.networking.k8s.io/v1, kind: HTTPRoute, metadata: {name: shop, namespace: demo}, spec: {hostnames: [shop.example.com]}}
    inventory:
      - {apiVersion: v1, kind: Service, metadata: {name: shop, namespace: demo}, spec: {ports: [{port: 80}]}}
    expect: {allowed: true}
`
	if err := os.WriteFile(path, []byte(cases), 0o600); err != nil {
		t.Fatal(err)
	}
	files, err := fixture.Load([]string{path})
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		errors int
		say    []string
	}{
		{1, []string{`object (Service aws-False): `, `metadata.name: Invalid value: "aws-False"`}},
		{2, []string{`oldObject (Service shop): `, `spec.type`, `inventory[0] (HTTPRoute shop): `}},
		{0, nil},
	}
	if len(files) != 1 || len(files[0].Cases) != len(want) {
		t.Fatalf("loaded %d files, want 1 with %d cases", len(files), len(want))
	}
	for i, fc := range files[0].Cases {
		errs := validateCase(v, fc)
		if len(errs) != want[i].errors {
			t.Errorf("%q: %d errors, want %d: %v", fc.Name, len(errs), want[i].errors, errs)
		}
		got := fmt.Sprint(errs)
		for _, w := range want[i].say {
			if !strings.Contains(got, w) {
				t.Errorf("%q: errors %s do not say %q", fc.Name, got, w)
			}
		}
	}
}

// eachCase runs check as the subtest <file>/<case> of every case, with the CLI's result
// for it, and counts the case as passed when the subtest did not fail.
func (c *corpus) eachCase(t *testing.T, counts *tally, check func(t *testing.T, base string, fc fixture.Case, cli fixture.Result)) {
	for _, f := range c.files {
		base := filepath.Base(f.Path)
		t.Run(base, func(t *testing.T) {
			for _, fc := range f.Cases {
				t.Run(fc.Name, func(t *testing.T) {
					defer func() { counts.add(base, !t.Failed()) }()
					check(t, base, fc, c.cli[f.Path][fc.Name])
				})
			}
		})
	}
}

// sameSet reports whether two sorted ID lists hold the same IDs.
func sameSet(a, b []string) bool {
	return slices.Equal(slices.Compact(slices.Sorted(slices.Values(a))), slices.Compact(slices.Sorted(slices.Values(b))))
}

func list(ids []string) string {
	if len(ids) == 0 {
		return "none"
	}
	return "[" + strings.Join(ids, ", ") + "]"
}
