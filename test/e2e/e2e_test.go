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
	"strings"
	"testing"
	"time"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/discovery/cached/memory"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/restmapper"

	"github.com/apiguard/apiguard/internal/kubetest"
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
	if _, err := os.Stat(filepath.Join(root, "bin", "kube-apiserver")); err != nil {
		cmd := exec.CommandContext(ctx, "bash", filepath.Join(root, "test/scripts/e2e-bins.sh"))
		cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
		if err := cmd.Run(); err != nil {
			return nil, cleanup, fmt.Errorf("build e2e binaries: %w", err)
		}
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
	deadline := time.Now().Add(timeout)
	for {
		err := f()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("not within %s: %v", timeout, err)
		}
		time.Sleep(200 * time.Millisecond)
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
			wantError string
		}{
			"keyless":  {spec: map[string]any{"name": "open", "use_keyless": true}, wantError: "[tyk.require_auth]"},
			"with-key": {spec: map[string]any{"name": "keyed", "use_keyless": false, "use_standard_auth": true}},
		} {
			obj := map[string]any{
				"apiVersion": "tyk.tyk.io/v1alpha1", "kind": "ApiDefinition",
				"metadata": map[string]any{"name": name, "namespace": ns}, "spec": tc.spec,
			}
			err := applyObject(ctx, obj, false)
			if tc.wantError == "" && err != nil {
				t.Errorf("%s: %v", name, err)
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
	u := unstructuredFrom(obj)
	mapping, err := testEnv.mapper.RESTMapping(u.GroupVersionKind().GroupKind(), u.GroupVersionKind().Version)
	if err != nil {
		testEnv.mapper.Reset()
		if mapping, err = testEnv.mapper.RESTMapping(u.GroupVersionKind().GroupKind(), u.GroupVersionKind().Version); err != nil {
			return nil, err
		}
	}
	opts := metav1.CreateOptions{}
	if dryRun {
		opts.DryRun = []string{metav1.DryRunAll}
	}
	out, err := testEnv.dyn.Resource(mapping.Resource).Namespace(u.GetNamespace()).Create(ctx, u, opts)
	if err != nil {
		return nil, err
	}
	return out.Object, nil
}

// TestCLIParity checks the offline CLI and the cluster agree on every example manifest:
// the same verdict and the same secure defaults.
func TestCLIParity(t *testing.T) {
	ctx := context.Background()
	ns := namespace(t, "main")
	waitGuarded(t, ns)
	examples, err := filepath.Glob(filepath.Join(testEnv.root, "examples", "*.yaml"))
	if err != nil || len(examples) == 0 {
		t.Fatalf("no examples: %v", err)
	}
	for _, file := range examples {
		t.Run(filepath.Base(file), func(t *testing.T) {
			cmd := exec.CommandContext(ctx, testEnv.cliBin, "check", "-o", "json", "--policy", filepath.Join(testEnv.root, "policies"), "--namespace", ns, file)
			var stdout, stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			runErr := cmd.Run()
			var results []struct {
				Allowed bool   `json:"allowed"`
				Kind    string `json:"kind"`
				Name    string `json:"name"`
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
			for i, obj := range docs {
				obj["metadata"].(map[string]any)["namespace"] = ns
				out, err := createObject(ctx, obj, true)
				clusterAllowed := err == nil
				if clusterAllowed != results[i].Allowed {
					t.Errorf("%s/%s: CLI allowed=%v, cluster allowed=%v (%v)", results[i].Kind, results[i].Name, results[i].Allowed, clusterAllowed, err)
				}
				if clusterAllowed && len(results[i].Patches) > 0 {
					annotations, _ := out["metadata"].(map[string]any)["annotations"].(map[string]any)
					if annotations["nginx.ingress.kubernetes.io/force-ssl-redirect"] != "true" {
						t.Errorf("CLI predicted a patch the cluster did not apply: %v", annotations)
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
