package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	authenticationv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"

	"github.com/apiguard/apiguard/internal/kubetest"
	"github.com/apiguard/apiguard/pkg/manifest"
)

const chartNamespace = "apiguard-system"

// helmBinary returns bin/helm, building it when missing (the suite never skips).
func helmBinary(t *testing.T) string {
	t.Helper()
	helm := filepath.Join(testEnv.root, "bin", "helm")
	if _, err := os.Stat(helm); err != nil {
		cmd := exec.Command("go", "install", "helm.sh/helm/v3/cmd/helm@v3.22.0")
		cmd.Env = append(os.Environ(), "GOBIN="+filepath.Join(testEnv.root, "bin"))
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("build helm: %v\n%s", err, out)
		}
	}
	return helm
}

// render runs helm template for the chart with values files and --set flags.
func render(t *testing.T, valuesFiles []string, sets ...string) []manifest.Document {
	t.Helper()
	// A release name of its own: the suite's live webhook already owns configurations
	// named "apiguard".
	args := []string{"template", "chart-e2e", filepath.Join(testEnv.root, "charts", "apiguard"), "--namespace", chartNamespace}
	for _, f := range valuesFiles {
		args = append(args, "-f", filepath.Join(testEnv.root, "test", "chart", "testdata", f))
	}
	for _, s := range sets {
		args = append(args, "--set", s)
	}
	var out, stderr bytes.Buffer
	cmd := exec.Command(helmBinary(t), args...)
	cmd.Stdout, cmd.Stderr = &out, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("helm template: %v\n%s", err, stderr.String())
	}
	docs, err := manifest.Decode("helm-template", &out)
	if err != nil {
		t.Fatal(err)
	}
	return docs
}

// applyChart server-side-applies every rendered object. Webhook configurations are
// applied as a server-side dry run: validated in full, but not persisted, because a
// configuration pointing at a Service the test cluster cannot route to (no kube-proxy)
// would fail every exposure request of the suite.
func applyChart(t *testing.T, docs []manifest.Document) map[string]*unstructured.Unstructured {
	t.Helper()
	ctx := context.Background()
	stored := map[string]*unstructured.Unstructured{}
	for _, d := range docs {
		u := &unstructured.Unstructured{Object: d.Object}
		gvk := u.GroupVersionKind()
		mapping, err := testEnv.mapper.RESTMapping(gvk.GroupKind(), gvk.Version)
		if err != nil {
			testEnv.mapper.Reset()
			if mapping, err = testEnv.mapper.RESTMapping(gvk.GroupKind(), gvk.Version); err != nil {
				t.Fatalf("%s %s: %v", gvk, u.GetName(), err)
			}
		}
		opts := metav1.PatchOptions{FieldManager: "apiguard-chart-e2e"}
		if strings.HasSuffix(gvk.Kind, "WebhookConfiguration") {
			opts.DryRun = []string{metav1.DryRunAll}
		}
		body, _ := json.Marshal(u.Object)
		var res = testEnv.dyn.Resource(mapping.Resource)
		var out *unstructured.Unstructured
		if mapping.Scope.Name() == "namespace" {
			out, err = res.Namespace(u.GetNamespace()).Patch(ctx, u.GetName(), types.ApplyPatchType, body, opts)
		} else {
			out, err = res.Patch(ctx, u.GetName(), types.ApplyPatchType, body, opts)
		}
		if err != nil {
			t.Errorf("server-side apply of %s %s/%s refused: %v", gvk.Kind, u.GetNamespace(), u.GetName(), err)
			continue
		}
		stored[gvk.Kind+"/"+u.GetName()] = out
		stored[gvk.Kind] = out
	}
	return stored
}

// TestChartInstallsIntoTheAPIServer applies the rendered chart to the real API server, in
// the default (self-managed TLS) and cert-manager modes, then an upgrade with changed
// values. Pods never run here: there is no kubelet, so the test checks the API server
// accepts and stores every object, not that the webhook serves from a pod.
func TestChartInstallsIntoTheAPIServer(t *testing.T) {
	ctx := context.Background()
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: chartNamespace}}
	if _, err := testEnv.cs.CoreV1().Namespaces().Create(ctx, ns, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
		t.Fatal(err)
	}
	if err := kubetest.InstallCertManagerCRDs(ctx, testEnv.cfg); err != nil {
		t.Fatal(err)
	}
	testEnv.mapper.Reset()

	for _, mode := range []struct {
		name   string
		values []string
		want   []string
	}{
		{"self-managed TLS", []string{"default.yaml"}, []string{"Deployment", "PodDisruptionBudget", "NetworkPolicy",
			"ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding", "ServiceAccount", "Service", "Secret",
			"ValidatingWebhookConfiguration", "MutatingWebhookConfiguration"}},
		{"cert-manager", []string{"cert-manager.yaml"}, []string{"Issuer", "Certificate", "ValidatingWebhookConfiguration", "MutatingWebhookConfiguration"}},
	} {
		t.Run(mode.name, func(t *testing.T) {
			stored := applyChart(t, render(t, mode.values))
			for _, want := range mode.want {
				if stored[want] == nil {
					t.Errorf("no %s was applied", want)
				}
			}
		})
	}

	t.Run("upgrade with changed values", func(t *testing.T) {
		stored := applyChart(t, render(t, []string{"default.yaml"}, "replicas=5", "webhook.validating.timeoutSeconds=8"))
		dep := stored["Deployment"]
		if dep == nil {
			t.Fatal("Deployment not applied")
		}
		if r, _, _ := unstructured.NestedInt64(dep.Object, "spec", "replicas"); r != 5 {
			t.Errorf("replicas after upgrade = %d, want 5", r)
		}
		vwc := stored["ValidatingWebhookConfiguration"]
		if vwc == nil {
			t.Fatal("ValidatingWebhookConfiguration not applied")
		}
		hooks, _, _ := unstructured.NestedSlice(vwc.Object, "webhooks")
		if len(hooks) == 0 || hooks[0].(map[string]any)["timeoutSeconds"] != int64(8) {
			t.Errorf("validating timeout after upgrade: %v", hooks)
		}
	})
}

// kubeconfigForServiceAccount writes a kubeconfig authenticating as a service account
// with a short-lived token from the TokenRequest API.
func kubeconfigForServiceAccount(t *testing.T, namespace, name string) string {
	t.Helper()
	ctx := context.Background()
	if _, err := testEnv.cs.CoreV1().ServiceAccounts(namespace).Create(ctx, &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: name}}, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
		t.Fatal(err)
	}
	expiry := int64(3600)
	tok, err := testEnv.cs.CoreV1().ServiceAccounts(namespace).CreateToken(ctx, name, &authenticationv1.TokenRequest{Spec: authenticationv1.TokenRequestSpec{ExpirationSeconds: &expiry}}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	cfg := testEnv.stack.Cluster.RESTConfig()
	kc := clientcmdapi.NewConfig()
	kc.Clusters["e2e"] = &clientcmdapi.Cluster{Server: cfg.Host, CertificateAuthorityData: cfg.CAData}
	kc.AuthInfos["sa"] = &clientcmdapi.AuthInfo{Token: tok.Status.Token}
	kc.Contexts["sa"] = &clientcmdapi.Context{Cluster: "e2e", AuthInfo: "sa"}
	kc.CurrentContext = "sa"
	path := filepath.Join(t.TempDir(), name+".kubeconfig")
	if err := clientcmd.WriteToFile(*kc, path); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestChartRBACIsSufficient runs the webhook as the chart's service account, bound to the
// chart's ClusterRole, instead of as admin: it must list and watch everything its
// inventory needs and become ready. A service account without the binding must not:
// that proves the test can tell the difference.
func TestChartRBACIsSufficient(t *testing.T) {
	ctx := context.Background()
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: chartNamespace}}
	if _, err := testEnv.cs.CoreV1().Namespaces().Create(ctx, ns, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
		t.Fatal(err)
	}
	docs := render(t, []string{"default.yaml"})
	applyChart(t, docs)
	// The self-managed TLS half needs the chart's webhook configurations to exist; they
	// are created for real here with a selector no namespace matches, so they never
	// intercept the suite's requests.
	for _, d := range docs {
		if !strings.HasSuffix(d.Kind(), "WebhookConfiguration") {
			continue
		}
		obj := d.Object
		hooks, _ := obj["webhooks"].([]any)
		for _, h := range hooks {
			h.(map[string]any)["namespaceSelector"] = map[string]any{"matchLabels": map[string]any{"apiguard-e2e": "never"}}
		}
		if _, err := createObject(ctx, obj, false); err != nil && !apierrors.IsAlreadyExists(err) {
			t.Fatal(err)
		}
	}
	start := func(kubeconfig string, allowNotReady bool, extra ...string) (*kubetest.Webhook, error) {
		return kubetest.StartWebhook(ctx, kubetest.WebhookOptions{
			Binary: testEnv.webhookBin, PolicyDir: filepath.Join(testEnv.root, "policies"), AllowNotReady: allowNotReady, ReadyTimeout: 20 * time.Second,
			SelfManagedTLS: len(extra) > 0,
			Args:           append([]string{"--kubeconfig", kubeconfig, "--inventory", "on"}, extra...),
		})
	}
	// The chart's service account: inventory watches, self-managed TLS writing its
	// Secret and injecting the CA into its two configurations, all by resourceNames, and
	// the drift audit holding its Lease and listing every exposure kind and namespace.
	wh, err := start(kubeconfigForServiceAccount(t, chartNamespace, "chart-e2e-apiguard"), false,
		"--namespace", chartNamespace, "--tls-self-managed-secret", "chart-e2e-apiguard-tls",
		"--validating-webhook-configuration", "chart-e2e-apiguard", "--mutating-webhook-configuration", "chart-e2e-apiguard",
		"--tls-dns-names", "127.0.0.1", "--audit-lease-name", "chart-e2e-apiguard-audit")
	if err != nil {
		t.Fatalf("the webhook did not become ready as the chart's service account: %v", err)
	}
	eventually(t, 30*time.Second, func() error {
		_, _, err := readAudit(wh.HealthURL)
		return err
	})
	_ = wh.Stop()
	vwc, err := testEnv.cs.AdmissionregistrationV1().ValidatingWebhookConfigurations().Get(ctx, "chart-e2e-apiguard", metav1.GetOptions{})
	if err != nil || len(vwc.Webhooks) == 0 || len(vwc.Webhooks[0].ClientConfig.CABundle) == 0 {
		t.Errorf("the chart's service account did not inject the CA bundle: %v", err)
	}
	sec, err := testEnv.cs.CoreV1().Secrets(chartNamespace).Get(ctx, "chart-e2e-apiguard-tls", metav1.GetOptions{})
	if err != nil || len(sec.Data["tls.crt"]) == 0 {
		t.Errorf("the chart's service account did not fill the TLS Secret: %v", err)
	}

	unbound, err := start(kubeconfigForServiceAccount(t, chartNamespace, "no-rbac"), true)
	if err != nil {
		t.Fatal(err)
	}
	defer unbound.Stop()
	time.Sleep(3 * time.Second)
	resp, err := http.Get(unbound.HealthURL + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("a service account without the chart's RBAC became ready (HTTP %d)", resp.StatusCode)
	}
}
