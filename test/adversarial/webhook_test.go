package adversarial

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	admissionv1 "k8s.io/api/admission/v1"
	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/discovery/cached/memory"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/restmapper"

	"github.com/apiguard/apiguard/internal/kubetest"
	"github.com/apiguard/apiguard/internal/testenv"
	"github.com/apiguard/apiguard/pkg/fixture"
	"github.com/apiguard/apiguard/pkg/inventory"
)

const (
	// seeder creates what a case says is already in the cluster (its inventory, and the
	// old object of an UPDATE or DELETE). A match condition keeps its requests away from
	// the webhook: those objects exist before the request under review, whatever the
	// policies would say of them today.
	seeder = "apiguard-adversarial:seeder"
	// nobody stands for "no identity" (the CLI's empty user): the API server needs a
	// username to impersonate.
	nobody = "apiguard-adversarial:nobody"
	// validateHook and mutateHook are the webhook names the API server quotes in a denial.
	validateHook = "validate.apiguard.io"
	mutateHook   = "mutate.apiguard.io"
	// settle bounds every wait for the webhook's inventory to follow the cluster.
	settle = 20 * time.Second
)

// harness is one control plane for the whole run and the webhook for the data set in use.
// Webhooks for other data sets replace it on the same port with the same serving
// certificate, so the one registration always reaches the current one.
type harness struct {
	root    string
	binary  string
	tmp     string
	cluster *kubetest.Cluster
	cfg     *rest.Config
	cs      kubernetes.Interface
	mapper  *restmapper.DeferredDiscoveryRESTMapper
	certDir string
	port    int

	webhook *kubetest.Webhook
	dataKey string
	dataSet int

	namespaces map[string]bool
	clients    map[string]dynamic.Interface
	warnings   *kubetest.Warnings
	denied     *regexp.Regexp
	warned     *regexp.Regexp
}

// startHarness starts the control plane; cleanup registers its teardown with the
// top-level test, as the harness outlives the subtest that starts it.
func startHarness(cleanup func(func())) (*harness, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
	defer cancel()
	root, err := kubetest.RepoRoot()
	if err != nil {
		return nil, err
	}
	// Never skipped for lack of binaries: they are built (idempotent).
	if err := kubetest.EnsureBinaries(ctx); err != nil {
		return nil, err
	}
	h := &harness{
		root:       root,
		namespaces: map[string]bool{}, clients: map[string]dynamic.Interface{}, warnings: &kubetest.Warnings{},
		// "[<policy ID>] <msg> (policy revision <sha>)", one line per finding; the API
		// server puts the first behind its own prefix.
		denied: regexp.MustCompile(`(?m)(?:^|denied the request: )\[([^\]\s]+)\] `),
		warned: regexp.MustCompile(`^\[([^\]\s]+)\] `),
	}
	if h.tmp, err = os.MkdirTemp("", "apiguard-adversarial-"); err != nil {
		return nil, err
	}
	cleanup(func() { os.RemoveAll(h.tmp) })
	if h.binary, err = kubetest.Build(ctx, "./cmd/webhook", h.tmp); err != nil {
		return nil, err
	}
	h.cluster, err = kubetest.Start(ctx, kubetest.Options{})
	if err != nil {
		return nil, err
	}
	cleanup(func() {
		if h.webhook != nil {
			_ = h.webhook.Stop()
		}
		_ = h.cluster.Stop()
	})
	h.cfg = h.cluster.RESTConfig()
	if h.cs, err = kubernetes.NewForConfig(h.cfg); err != nil {
		return nil, err
	}
	if err := kubetest.InstallTykCRDs(ctx, h.cfg); err != nil {
		return nil, err
	}
	if err := kubetest.InstallGatewayAPIStandardCRDs(ctx, h.cfg); err != nil {
		return nil, err
	}
	if err := kubetest.InstallPackCRDs(ctx, h.cfg); err != nil {
		return nil, err
	}
	h.mapper = restmapper.NewDeferredDiscoveryRESTMapper(memory.NewMemCacheClient(h.cs.Discovery()))
	// Cases run as the users and groups they name, impersonated: RBAC must let any of
	// them do anything, so that only admission decides.
	binding := &rbacv1.ClusterRoleBinding{
		ObjectMeta: metav1.ObjectMeta{Name: "adversarial-everyone-admin"},
		RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: "cluster-admin"},
		Subjects:   []rbacv1.Subject{{APIGroup: rbacv1.GroupName, Kind: rbacv1.GroupKind, Name: "system:authenticated"}},
	}
	if _, err := h.cs.RbacV1().ClusterRoleBindings().Create(ctx, binding, metav1.CreateOptions{}); err != nil {
		return nil, err
	}
	// One serving certificate and one port for every webhook of the run.
	ca, err := kubetest.NewCA()
	if err != nil {
		return nil, err
	}
	h.certDir = filepath.Join(h.tmp, "certs")
	if err := os.MkdirAll(h.certDir, 0o700); err != nil {
		return nil, err
	}
	if _, err := ca.WriteServing(h.certDir, time.Now().Add(-time.Hour)); err != nil {
		return nil, err
	}
	if h.port, err = kubetest.FreePort(); err != nil {
		return nil, err
	}
	_, err = kubetest.Register(ctx, h.cs, kubetest.Registration{
		Name:          "apiguard-adversarial",
		URL:           "https://127.0.0.1:" + strconv.Itoa(h.port),
		CABundle:      ca.PEM(),
		FailurePolicy: admissionregistrationv1.Fail,
		// The kinds the chart registers; a kind missing here is a kind the cluster never
		// asks apiguard about, and the comparison with the CLI shows it.
		ValidateRules: kubetest.ExposureRules(admissionregistrationv1.Create, admissionregistrationv1.Update, admissionregistrationv1.Delete),
		MutateRules:   kubetest.ExposureRules(admissionregistrationv1.Create, admissionregistrationv1.Update),
		MatchConditions: []admissionregistrationv1.MatchCondition{{
			Name: "not-the-seeder", Expression: fmt.Sprintf("request.userInfo.username != %q", seeder),
		}},
		// Generous for a loaded CI machine: timeouts are not what this suite tests.
		TimeoutSeconds: 25,
	})
	if err != nil {
		return nil, err
	}
	return h, nil
}

// use makes the webhook for data (a fixture file's data documents) the one the API
// server calls, starting it if another data set's webhook is running.
func (h *harness) use(t *testing.T, data []map[string]any) {
	t.Helper()
	key, err := json.Marshal(data)
	if err != nil {
		t.Fatal(err)
	}
	if h.webhook != nil && h.dataKey == string(key) {
		return
	}
	if h.webhook != nil {
		if err := h.webhook.Stop(); err != nil {
			t.Logf("stop webhook: %v", err)
		}
		h.webhook = nil
	}
	h.dataSet++
	args := []string{"--kubeconfig", h.cluster.Kubeconfig(), "--inventory", "on", "--eval-timeout", "20s"}
	for i, doc := range data {
		b, err := json.Marshal(doc)
		if err != nil {
			t.Fatal(err)
		}
		file := filepath.Join(h.tmp, fmt.Sprintf("data-%d-%d.json", h.dataSet, i))
		if err := os.WriteFile(file, b, 0o600); err != nil {
			t.Fatal(err)
		}
		args = append(args, "--data-file", file)
	}
	ctx := context.Background()
	w, err := kubetest.StartWebhook(ctx, kubetest.WebhookOptions{
		Binary: h.binary, PolicyDir: filepath.Join(h.root, "policies"), Args: args,
		CertDir: h.certDir, Port: h.port, ReadyTimeout: 3 * time.Minute,
	})
	if err != nil {
		t.Fatalf("start the webhook for data set %d: %v", h.dataSet, err)
	}
	h.webhook, h.dataKey = w, string(key)
	// The API server loads the registration asynchronously: wait until a request goes
	// through both webhooks of this process.
	probe := map[string]any{
		"apiVersion": "v1", "kind": "Service",
		"metadata": map[string]any{"name": "adversarial-probe", "namespace": "default"},
		"spec":     map[string]any{"ports": []any{map[string]any{"port": int64(80)}}},
	}
	client := h.client(t, nobody, nil)
	err = kubetest.Poll(time.Minute, func() error {
		_, err := client.Resource(schema.GroupVersionResource{Version: "v1", Resource: "services"}).Namespace("default").
			Create(ctx, &unstructured.Unstructured{Object: probe}, metav1.CreateOptions{DryRun: []string{metav1.DryRunAll}})
		h.warnings.Take()
		if err != nil && strings.Contains(err.Error(), "failed calling webhook") {
			return err
		}
		for _, hook := range []string{"validate", "mutate"} {
			if n, err := h.requests(hook); err != nil || n == 0 {
				return fmt.Errorf("the %s webhook has not been called yet (%v)", hook, err)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatalf("the API server does not reach the webhook: %v\n%s", err, w.Logs())
	}
}

// requests is how many admission requests the running webhook has answered on one path.
func (h *harness) requests(hook string) (float64, error) {
	resp, err := http.Get(h.webhook.MetricURL)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return 0, err
	}
	sum := 0.0
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "apiguard_admission_requests_total{") && strings.Contains(line, `webhook="`+hook+`"`) {
			fields := strings.Fields(line)
			v, err := strconv.ParseFloat(fields[len(fields)-1], 64)
			if err != nil {
				return 0, err
			}
			sum += v
		}
	}
	return sum, nil
}

// client is a dynamic client impersonating user and groups, whose warnings go to
// h.warnings.
func (h *harness) client(t *testing.T, user string, groups []string) dynamic.Interface {
	t.Helper()
	key := user + "\x00" + strings.Join(groups, "\x00")
	if c, ok := h.clients[key]; ok {
		return c
	}
	cfg := rest.CopyConfig(h.cfg)
	cfg.Impersonate = rest.ImpersonationConfig{UserName: user, Groups: groups}
	cfg.WarningHandler = h.warnings
	c, err := dynamic.NewForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	h.clients[key] = c
	return c
}

// placed is an object of a case, with where the API server keeps it.
type placed struct {
	obj        *unstructured.Unstructured
	resource   schema.GroupVersionResource
	namespaced bool
}

func (p placed) String() string {
	if p.obj.GetNamespace() == "" {
		return p.obj.GetKind() + " " + p.obj.GetName()
	}
	return p.obj.GetKind() + " " + p.obj.GetNamespace() + "/" + p.obj.GetName()
}

// place decodes a case object and resolves its resource; a namespaced object without a
// namespace goes to ns, as the CLI puts it.
func (h *harness) place(raw any, ns string) (placed, error) {
	var obj map[string]any
	switch v := raw.(type) {
	case []byte:
		if err := json.Unmarshal(v, &obj); err != nil {
			return placed{}, err
		}
	case map[string]any:
		// A deep copy: the fixture's maps are shared with the CLI's run.
		b, err := json.Marshal(v)
		if err != nil {
			return placed{}, err
		}
		if err := json.Unmarshal(b, &obj); err != nil {
			return placed{}, err
		}
	}
	u := &unstructured.Unstructured{Object: obj}
	gvk := u.GroupVersionKind()
	mapping, err := h.mapper.RESTMapping(gvk.GroupKind(), gvk.Version)
	if err != nil {
		h.mapper.Reset()
		if mapping, err = h.mapper.RESTMapping(gvk.GroupKind(), gvk.Version); err != nil {
			return placed{}, fmt.Errorf("%s %s is not served by the test API server (a kind whose CRD internal/kubetest does not install?): %w", gvk.GroupVersion(), gvk.Kind, err)
		}
	}
	p := placed{obj: u, resource: mapping.Resource, namespaced: mapping.Scope.Name() == meta.RESTScopeNameNamespace}
	if p.namespaced && u.GetNamespace() == "" {
		u.SetNamespace(ns)
	}
	return p, nil
}

func (h *harness) ensureNamespace(t *testing.T, ns string) error {
	if ns == "" || h.namespaces[ns] {
		return nil
	}
	_, err := h.cs.CoreV1().Namespaces().Create(context.Background(), &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}, metav1.CreateOptions{})
	if err != nil && !apierrors.IsAlreadyExists(err) {
		return fmt.Errorf("create namespace %s: %w", ns, err)
	}
	h.namespaces[ns] = true
	return nil
}

func (h *harness) inventoryObjects() (float64, error) {
	return h.webhook.Metric("apiguard_inventory_objects")
}

// waitInventory waits until the webhook's inventory holds exactly want objects.
func (h *harness) waitInventory(want int) error {
	deadline := time.Now().Add(settle)
	for {
		got, err := h.inventoryObjects()
		if err == nil && got == float64(want) {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("the webhook's inventory holds %v objects after %s, want %d (%v)", got, settle, want, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// caseRun is one case on its way through the cluster.
type caseRun struct {
	h       *harness
	c       fixture.Case
	cli     fixture.Result
	seeded  []placed
	tracked *inventory.Index
}

// verdict is what the cluster said of one case.
type verdict struct {
	fixture.Verdict
	// message is the denial as the API server returned it.
	message string
	// reached reports whether the validating webhook was asked at all.
	reached bool
	// stored is the object the API server would store (mutated and defaulted), when it
	// admitted a CREATE or UPDATE.
	stored map[string]any
}

// corpusError is a case the API server refuses on its own, or cannot hold: a mistake in
// the corpus, not a verdict.
type corpusError struct{ err error }

func (e corpusError) Error() string { return e.err.Error() }

// run seeds the case's cluster state, sends the request, and removes what it seeded.
func (r *caseRun) run(t *testing.T) (verdict, error) {
	h, c := r.h, r.c
	r.tracked = inventory.New()
	defer r.cleanup(t)
	var inv []map[string]any
	if c.Object != nil {
		// fixture puts the case's own object first in its inventory, as check includes
		// every manifest it judges; the cluster learns of it only once it is stored.
		var own map[string]any
		if err := json.Unmarshal(c.Object, &own); err != nil {
			return verdict{}, err
		}
		if len(c.Inventory) == 0 || !jsonEqual(c.Inventory[0], own) {
			return verdict{}, errors.New("fixture.Case.Inventory no longer starts with the case's own object: adapt the runner")
		}
		inv = c.Inventory[1:]
	} else {
		inv = c.Inventory
	}
	for i, o := range inv {
		p, err := h.place(o, c.Namespace)
		if err != nil {
			return verdict{}, corpusError{fmt.Errorf("inventory[%d]: %w", i, err)}
		}
		if _, err := r.seed(t, p); err != nil {
			return verdict{}, corpusError{fmt.Errorf("inventory[%d]: %w", i, err)}
		}
	}
	var old placed
	resourceVersion := ""
	if c.OldObject != nil {
		var err error
		if old, err = h.place(c.OldObject, c.Namespace); err != nil {
			return verdict{}, corpusError{fmt.Errorf("oldObject: %w", err)}
		}
		// The object an UPDATE or DELETE acts on exists.
		stored, err := r.seed(t, old)
		if err != nil {
			return verdict{}, corpusError{fmt.Errorf("oldObject: %w", err)}
		}
		if stored != nil {
			// Custom resources take no unconditional update.
			resourceVersion = stored.GetResourceVersion()
		}
	}
	if err := h.waitInventory(r.tracked.Objects()); err != nil {
		return verdict{}, err
	}
	user, groups := r.cli.User, r.cli.Groups
	if user == "" {
		user = nobody
	}
	client := h.client(t, user, groups)
	before, err := h.requests("validate")
	if err != nil {
		return verdict{}, err
	}
	h.warnings.Take()
	ctx := context.Background()
	dry := []string{metav1.DryRunAll}
	var stored *unstructured.Unstructured
	switch c.Operation {
	case admissionv1.Create, admissionv1.Update:
		var p placed
		if p, err = h.place(c.Object, c.Namespace); err != nil {
			return verdict{}, corpusError{fmt.Errorf("object: %w", err)}
		}
		if err := h.ensureNamespace(t, p.obj.GetNamespace()); err != nil {
			return verdict{}, corpusError{err}
		}
		res := client.Resource(p.resource).Namespace(p.obj.GetNamespace())
		if resourceVersion != "" && p.obj.GetResourceVersion() == "" {
			p.obj.SetResourceVersion(resourceVersion)
		}
		if c.Operation == admissionv1.Create {
			stored, err = res.Create(ctx, p.obj, metav1.CreateOptions{DryRun: dry, FieldValidation: metav1.FieldValidationStrict})
		} else {
			stored, err = res.Update(ctx, p.obj, metav1.UpdateOptions{DryRun: dry, FieldValidation: metav1.FieldValidationStrict})
		}
	case admissionv1.Delete:
		err = client.Resource(old.resource).Namespace(old.obj.GetNamespace()).Delete(ctx, old.obj.GetName(), metav1.DeleteOptions{DryRun: dry})
	}
	after, merr := h.requests("validate")
	if merr != nil {
		return verdict{}, merr
	}
	v := verdict{reached: after > before}
	v.Allowed = err == nil
	if err == nil && stored != nil {
		v.stored = stored.Object
	}
	v.Violations, v.Warnings = []string{}, []string{}
	if err != nil {
		msg := err.Error()
		switch {
		case strings.Contains(msg, fmt.Sprintf("admission webhook %q denied the request", validateHook)),
			strings.Contains(msg, fmt.Sprintf("admission webhook %q denied the request", mutateHook)):
			v.message = msg
			for _, m := range h.denied.FindAllStringSubmatch(msg, -1) {
				v.Violations = append(v.Violations, m[1])
			}
		case strings.Contains(msg, "failed calling webhook"):
			return verdict{}, fmt.Errorf("the webhook could not decide: %v", err)
		default:
			return verdict{}, corpusError{fmt.Errorf("the API server rejected the object on its own: %w", err)}
		}
	}
	for _, w := range h.warnings.Take() {
		if m := h.warned.FindStringSubmatch(w); m != nil {
			v.Warnings = append(v.Warnings, m[1])
		}
	}
	v.Violations = slices.Compact(slices.Sorted(slices.Values(v.Violations)))
	v.Warnings = slices.Compact(slices.Sorted(slices.Values(v.Warnings)))
	return v, nil
}

// seed creates an object for real as the seeder (the webhook does not see it), records
// it for the inventory count and for cleanup, and returns it as stored (nil for a
// Namespace).
func (r *caseRun) seed(t *testing.T, p placed) (*unstructured.Unstructured, error) {
	h := r.h
	if err := h.ensureNamespace(t, p.obj.GetNamespace()); err != nil {
		return nil, err
	}
	ctx := context.Background()
	res := h.client(t, seeder, nil).Resource(p.resource)
	var ri dynamic.ResourceInterface = res
	if p.namespaced {
		ri = res.Namespace(p.obj.GetNamespace())
	}
	if p.resource.Group == "" && p.resource.Resource == "namespaces" {
		// Namespaces are never deleted (no namespace controller runs to finish the
		// deletion): an inventory Namespace is created or given its labels, and kept.
		h.namespaces[p.obj.GetName()] = true
		_, err := ri.Create(ctx, p.obj, metav1.CreateOptions{FieldValidation: metav1.FieldValidationStrict})
		if apierrors.IsAlreadyExists(err) {
			var cur *unstructured.Unstructured
			if cur, err = ri.Get(ctx, p.obj.GetName(), metav1.GetOptions{}); err == nil {
				cur.SetLabels(p.obj.GetLabels())
				cur.SetAnnotations(p.obj.GetAnnotations())
				_, err = ri.Update(ctx, cur, metav1.UpdateOptions{})
			}
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", p, err)
		}
		return nil, nil
	}
	stored, err := ri.Create(ctx, p.obj, metav1.CreateOptions{FieldValidation: metav1.FieldValidationStrict})
	if err != nil {
		return nil, fmt.Errorf("%s: the API server refuses it: %w", p, err)
	}
	r.seeded = append(r.seeded, p)
	r.tracked.Upsert(p.obj.Object)
	return stored, nil
}

// cleanup deletes what the case seeded and waits until the webhook's inventory is empty
// again, so the next case starts from nothing.
func (r *caseRun) cleanup(t *testing.T) {
	h := r.h
	ctx := context.Background()
	for _, p := range r.seeded {
		res := h.client(t, seeder, nil).Resource(p.resource)
		var ri dynamic.ResourceInterface = res
		if p.namespaced {
			ri = res.Namespace(p.obj.GetNamespace())
		}
		if err := ri.Delete(ctx, p.obj.GetName(), metav1.DeleteOptions{}); err != nil && !apierrors.IsNotFound(err) {
			t.Errorf("clean up %s: %v", p, err)
		}
	}
	if err := h.waitInventory(0); err != nil {
		t.Fatalf("clean up: %v", err)
	}
}

// TestCorpusWebhook sends every case through a real kube-apiserver to the webhook binary
// with the bundled library and the case file's data, and asserts the cluster's verdict
// is the CLI's and the expected one. Subtests are <file>/<case>, as in TestCorpusCLI.
func TestCorpusWebhook(t *testing.T) {
	// TestCorpusCLI runs the corpus offline, in the unit tier too.
	testenv.Integration(t, testenv.ControlPlane)
	start := time.Now()
	top := t
	c := loadCorpus(t)
	var h *harness
	var startErr error
	counts := newTally()
	// The data set of each case's file, for the webhook it needs.
	data := map[string][]map[string]any{}
	for _, f := range c.files {
		data[filepath.Base(f.Path)] = f.Data
	}
	c.eachCase(t, counts, func(t *testing.T, base string, fc fixture.Case, cli fixture.Result) {
		// Started on the first case that runs, so -run on one file of the corpus pays
		// for nothing else.
		if h == nil && startErr == nil {
			h, startErr = startHarness(top.Cleanup)
		}
		if startErr != nil {
			t.Fatalf("start the control plane: %v", startErr)
		}
		h.use(t, data[base])
		checkCase(t, h, base, fc, cli)
	})
	if h == nil {
		return
	}
	t.Log(counts.summary("webhook"))
	t.Logf("webhook path: %s in all, %d webhook start(s)", time.Since(start).Round(time.Millisecond), h.dataSet)
}

// checkCase runs one case through the cluster and reports every way the cluster's
// verdict differs from the CLI's and from the expectation.
func checkCase(t *testing.T, h *harness, file string, c fixture.Case, cli fixture.Result) {
	t.Helper()
	if cli.Got == nil {
		t.Errorf("%s: %q: the CLI could not decide it (%v), so there is nothing to compare", file, c.Name, cli.Err)
		return
	}
	r := &caseRun{h: h, c: c, cli: cli}
	v, err := r.run(t)
	var ce corpusError
	switch {
	case errors.As(err, &ce):
		t.Errorf("%s: %q is a corpus bug: %v", file, c.Name, ce)
		return
	case err != nil:
		t.Errorf("%s: %q: %v\nwebhook log tail:\n%s", file, c.Name, err, h.webhook.Logs())
		return
	}
	var problems []string
	differ := func(what string, cluster, other any) {
		problems = append(problems, fmt.Sprintf("%s: cluster %v, %s", what, cluster, other))
	}
	got := cli.Got
	if v.Allowed != got.Allowed {
		differ("allowed", v.Allowed, fmt.Sprintf("CLI %v", got.Allowed))
	}
	if !sameSet(v.Violations, got.Violations) {
		differ("violations", list(v.Violations), "CLI "+list(got.Violations))
	}
	if !sameSet(v.Warnings, got.Warnings) {
		differ("warnings", list(v.Warnings), "CLI "+list(got.Warnings))
	}
	e := c.Expect
	if e.Allowed != nil && v.Allowed != *e.Allowed {
		differ("allowed", v.Allowed, fmt.Sprintf("expected %v", *e.Allowed))
	}
	if e.Violations != nil && !sameSet(v.Violations, e.Violations) {
		differ("violations", list(v.Violations), "expected "+list(e.Violations))
	}
	if e.Warnings != nil && !sameSet(v.Warnings, e.Warnings) {
		differ("warnings", list(v.Warnings), "expected "+list(e.Warnings))
	}
	problems = append(problems, patchProblems(e.Patches, v.stored)...)
	if len(problems) == 0 {
		return
	}
	detail := ""
	if !v.reached {
		detail += "\n  the validating webhook was never called for this request: is its kind in kubetest.ExposureRules (the chart's rules)?"
	}
	if v.message != "" {
		detail += "\n  the API server said: " + v.message
	}
	t.Errorf("%s: %q (%s as %s):\n  %s%s", file, c.Name, c.Operation, identity(cli), strings.Join(problems, "\n  "), detail)
	return
}

// patchProblems checks the expected patch operations against the object the API server
// would store: an added or replaced value is there, a removed path is not. Patches that
// are expected not to happen cannot be told from the API server's own defaulting, so an
// empty list asserts nothing here (the CLI path checks it).
func patchProblems(want []fixture.Patch, stored map[string]any) []string {
	if len(want) == 0 {
		return nil
	}
	if stored == nil {
		return []string{fmt.Sprintf("patches: %d expected, but the cluster did not admit the object", len(want))}
	}
	var out []string
	for _, p := range want {
		got, found := kubetest.Lookup(stored, p.Path)
		if parent, ok := strings.CutSuffix(p.Path, "/-"); ok && p.Op == "add" {
			// An append: the value is somewhere in the list.
			list, _ := kubetest.Lookup(stored, parent)
			items, _ := list.([]any)
			found = slices.ContainsFunc(items, func(item any) bool { return jsonEqual(item, p.Value) })
			if !found {
				out = append(out, fmt.Sprintf("patch add %s: the cluster stores %v, without %v", p.Path, list, p.Value))
			}
			continue
		}
		switch p.Op {
		case "add", "replace":
			if !found || !jsonEqual(got, p.Value) {
				out = append(out, fmt.Sprintf("patch %s %s: the cluster stores %v (found %v), expected %v", p.Op, p.Path, got, found, p.Value))
			}
		case "remove":
			if found {
				out = append(out, fmt.Sprintf("patch remove %s: the cluster still stores %v", p.Path, got))
			}
		}
	}
	return out
}

func identity(r fixture.Result) string {
	if r.User == "" && len(r.Groups) == 0 {
		return "no identity"
	}
	return fmt.Sprintf("user %q groups %v", r.User, r.Groups)
}

// jsonEqual compares two decoded JSON documents, ignoring number representation.
func jsonEqual(a, b any) bool {
	ja, errA := json.Marshal(a)
	jb, errB := json.Marshal(b)
	if errA != nil || errB != nil {
		return false
	}
	var na, nb any
	if json.NewDecoder(bytes.NewReader(ja)).Decode(&na) != nil || json.NewDecoder(bytes.NewReader(jb)).Decode(&nb) != nil {
		return false
	}
	return reflect.DeepEqual(na, nb)
}
