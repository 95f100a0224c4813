// Package fault is apiguard's reliability suite (issue 8): each test injects one fault
// into a running webhook process, its Git server, its disk, its certificates or the
// kube-apiserver it serves, while load runs, and asserts an explicit expected behaviour
// from counted outcomes. A guardrail must never fail open (admit what it did not check)
// and never wedge the cluster; every case here checks one of the ways it could.
//
// The webhook always runs as its own binary. Where the API server is part of the story
// (failurePolicy, connection handling, inventory watches) requests go through a real
// kube-apiserver; where the property is about the webhook's own HTTP/TLS behaviour
// (resets, handshakes, latency) the test is the client, so it can see exactly what a
// caller sees.
//
// Tests that do not restart the API server run in parallel (at most -parallel, i.e.
// GOMAXPROCS, at a time); the restart case runs alone first.
package fault

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/apiguard/apiguard/internal/kubetest"
	"github.com/apiguard/apiguard/internal/testenv"
)

// env is the control plane and the webhook binary shared by every case.
type env struct {
	root       string
	webhookBin string
	cluster    *kubetest.Cluster
	cs         kubernetes.Interface
}

var testEnv *env

// guardLabel selects the namespaces a case's own webhook registration guards, so cases
// sharing the API server never judge each other's objects.
const guardLabel = "apiguard-fault"

func TestMain(m *testing.M) {
	if testenv.IntegrationMain(testenv.ControlPlane) {
		os.Exit(0)
	}
	os.Exit(runMain(m))
}

// runMain builds the webhook and starts the control plane once; defers tear them down
// after every case has run.
func runMain(m *testing.M) int {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	failed := func(err error) int {
		fmt.Fprintln(os.Stderr, "fault setup:", err)
		return 1
	}
	root, err := kubetest.RepoRoot()
	if err != nil {
		return failed(err)
	}
	if err := kubetest.EnsureBinaries(ctx); err != nil {
		return failed(err)
	}
	binDir, err := os.MkdirTemp("", "apiguard-fault-bin-")
	if err != nil {
		return failed(err)
	}
	defer os.RemoveAll(binDir)
	webhookBin, err := kubetest.Build(ctx, "./cmd/webhook", binDir)
	if err != nil {
		return failed(err)
	}
	cluster, err := kubetest.Start(ctx, kubetest.Options{})
	if err != nil {
		return failed(err)
	}
	defer cluster.Stop()
	cs, err := kubernetes.NewForConfig(cluster.RESTConfig())
	if err != nil {
		return failed(err)
	}
	testEnv = &env{root: root, webhookBin: webhookBin, cluster: cluster, cs: cs}
	return m.Run()
}

// libraryArgs run the bundled policy library with the examples' configuration, as the
// e2e suite and `make demo` do: an Ingress needs TLS, an owner label, class nginx and a
// host under example.com, and gets force-ssl-redirect filled in.
func libraryArgs() []string {
	return []string{"--data-file", filepath.Join(testEnv.root, "test", "examples-config.yaml")}
}

func libraryDir() string { return filepath.Join(testEnv.root, "policies") }

// startWebhook starts a webhook process and stops it when the test ends.
func startWebhook(t *testing.T, opts kubetest.WebhookOptions) *kubetest.Webhook {
	t.Helper()
	opts.Binary = testEnv.webhookBin
	wh, err := kubetest.StartWebhook(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = wh.Stop()
		if t.Failed() {
			t.Logf("webhook log tail:\n%s", wh.Logs())
		}
	})
	return wh
}

// guard registers url (trusting caBundle) for the exposure kinds in namespaces labelled
// guardLabel=value, with failurePolicy Fail, and returns a fresh namespace so labelled
// once the API server calls the webhook for it.
func guard(t *testing.T, value, url string, caBundle []byte) string {
	t.Helper()
	ctx := context.Background()
	unregister, err := kubetest.Register(ctx, testEnv.cs, kubetest.Registration{
		Name: "apiguard-fault-" + value, URL: url, CABundle: caBundle, FailurePolicy: admissionregistrationv1.Fail,
		ValidateRules:     kubetest.ExposureRules(admissionregistrationv1.Create, admissionregistrationv1.Update, admissionregistrationv1.Delete),
		MutateRules:       kubetest.ExposureRules(admissionregistrationv1.Create, admissionregistrationv1.Update),
		NamespaceSelector: &metav1.LabelSelector{MatchLabels: map[string]string{guardLabel: value}},
		TimeoutSeconds:    5,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = unregister(context.Background()) })
	ns := newNamespace(t, value)
	waitGuarded(t, ns)
	return ns
}

// newNamespace creates a namespace labelled guardLabel=value.
func newNamespace(t *testing.T, value string) string {
	t.Helper()
	name := fmt.Sprintf("%s-%d", value, time.Now().UnixNano()%1000000)
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{guardLabel: value}}}
	if _, err := testEnv.cs.CoreV1().Namespaces().Create(context.Background(), ns, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	return name
}

// waitGuarded waits until the API server calls the webhook for ns: it loads webhook
// configurations asynchronously after they are created.
func waitGuarded(t *testing.T, ns string) {
	t.Helper()
	eventually(t, 30*time.Second, func() error {
		err := createIngress(context.Background(), ns, "probe", false, true).err
		if err == nil || !strings.Contains(err.Error(), "[ingress.require_tls]") {
			return fmt.Errorf("webhook not called yet: %v", err)
		}
		return nil
	})
}

// eventually retries f every 200ms until it succeeds or timeout passes. Timeouts are
// generous: they bound a hang, they do not measure speed.
func eventually(t *testing.T, timeout time.Duration, f func() error) {
	t.Helper()
	if err := kubetest.Poll(timeout, f); err != nil {
		t.Fatal(err)
	}
}
