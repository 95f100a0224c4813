// Package e2e drives apiguard through a real kube-apiserver and etcd: the webhook runs as
// its own process, registered by URL and caBundle, and every verdict is observed through
// a Kubernetes client, the way a user meets it.
package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/discovery/cached/memory"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/restmapper"

	"github.com/apiguard/apiguard/internal/kubetest"
	"github.com/apiguard/apiguard/internal/testenv"
	"github.com/apiguard/apiguard/pkg/inventory"
)

// env is the shared control plane and the webhook under test, started once in TestMain.
type env struct {
	root       string
	webhookBin string
	cliBin     string
	stack      *kubetest.Stack
	webhook    *kubetest.Webhook
	cfg        *rest.Config
	cs         kubernetes.Interface
	dyn        dynamic.Interface
	mapper     *restmapper.DeferredDiscoveryRESTMapper
}

// mainLabel selects the namespaces the bundled-policy webhook guards; other tests
// register their own webhooks for other labels, so they never interfere.
const mainLabel = "apiguard-e2e"

var testEnv *env

func TestMain(m *testing.M) {
	if testenv.IntegrationMain(testenv.ControlPlane) {
		os.Exit(0)
	}
	os.Exit(runMain(m))
}

func runMain(m *testing.M) int {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	e, cleanup, err := setup(ctx)
	defer cleanup()
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e setup:", err)
		return 1
	}
	testEnv = e
	code := m.Run()
	if code != 0 {
		fmt.Fprintf(os.Stderr, "--- webhook log tail ---\n%s\n", e.webhook.Logs())
	}
	return code
}

func setup(ctx context.Context) (*env, func(), error) {
	var cleanups []func()
	cleanup := func() {
		for i := len(cleanups) - 1; i >= 0; i-- {
			cleanups[i]()
		}
	}
	root, err := kubetest.RepoRoot()
	if err != nil {
		return nil, cleanup, err
	}
	e := &env{root: root}
	// The suite never skips for missing binaries: it builds them (idempotent).
	if err := kubetest.EnsureBinaries(ctx); err != nil {
		return nil, cleanup, err
	}
	var removeBins func()
	if e.webhookBin, e.cliBin, removeBins, err = kubetest.BuildTools(ctx); err != nil {
		return nil, cleanup, err
	}
	cleanups = append(cleanups, removeBins)
	e.stack, err = kubetest.StartStack(ctx, kubetest.StackOptions{
		WebhookBinary: e.webhookBin,
		PolicyDir:     filepath.Join(root, "policies"),
		GuardLabel:    mainLabel,
		GuardValue:    "main",
		FailurePolicy: admissionregistrationv1.Fail,
		// The examples' configuration, so the cluster and the CLI (--data) judge alike.
		WebhookArgs: []string{"--data-file", filepath.Join(root, "test", "examples-config.yaml")},
	})
	if err != nil {
		return nil, cleanup, err
	}
	cleanups = append(cleanups, func() { _ = e.stack.Stop() })
	e.webhook, e.cs = e.stack.Webhook, e.stack.Client
	e.cfg = e.stack.Cluster.RESTConfig()
	if e.dyn, err = dynamic.NewForConfig(e.cfg); err != nil {
		return nil, cleanup, err
	}
	e.mapper = restmapper.NewDeferredDiscoveryRESTMapper(memory.NewMemCacheClient(e.cs.Discovery()))
	return e, cleanup, nil
}

// namespace creates a namespace with the given guard label value and returns its name.
func namespace(t *testing.T, guard string) string {
	t.Helper()
	name := strings.ToLower(strings.NewReplacer("/", "-", "_", "-", " ", "-").Replace(t.Name()))
	if len(name) > 50 {
		name = name[:50]
	}
	name = strings.Trim(name, "-") + fmt.Sprintf("-%d", time.Now().UnixNano()%100000)
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{mainLabel: guard}}}
	if _, err := testEnv.cs.CoreV1().Namespaces().Create(context.Background(), ns, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	return name
}

// eventually retries f until it succeeds: the API server picks up new webhook
// configurations asynchronously.
func eventually(t *testing.T, timeout time.Duration, f func() error) {
	t.Helper()
	if err := kubetest.Poll(timeout, f); err != nil {
		t.Fatal(err)
	}
}

func ingress(ns, name string, hosts []string, tlsHosts []string) *networkingv1.Ingress {
	class := "nginx"
	prefix := networkingv1.PathTypePrefix
	ing := &networkingv1.Ingress{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns, Labels: map[string]string{"app.kubernetes.io/owner": "team-e2e"}},
		Spec:       networkingv1.IngressSpec{IngressClassName: &class},
	}
	for _, h := range hosts {
		ing.Spec.Rules = append(ing.Spec.Rules, networkingv1.IngressRule{
			Host: h,
			IngressRuleValue: networkingv1.IngressRuleValue{HTTP: &networkingv1.HTTPIngressRuleValue{Paths: []networkingv1.HTTPIngressPath{{
				Path: "/", PathType: &prefix,
				Backend: networkingv1.IngressBackend{Service: &networkingv1.IngressServiceBackend{Name: "web", Port: networkingv1.ServiceBackendPort{Number: 80}}},
			}}}},
		})
	}
	if len(tlsHosts) > 0 {
		ing.Spec.TLS = []networkingv1.IngressTLS{{Hosts: tlsHosts, SecretName: "web-tls"}}
	}
	return ing
}

// waitGuarded waits until the main webhook judges requests in ns (the API server loads
// webhook configurations asynchronously after they are created).
func waitGuarded(t *testing.T, ns string) {
	t.Helper()
	eventually(t, 30*time.Second, func() error {
		_, err := testEnv.cs.NetworkingV1().Ingresses(ns).Create(context.Background(), ingress(ns, "probe", []string{"probe.example.com"}, nil),
			metav1.CreateOptions{DryRun: []string{metav1.DryRunAll}})
		if err == nil || !strings.Contains(err.Error(), "ingress.require_tls") {
			return fmt.Errorf("webhook not active yet: %v", err)
		}
		return nil
	})
}

func TestAdmissionThroughAPIServer(t *testing.T) {
	ctx := context.Background()
	ns := namespace(t, "main")
	waitGuarded(t, ns)
	ingresses := testEnv.cs.NetworkingV1().Ingresses(ns)

	t.Run("insecure Ingress is denied naming the policy", func(t *testing.T) {
		_, err := ingresses.Create(ctx, ingress(ns, "no-tls", []string{"shop.example.com"}, nil), metav1.CreateOptions{})
		if err == nil {
			t.Fatal("created an Ingress without TLS")
		}
		for _, want := range []string{"denied the request", "[ingress.require_tls]", "shop.example.com", "(policy revision "} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("error %q does not contain %q", err, want)
			}
		}
	})
	t.Run("wildcard host is denied", func(t *testing.T) {
		_, err := ingresses.Create(ctx, ingress(ns, "wild", []string{"*.example.com"}, []string{"*.example.com"}), metav1.CreateOptions{})
		if err == nil || !strings.Contains(err.Error(), "[ingress.no_wildcard_host]") {
			t.Fatalf("err = %v", err)
		}
	})

	var created *networkingv1.Ingress
	t.Run("good Ingress is admitted with the secure default", func(t *testing.T) {
		var err error
		created, err = ingresses.Create(ctx, ingress(ns, "shop", []string{"shop.example.com"}, []string{"shop.example.com"}), metav1.CreateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if got := created.Annotations["nginx.ingress.kubernetes.io/force-ssl-redirect"]; got != "true" {
			t.Fatalf("force-ssl-redirect = %q, annotations %v", got, created.Annotations)
		}
		stored, err := ingresses.Get(ctx, "shop", metav1.GetOptions{})
		if err != nil || stored.Annotations["nginx.ingress.kubernetes.io/force-ssl-redirect"] != "true" {
			t.Fatalf("stored object lacks the default: %v %v", err, stored.Annotations)
		}
	})
	t.Run("a user's own value is kept", func(t *testing.T) {
		ing := ingress(ns, "keep", []string{"keep.example.com"}, []string{"keep.example.com"})
		ing.Annotations = map[string]string{"nginx.ingress.kubernetes.io/force-ssl-redirect": "false"}
		got, err := ingresses.Create(ctx, ing, metav1.CreateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if got.Annotations["nginx.ingress.kubernetes.io/force-ssl-redirect"] != "false" {
			t.Errorf("user value overwritten: %v", got.Annotations)
		}
	})
	t.Run("UPDATE that removes TLS is denied", func(t *testing.T) {
		if created == nil {
			t.Skip("depends on the good Ingress")
		}
		upd := created.DeepCopy()
		upd.Spec.TLS = nil
		_, err := ingresses.Update(ctx, upd, metav1.UpdateOptions{})
		if err == nil || !strings.Contains(err.Error(), "[ingress.require_tls]") {
			t.Fatalf("err = %v", err)
		}
		stored, _ := ingresses.Get(ctx, "shop", metav1.GetOptions{})
		if len(stored.Spec.TLS) == 0 {
			t.Error("TLS was removed despite the denial")
		}
	})
	t.Run("server-side dry-run gives the same verdict", func(t *testing.T) {
		dry := metav1.CreateOptions{DryRun: []string{metav1.DryRunAll}}
		_, err := ingresses.Create(ctx, ingress(ns, "dry-bad", []string{"dry.example.com"}, nil), dry)
		if err == nil || !strings.Contains(err.Error(), "[ingress.require_tls]") {
			t.Errorf("dry-run of a bad Ingress: err = %v", err)
		}
		got, err := ingresses.Create(ctx, ingress(ns, "dry-good", []string{"dry.example.com"}, []string{"dry.example.com"}), dry)
		if err != nil || got.Annotations["nginx.ingress.kubernetes.io/force-ssl-redirect"] != "true" {
			t.Errorf("dry-run of a good Ingress: err = %v annotations %v", err, got.Annotations)
		}
		if _, err := ingresses.Get(ctx, "dry-good", metav1.GetOptions{}); err == nil {
			t.Error("dry-run persisted the object")
		}
	})
	t.Run("DELETE is allowed", func(t *testing.T) {
		if err := ingresses.Delete(ctx, "shop", metav1.DeleteOptions{}); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("Tyk ApiDefinition reaches the webhook and is judged", func(t *testing.T) {
		for name, tc := range map[string]struct {
			spec      map[string]any
			transport map[string]any
			wantError string
		}{
			"keyless": {spec: map[string]any{"name": "open", "use_keyless": true}, wantError: "[tyk.no_keyless]"},
			// TLS 1.0 (769) is in the CRD's enum: the API server stores it, apiguard denies it.
			"weak-tls": {spec: map[string]any{"name": "weak", "use_keyless": false, "use_standard_auth": true},
				transport: map[string]any{"ssl_min_version": 769}, wantError: "[tyk.upstream_tls]"},
			"with-key": {spec: map[string]any{"name": "keyed", "use_keyless": false, "use_standard_auth": true, "auth_configs": map[string]any{"authToken": map[string]any{"auth_header_name": "Authorization"}}}},
		} {
			// name, protocol and proxy.target_url are required by Tyk Operator's CRD.
			tc.spec["protocol"] = "http"
			tc.spec["domain"] = "api.example.com"
			proxy := map[string]any{"target_url": "http://" + name + "." + ns + ".svc:8080", "listen_path": "/" + name}
			if tc.transport != nil {
				proxy["transport"] = tc.transport
			}
			tc.spec["proxy"] = proxy
			obj := map[string]any{
				"apiVersion": "tyk.tyk.io/v1alpha1", "kind": "ApiDefinition",
				"metadata": map[string]any{"name": name, "namespace": ns}, "spec": tc.spec,
			}
			out, err := createStrict(ctx, obj)
			if tc.wantError == "" && err != nil {
				t.Errorf("%s: %v", name, err)
			}
			if tc.wantError == "" && err == nil {
				// The secure default reached the stored custom resource.
				if spec, _ := out["spec"].(map[string]any); spec["strip_auth_data"] != true {
					t.Errorf("%s: tyk.default_hardening did not apply: %v", name, spec)
				}
			}
			if tc.wantError != "" && (err == nil || !strings.Contains(err.Error(), tc.wantError)) {
				t.Errorf("%s: err = %v, want %s", name, err, tc.wantError)
			}
		}
	})
	t.Run("metrics count decisions", func(t *testing.T) {
		v, err := testEnv.webhook.Metric(`apiguard_admission_requests_total{decision="denied",kind="Ingress",operation="CREATE",webhook="validate"}`)
		if err != nil || v < 2 {
			t.Errorf("denied Ingress CREATEs = %v, err %v", v, err)
		}
		if _, err := testEnv.webhook.Metric(`apiguard_policy_info{revision="`); err != nil {
			t.Error(err)
		}
	})
}

// applyObject creates an unstructured object through the dynamic client.
func applyObject(ctx context.Context, obj map[string]any, dryRun bool) error {
	_, err := createObject(ctx, obj, dryRun)
	return err
}

func createObject(ctx context.Context, obj map[string]any, dryRun bool) (map[string]any, error) {
	opts := metav1.CreateOptions{}
	if dryRun {
		opts.DryRun = []string{metav1.DryRunAll}
	}
	return createWith(ctx, obj, opts)
}

// createStrict creates obj with fieldValidation=Strict, as kubectl apply does by
// default: an unknown or duplicate field (one a CRD's structural schema would prune,
// such as a field Tyk Operator's CRDs lack) fails the create instead of vanishing.
func createStrict(ctx context.Context, obj map[string]any) (map[string]any, error) {
	return createWith(ctx, obj, metav1.CreateOptions{FieldValidation: metav1.FieldValidationStrict})
}

func createWith(ctx context.Context, obj map[string]any, opts metav1.CreateOptions) (map[string]any, error) {
	u := unstructuredFrom(obj)
	mapping, err := testEnv.mapper.RESTMapping(u.GroupVersionKind().GroupKind(), u.GroupVersionKind().Version)
	if err != nil {
		testEnv.mapper.Reset()
		if mapping, err = testEnv.mapper.RESTMapping(u.GroupVersionKind().GroupKind(), u.GroupVersionKind().Version); err != nil {
			return nil, err
		}
	}
	out, err := testEnv.dyn.Resource(mapping.Resource).Namespace(u.GetNamespace()).Create(ctx, u, opts)
	if err != nil {
		return nil, err
	}
	return out.Object, nil
}

// divergence is a documented, by-design difference between the offline verdict and the
// cluster's for one document; the test asserts exactly this difference.
type divergence struct {
	cliAllowed, clusterAllowed bool
	// policy is named in the CLI's warning (when it allows) or denial (when it denies),
	// or in the cluster's denial.
	policy string
	reason string
}

// knownDivergences, by example file and document index.
var knownDivergences = map[string]map[int]divergence{
	"httproute-cross-namespace-backend-fail.yaml": {0: {cliAllowed: true, clusterAllowed: false, policy: "httproute.cross_namespace_backend",
		reason: "offline the cluster's ReferenceGrants are unknown, so the CLI warns where the cluster denies"}},
	"ingress-unique-host-fail.yaml": {0: {cliAllowed: false, clusterAllowed: true, policy: "ingress.unique_host",
		reason: "offline both Ingresses claim the host against each other; the cluster admits the first claimant and denies the second"}},
	"httproute-unique-hostname-fail.yaml": {0: {cliAllowed: false, clusterAllowed: true, policy: "ingress.unique_host",
		reason: "offline the Ingress and the HTTPRoute claim the host against each other; the cluster admits the Ingress, applied first, and denies the route"}},
	"istio-unique-host-fail.yaml": {0: {cliAllowed: false, clusterAllowed: true, policy: "ingress.unique_host",
		reason: "offline the Ingress and the VirtualService claim the host against each other; the cluster admits the Ingress, applied first, and denies the VirtualService"}},
	"contour-unique-fqdn-fail.yaml": {0: {cliAllowed: false, clusterAllowed: true, policy: "contour.unique_fqdn",
		reason: "offline both root HTTPProxies claim the fqdn against each other; the cluster admits the first and denies the second"}},
	"traefik-unique-host-fail.yaml": {0: {cliAllowed: false, clusterAllowed: true, policy: "ingress.unique_host",
		reason: "offline the Ingress and the IngressRoute claim the host against each other; the cluster admits the Ingress, applied first, and denies the IngressRoute"}},
	"apisix-unique-host-fail.yaml": {0: {cliAllowed: false, clusterAllowed: true, policy: "ingress.unique_host",
		reason: "offline the Ingress and the ApisixRoute claim the host against each other; the cluster admits the Ingress, applied first, and denies the ApisixRoute"}},
	"emissary-unique-host-fail.yaml": {0: {cliAllowed: false, clusterAllowed: true, policy: "ingress.unique_host",
		reason: "offline the Ingress and the Mapping claim the host against each other; the cluster admits the Ingress, applied first, and denies the Mapping"}},
	"tyk-oas-keyless-fail.yaml": {0: {cliAllowed: false, clusterAllowed: true, policy: "tyk.oas_keyless",
		reason: "the e2e stack registers no ConfigMaps (kubetest.ExposureRules, so the corpus can seed insecure documents); the chart's tyk-oas-configmaps webhook denies this ConfigMap as the CLI does (TestTykOASThroughAPIServer)"}},
	"tyk-streams-fail.yaml": {0: {cliAllowed: false, clusterAllowed: true, policy: "tyk.streams_exposure",
		reason: "the e2e stack registers no ConfigMaps; the chart's tyk-oas-configmaps webhook judges this ConfigMap as the CLI does"}},
	"tyk-mcp-fail.yaml": {0: {cliAllowed: false, clusterAllowed: true, policy: "tyk.oas_upstream_tls",
		reason: "the e2e stack registers no ConfigMaps; the chart's tyk-oas-configmaps webhook judges this ConfigMap as the CLI does"}},
}

// TestCLIParity checks the offline CLI and the cluster agree on every example manifest:
// the same verdict, and every patch the CLI predicts is on the object the cluster stores.
// Each file is applied for real, in order, into namespaces of its own, so checks across
// objects (an Ingress claiming a host another namespace holds) run against the webhook's
// live inventory; the objects are deleted afterwards. gitops-* examples need a GitOps
// identity configuration and run in their own test.
func TestCLIParity(t *testing.T) {
	ctx := context.Background()
	waitGuarded(t, namespace(t, "main"))
	examples, err := filepath.Glob(filepath.Join(testEnv.root, "examples", "*.yaml"))
	if err != nil || len(examples) == 0 {
		t.Fatalf("no examples: %v", err)
	}
	for n, file := range examples {
		base := filepath.Base(file)
		if strings.HasPrefix(base, "gitops-") {
			continue
		}
		t.Run(base, func(t *testing.T) {
			cmd := exec.CommandContext(ctx, testEnv.cliBin, "check", "-o", "json", "--policy", filepath.Join(testEnv.root, "policies"),
				"--data", filepath.Join(testEnv.root, "test", "examples-config.yaml"), file)
			var stdout, stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			runErr := cmd.Run()
			var results []struct {
				Allowed  bool   `json:"allowed"`
				Kind     string `json:"kind"`
				Name     string `json:"name"`
				Warnings []struct {
					Policy string `json:"policy"`
				} `json:"warnings"`
				Violations []struct {
					Policy string `json:"policy"`
				} `json:"violations"`
				Patches []struct {
					Path  string `json:"path"`
					Value any    `json:"value"`
				} `json:"patches"`
			}
			if err := json.Unmarshal(stdout.Bytes(), &results); err != nil {
				t.Fatalf("CLI output: %v (%v) %s %s", err, runErr, stdout.String(), stderr.String())
			}
			docs := readYAMLObjects(t, file)
			if len(docs) != len(results) {
				t.Fatalf("%d documents, %d results", len(docs), len(results))
			}
			namespaces := map[string]string{}
			var created []map[string]any
			// A closure: created grows below, and every object must be removed.
			defer func() { deleteAll(t, created) }()
			for i, obj := range docs {
				r := results[i]
				meta := obj["metadata"].(map[string]any)
				orig, _ := meta["namespace"].(string)
				if orig == "" {
					orig = "default"
				}
				if namespaces[orig] == "" {
					namespaces[orig] = exampleNamespace(t, orig, n)
				}
				meta["namespace"] = namespaces[orig]
				out, err := createTracked(t, obj)
				clusterAllowed := err == nil
				if clusterAllowed {
					created = append(created, out)
				}
				if d, ok := knownDivergences[base][i]; ok {
					named := false
					for _, w := range r.Warnings {
						named = named || w.Policy == d.policy
					}
					for _, v := range r.Violations {
						named = named || v.Policy == d.policy
					}
					if !clusterAllowed {
						named = named && strings.Contains(err.Error(), "["+d.policy+"]")
					}
					if r.Allowed != d.cliAllowed || clusterAllowed != d.clusterAllowed || !named {
						t.Errorf("%s/%s: expected divergence (%s) did not hold: CLI allowed=%v (%v %v), cluster allowed=%v (%v)",
							r.Kind, r.Name, d.reason, r.Allowed, r.Warnings, r.Violations, clusterAllowed, err)
					}
					continue
				}
				if clusterAllowed != r.Allowed {
					t.Errorf("%s/%s: CLI allowed=%v, cluster allowed=%v (%v)", r.Kind, r.Name, r.Allowed, clusterAllowed, err)
				}
				if !clusterAllowed {
					continue
				}
				for _, p := range r.Patches {
					got, found := lookupPointer(out, p.Path)
					if !found || !jsonEqual(got, p.Value) {
						t.Errorf("%s/%s: CLI predicts %s = %v, the cluster stored %v (found %v)", r.Kind, r.Name, p.Path, p.Value, got, found)
					}
				}
			}
			wantExit := 0
			for _, r := range results {
				if !r.Allowed {
					wantExit = 1
				}
			}
			if code := cmd.ProcessState.ExitCode(); code != wantExit {
				t.Errorf("CLI exit %d, want %d", code, wantExit)
			}
		})
	}
}

// exampleNamespace creates a guarded namespace standing in for an example's namespace.
func exampleNamespace(t *testing.T, orig string, file int) string {
	t.Helper()
	name := fmt.Sprintf("ex%d-%s", file, orig)
	if slices.Contains(fixedNamespaces(), orig) {
		// Policies read this namespace's name (Istio's root namespace makes a policy
		// mesh-wide), so examples use it as it is; each file's objects are deleted after it.
		name = orig
	}
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{mainLabel: "main"}}}
	if _, err := testEnv.cs.CoreV1().Namespaces().Create(context.Background(), ns, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
		t.Fatal(err)
	}
	return name
}

// fixedNamespaces are the namespaces examples keep: istio-system is Istio's default
// root namespace (meshConfig.rootNamespace, and istio.rootNamespace in apiguard's config);
// envoy-gateway-system is where test/examples-config.yaml allows EnvoyPatchPolicies.
func fixedNamespaces() []string { return []string{"istio-system", "envoy-gateway-system"} }

// inventoryObjects reads how many objects the main webhook's inventory holds.
func inventoryObjects(t *testing.T) float64 {
	t.Helper()
	v, err := testEnv.webhook.Metric("apiguard_inventory_objects")
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// createTracked creates obj for real. For kinds the inventory tracks it waits until the
// webhook's inventory has seen it, so the next object is judged against it.
func createTracked(t *testing.T, obj map[string]any) (map[string]any, error) {
	t.Helper()
	before := inventoryObjects(t)
	out, err := createStrict(context.Background(), obj)
	if err != nil {
		return nil, err
	}
	if contributes(obj) {
		eventually(t, 10*time.Second, func() error {
			if inventoryObjects(t) <= before {
				return fmt.Errorf("inventory has not seen %v yet", obj["metadata"])
			}
			return nil
		})
	}
	return out, nil
}

// contributes reports whether the inventory records obj (an Ingress with hosts, a route
// with hostnames, a Gateway...), using the webhook's own projection.
func contributes(obj map[string]any) bool { return inventory.Contributes(obj) }

// deleteAll removes objects a test created, and waits until the inventory forgot them.
func deleteAll(t *testing.T, objs []map[string]any) {
	t.Helper()
	if len(objs) == 0 {
		return
	}
	before := inventoryObjects(t)
	tracked := 0
	for _, o := range objs {
		u := unstructuredFrom(o)
		mapping, err := testEnv.mapper.RESTMapping(u.GroupVersionKind().GroupKind(), u.GroupVersionKind().Version)
		if err != nil {
			t.Error(err)
			continue
		}
		if err := testEnv.dyn.Resource(mapping.Resource).Namespace(u.GetNamespace()).Delete(context.Background(), u.GetName(), metav1.DeleteOptions{}); err != nil {
			t.Errorf("delete %s/%s: %v", u.GetNamespace(), u.GetName(), err)
			continue
		}
		if contributes(o) {
			tracked++
		}
	}
	eventually(t, 10*time.Second, func() error {
		if got := inventoryObjects(t); got > before-float64(tracked) {
			return fmt.Errorf("inventory still holds %v objects, want %v", got, before-float64(tracked))
		}
		return nil
	})
}

// lookupPointer resolves an RFC 6901 pointer in a decoded object.
func lookupPointer(doc any, pointer string) (any, bool) {
	cur := doc
	for _, tok := range strings.Split(strings.TrimPrefix(pointer, "/"), "/") {
		tok = strings.NewReplacer("~1", "/", "~0", "~").Replace(tok)
		switch node := cur.(type) {
		case map[string]any:
			v, ok := node[tok]
			if !ok {
				return nil, false
			}
			cur = v
		case []any:
			i, err := strconv.Atoi(tok)
			if err != nil || i < 0 || i >= len(node) {
				return nil, false
			}
			cur = node[i]
		default:
			return nil, false
		}
	}
	return cur, true
}

// jsonEqual compares two decoded JSON values, ignoring number representation.
func jsonEqual(a, b any) bool {
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	var na, nb any
	_ = json.Unmarshal(ja, &na)
	_ = json.Unmarshal(jb, &nb)
	return reflect.DeepEqual(na, nb)
}
