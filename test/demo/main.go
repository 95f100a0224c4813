// Command demo is `make demo`: it starts a throwaway kube-apiserver and etcd, runs the
// apiguard webhook with the bundled policies, applies every manifest under examples/ one
// file at a time (removing each file's objects before the next), prints each verdict, the webhook's patches and the API server's own defaults apart,
// shows that the offline CLI agrees, draws what the webhook decided from its /metrics
// into docs/img/demo-decisions.png, and cleans everything up.
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"

	"gomodules.xyz/jsonpatch/v2"
	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/discovery/cached/memory"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/restmapper"

	"github.com/apiguard/apiguard/internal/kubetest"
	"github.com/apiguard/apiguard/pkg/inventory"
	"github.com/apiguard/apiguard/pkg/manifest"
)

const demoNamespace = "demo"

// defaultsNamespace is not guarded: a dry-run create there shows what the API server
// itself fills in (HTTPRoute parentRefs[].group, a Service's clusterIP family), so the
// demo can tell those defaults apart from the patches apiguard made.
const defaultsNamespace = "demo-server-defaults"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "demo failed:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context) error {
	root, err := kubetest.RepoRoot()
	if err != nil {
		return err
	}
	step("Building the webhook and CLI")
	webhookBin, cliBin, cleanup, err := kubetest.BuildTools(ctx)
	if err != nil {
		return err
	}
	defer cleanup()

	step("Starting etcd, kube-apiserver and the apiguard webhook (bundled policies, failurePolicy Fail)")
	start := time.Now()
	stack, err := kubetest.StartStack(ctx, kubetest.StackOptions{
		WebhookBinary: webhookBin,
		PolicyDir:     filepath.Join(root, "policies"),
		GuardLabel:    "apiguard-demo",
		GuardValue:    "on",
		FailurePolicy: admissionregistrationv1.Fail,
		// As the chart does by default: a ConfigMap carrying an insecure Tyk OAS document
		// is judged, as apiguard check judges it.
		TykOASConfigMaps: true,
		WebhookArgs:      []string{"--data-file", filepath.Join(root, "test", "examples-config.yaml")},
	})
	if err != nil {
		return err
	}
	defer func() {
		step("Cleaning up")
		if err := stack.Stop(); err != nil {
			fmt.Fprintln(os.Stderr, "cleanup:", err)
		}
	}()
	fmt.Printf("   control plane and webhook ready in %s; webhook at %s\n", time.Since(start).Round(100*time.Millisecond), stack.Webhook.URL)

	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: demoNamespace, Labels: map[string]string{"apiguard-demo": "on"}}}
	if _, err := stack.Client.CoreV1().Namespaces().Create(ctx, ns, metav1.CreateOptions{}); err != nil {
		return err
	}
	unguarded := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: defaultsNamespace}}
	if _, err := stack.Client.CoreV1().Namespaces().Create(ctx, unguarded, metav1.CreateOptions{}); err != nil {
		return err
	}
	cfg := stack.Cluster.RESTConfig()
	warnings := &warningCollector{}
	cfg.WarningHandler = warnings
	dyn, err := dynamic.NewForConfig(cfg)
	if err != nil {
		return err
	}
	mapper := restmapper.NewDeferredDiscoveryRESTMapper(memory.NewMemCacheClient(stack.Client.Discovery()))
	if err := waitForWebhook(ctx, dyn); err != nil {
		return err
	}

	files, err := filepath.Glob(filepath.Join(root, "examples", "*.yaml"))
	if err != nil {
		return err
	}
	slices.Sort(files)
	step("Applying examples/ through the API server")
	namespaces := map[string]bool{demoNamespace: true}
	admitted, denied := 0, 0
	clusterDenied := map[string]bool{} // by objectKey
	var seen clientTally               // for the chart
	inv := inventoryWatch{webhook: stack.Webhook}
	var judged []string // the example files applied, for the offline comparison
	for _, file := range files {
		// The GitOps example needs a GitOps identity configuration; its own e2e test runs it.
		if strings.HasPrefix(filepath.Base(file), "gitops-") {
			continue
		}
		judged = append(judged, file)
		docs, err := manifest.Read([]string{file}, manifest.Options{})
		if err != nil {
			return err
		}
		// Each example file is one change: its objects are judged against each other and
		// what the cluster already holds, then removed, so the next file meets a clean
		// cluster, as the file meets apiguard check on its own.
		var created []*unstructured.Unstructured
		for _, d := range docs {
			rel, _ := filepath.Rel(root, file)
			fmt.Printf("\n%s  (%s %s/%s)\n", rel, d.Kind(), d.Namespace(), d.Name())
			if err := ensureNamespace(ctx, stack.Client, d.Namespace(), namespaces); err != nil {
				return err
			}
			warnings.reset()
			before, err := inv.objects()
			if err != nil {
				return err
			}
			out, err := create(ctx, dyn, mapper, d.Object)
			received := warnings.take()
			if err == nil {
				created = append(created, &unstructured.Unstructured{Object: out})
				// The next object of the file is judged against this one's claims.
				if inventory.Contributes(d.Object) {
					if err := inv.waitFor(ctx, func(n float64) bool { return n > before }); err != nil {
						return err
					}
				}
			}
			seen.count(received, err)
			for _, w := range received {
				fmt.Printf("   warning: %s\n", w)
			}
			clusterDenied[objectKey(rel, d.Kind(), d.Namespace(), d.Name())] = err != nil
			if err != nil {
				denied++
				fmt.Printf("   DENIED\n")
				for _, line := range strings.Split(err.Error(), "\n") {
					fmt.Printf("     %s\n", line)
				}
				continue
			}
			admitted++
			fmt.Printf("   ADMITTED\n")
			patched, defaulted, err := changes(ctx, dyn, mapper, d.Raw, d.Object, out)
			if err != nil {
				return err
			}
			for _, m := range patched {
				fmt.Printf("     apiguard patched: %s\n", m)
			}
			for _, m := range defaulted {
				fmt.Printf("     server default:   %s\n", m)
			}
		}
		if err := removeAll(ctx, dyn, mapper, inv, created); err != nil {
			return err
		}
	}
	fmt.Printf("\n   %d admitted, %d denied by the cluster\n", admitted, denied)

	step("The same manifests, offline: apiguard check, one file at a time")
	checkArgs := []string{"check", "--policy", filepath.Join(root, "policies"), "--data", "test/examples-config.yaml"}
	if err := compareOffline(ctx, cliBin, root, checkArgs, judged, clusterDenied); err != nil {
		return err
	}

	step("What the webhook decided, from its /metrics: a bar chart")
	png, err := renderDecisions(ctx, stack.Webhook.MetricURL, root, seen)
	if err != nil {
		return err
	}
	rel, _ := filepath.Rel(root, png)
	fmt.Printf("   wrote %s\n", rel)
	return nil
}

// objectKey names one object of one example file, for comparing verdicts.
func objectKey(file, kind, namespace, name string) string {
	return file + " " + kind + " " + namespace + "/" + name
}

// compareOffline runs apiguard check -o json on each example file, as CI would on a
// change, and lists every object whose offline verdict differs from the cluster's. The
// differences are by design: within one file the cluster applies the objects in order, so
// the first to claim a host keeps it, while offline both claimants are denied; and offline
// no ReferenceGrant of the cluster can be seen, so a cross-namespace backend is warned
// instead of denied (docs/cli.md).
func compareOffline(ctx context.Context, cliBin, root string, checkArgs, files []string, clusterDenied map[string]bool) error {
	type result struct {
		File, Kind, Namespace, Name string
		Allowed                     bool
	}
	var differ []string
	judged := 0
	for _, file := range files {
		rel, _ := filepath.Rel(root, file)
		cmd := exec.CommandContext(ctx, cliBin, append(append(checkArgs[:1:1], "-o", "json"), append(checkArgs[1:], rel)...)...)
		cmd.Dir = root
		out, err := cmd.Output()
		if ee, ok := err.(*exec.ExitError); err != nil && (!ok || ee.ExitCode() != 1) {
			return fmt.Errorf("apiguard check -o json %s: %w", rel, err)
		}
		var results []result
		if err := json.Unmarshal(out, &results); err != nil {
			return fmt.Errorf("apiguard check -o json %s: %w", rel, err)
		}
		for _, r := range results {
			key := objectKey(r.File, r.Kind, r.Namespace, r.Name)
			denied, applied := clusterDenied[key]
			if !applied {
				continue
			}
			judged++
			if denied == r.Allowed {
				verdict := map[bool]string{true: "denied", false: "admitted"}
				differ = append(differ, fmt.Sprintf("%s: %s by the cluster, %s offline", key, verdict[denied], verdict[!r.Allowed]))
			}
		}
	}
	fmt.Printf("\n   %d objects judged alike by the cluster and offline", judged-len(differ))
	if len(differ) == 0 {
		fmt.Println()
		return nil
	}
	fmt.Printf("; %d differ, by design (the cluster applies a file's objects in order, so the first to claim a host keeps it; offline, both claimants are denied, and no ReferenceGrant of a cluster can be seen):\n", len(differ))
	for _, d := range differ {
		fmt.Printf("     %s\n", d)
	}
	return nil
}

// inventoryWatch reads how many objects the webhook's inventory holds, so the demo can
// wait until a create or delete has reached it before judging the next object.
type inventoryWatch struct{ webhook *kubetest.Webhook }

func (w inventoryWatch) objects() (float64, error) {
	return w.webhook.Metric("apiguard_inventory_objects")
}

// waitFor waits until the inventory's object count satisfies ok.
func (w inventoryWatch) waitFor(ctx context.Context, ok func(float64) bool) error {
	deadline := time.Now().Add(10 * time.Second)
	for {
		n, err := w.objects()
		if err == nil && ok(n) {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("the webhook's inventory did not follow within 10s (objects %v, %v)", n, err)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// removeAll deletes one file's objects and waits until the inventory has forgotten them.
func removeAll(ctx context.Context, dyn dynamic.Interface, mapper *restmapper.DeferredDiscoveryRESTMapper, inv inventoryWatch, objs []*unstructured.Unstructured) error {
	if len(objs) == 0 {
		return nil
	}
	before, err := inv.objects()
	if err != nil {
		return err
	}
	forget := 0.0
	for _, u := range objs {
		gvk := u.GroupVersionKind()
		mapping, err := mapper.RESTMapping(gvk.GroupKind(), gvk.Version)
		if err != nil {
			return err
		}
		if err := dyn.Resource(mapping.Resource).Namespace(u.GetNamespace()).Delete(ctx, u.GetName(), metav1.DeleteOptions{}); err != nil {
			return fmt.Errorf("delete %s %s/%s: %w", gvk.Kind, u.GetNamespace(), u.GetName(), err)
		}
		if inventory.Contributes(u.Object) {
			forget++
		}
	}
	if forget == 0 {
		return nil
	}
	return inv.waitFor(ctx, func(n float64) bool { return n <= before-forget })
}

// warningCollector keeps the admission warnings the API server returns, so the demo
// prints them with the object they belong to.
type warningCollector struct {
	mu   sync.Mutex
	msgs []string
}

func (w *warningCollector) HandleWarningHeader(_ int, _ string, text string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.msgs = append(w.msgs, text)
}

func (w *warningCollector) reset() { w.take() }

func (w *warningCollector) take() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	out := w.msgs
	w.msgs = nil
	return out
}

// ensureNamespace creates an example's namespace, guarded like the demo's own, once.
func ensureNamespace(ctx context.Context, cs kubernetes.Interface, name string, done map[string]bool) error {
	if name == "" || done[name] {
		return nil
	}
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{"apiguard-demo": "on"}}}
	if _, err := cs.CoreV1().Namespaces().Create(ctx, ns, metav1.CreateOptions{}); err != nil {
		return fmt.Errorf("create namespace %s: %w", name, err)
	}
	done[name] = true
	return nil
}

func step(msg string) { fmt.Printf("\n==> %s\n", msg) }

func create(ctx context.Context, dyn dynamic.Interface, mapper *restmapper.DeferredDiscoveryRESTMapper, obj map[string]any) (map[string]any, error) {
	u := &unstructured.Unstructured{Object: obj}
	gvk := u.GroupVersionKind()
	mapping, err := mapper.RESTMapping(gvk.GroupKind(), gvk.Version)
	if err != nil {
		return nil, fmt.Errorf("no API for %s: %w", gvk, err)
	}
	created, err := dyn.Resource(mapping.Resource).Namespace(u.GetNamespace()).Create(ctx, u.DeepCopy(), metav1.CreateOptions{})
	if err != nil {
		return nil, err
	}
	return created.Object, nil
}

// waitForWebhook waits until the API server consults the webhook (it loads new webhook
// configurations asynchronously): a dry-run Ingress without TLS must be denied.
func waitForWebhook(ctx context.Context, dyn dynamic.Interface) error {
	probe := map[string]any{
		"apiVersion": "networking.k8s.io/v1", "kind": "Ingress",
		"metadata": map[string]any{"name": "probe", "namespace": demoNamespace},
		"spec":     map[string]any{"rules": []any{map[string]any{"host": "probe.example.com"}}},
	}
	gvr := schema.GroupVersionResource{Group: "networking.k8s.io", Version: "v1", Resource: "ingresses"}
	deadline := time.Now().Add(30 * time.Second)
	for {
		_, err := dyn.Resource(gvr).Namespace(demoNamespace).Create(ctx, &unstructured.Unstructured{Object: probe}, metav1.CreateOptions{DryRun: []string{metav1.DryRunAll}})
		if err != nil && strings.Contains(err.Error(), "ingress.require_tls") {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("webhook not consulted after 30s (last result: %v)", err)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// changes splits what the API server's answer (got) adds to what was sent into the
// patches apiguard's mutating webhook made and the defaults the API server applied
// itself. The object is created again as a dry run in an unguarded namespace: that answer
// holds the server's defaults only, so sent→defaults is the server's part and
// defaults→got is the webhook's. A cluster-scoped object has no unguarded namespace to
// go to, so all its changes are listed as the webhook's, which they are for the kinds
// apiguard guards.
func changes(ctx context.Context, dyn dynamic.Interface, mapper *restmapper.DeferredDiscoveryRESTMapper, sent []byte, obj, got map[string]any) (patched, defaulted []string, err error) {
	u := &unstructured.Unstructured{Object: obj}
	if u.GetNamespace() == "" {
		return diff(sent, got), nil, nil
	}
	probe := u.DeepCopy()
	probe.SetNamespace(defaultsNamespace)
	gvk := probe.GroupVersionKind()
	mapping, err := mapper.RESTMapping(gvk.GroupKind(), gvk.Version)
	if err != nil {
		return nil, nil, fmt.Errorf("no API for %s: %w", gvk, err)
	}
	defaults, err := dyn.Resource(mapping.Resource).Namespace(defaultsNamespace).Create(ctx, probe, metav1.CreateOptions{DryRun: []string{metav1.DryRunAll}})
	if err != nil {
		return nil, nil, fmt.Errorf("dry-run %s %s in %s: %w", gvk.Kind, u.GetName(), defaultsNamespace, err)
	}
	defaults.SetNamespace(u.GetNamespace())
	withDefaults, err := json.Marshal(defaults.Object)
	if err != nil {
		return nil, nil, err
	}
	return diff(withDefaults, got), diff(sent, defaults.Object), nil
}

// diff lists the JSON patch operations from before to after, leaving out the fields the
// server manages (uid, resourceVersion, managedFields, status…).
func diff(before []byte, after map[string]any) []string {
	received, err := json.Marshal(after)
	if err != nil {
		return nil
	}
	ops, err := jsonpatch.CreatePatch(before, received)
	if err != nil {
		return nil
	}
	var out []string
	for _, op := range ops {
		if serverManaged(op.Path) {
			continue
		}
		v, _ := json.Marshal(op.Value)
		out = append(out, fmt.Sprintf("%s %s %s", op.Operation, op.Path, v))
	}
	slices.Sort(out)
	return out
}

func serverManaged(path string) bool {
	for _, p := range []string{"/metadata/uid", "/metadata/resourceVersion", "/metadata/creationTimestamp", "/metadata/managedFields", "/metadata/generation", "/status"} {
		if path == p || strings.HasPrefix(path, p+"/") {
			return true
		}
	}
	return false
}
