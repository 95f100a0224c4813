// Package pods is the end-to-end test through real pods: the project's Helm chart,
// installed as `helm install` does, runs its Deployment as containers on a real
// kubelet with containerd and runc (internal/kubelettest), from the image `make image`
// builds (internal/image, tools/image), imported into containerd. It checks what only
// a real runtime can show: the hardening of the running container, the self-managed
// TLS reached through the Service the chart registers, policies loaded from a
// ConfigMap volume and enforced, and a clean uninstall.
//
// It needs root, containerd, runc and the CNI plugins (test/scripts/node-deps.sh) and
// the kubelet, kube-controller-manager and kube-scheduler (test/scripts/e2e-bins.sh
// node; `make go-test` runs both). Without root it skips, except on CI (CI=true),
// where every part that cannot start fails the test with the reason.
package pods

import (
	"archive/tar"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/apiguard/apiguard/internal/image"
	"github.com/apiguard/apiguard/internal/kubelettest"
	"github.com/apiguard/apiguard/internal/kubetest"
	"github.com/apiguard/apiguard/pkg/policysync"
)

const (
	release   = "apiguard"
	releaseNS = "apiguard-system"
	// guardedNS is where the test creates exposure objects: not the release namespace,
	// which the chart excludes from its own webhooks.
	guardedNS = "pods-e2e"
	policyCM  = "apiguard-policies"
)

// timings collects the figures the test reports at its end.
type timings struct {
	t     *testing.T
	names []string
	d     map[string]time.Duration
}

func (tm *timings) record(name string, d time.Duration) {
	if tm.d == nil {
		tm.d = map[string]time.Duration{}
	}
	tm.names = append(tm.names, name)
	tm.d[name] = d
	tm.t.Logf("timing: %s %.1fs", name, d.Seconds())
}

func (tm *timings) report() {
	var b strings.Builder
	for _, n := range tm.names {
		fmt.Fprintf(&b, "\n  %-40s %7.1fs", n, tm.d[n].Seconds())
	}
	tm.t.Logf("figures:%s", b.String())
}

func TestChartPods(t *testing.T) {
	start := time.Now()
	onCI := os.Getenv("CI") != ""
	if os.Geteuid() != 0 {
		if onCI {
			t.Fatal("test/pods needs root to run a kubelet and containerd; CI runs as root, so this is a CI setup error")
		}
		t.Skip("test/pods needs root (a kubelet, containerd and runc run real pods)")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Minute)
	defer cancel()
	tm := &timings{t: t}
	defer tm.report()

	root := repoRoot(t)
	d, err := kubelettest.EnsureBinaries(ctx)
	if err != nil {
		t.Fatalf("the node's binaries and packages could not be provided: %v", err)
	}
	tm.record("binaries (e2e-bins.sh node)", d)
	helm := helmBinary(t, root)

	// 1. The image, as `make image` builds it (tools/image through internal/image),
	// tagged as the chart deploys it by default.
	work := t.TempDir()
	archive := filepath.Join(work, "apiguard-image.tar")
	s := time.Now()
	build := exec.CommandContext(ctx, "go", "run", "./tools/image", "-o", archive)
	build.Dir = root
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("make image (go run ./tools/image): %v\n%s", err, out)
	}
	tm.record("make image", time.Since(s))
	chart, err := image.ReadChartDefault(filepath.Join(root, "charts", "apiguard"))
	if err != nil {
		t.Fatal(err)
	}
	if tags := archiveTags(t, archive); !contains(tags, chart.Ref()) {
		t.Fatalf("the image archive is tagged %v, the chart deploys %s", tags, chart.Ref())
	}
	if st, err := os.Stat(archive); err == nil {
		t.Logf("image %s: %.1f MiB archive", chart.Ref(), float64(st.Size())/(1<<20))
	}

	// The cluster, with the image and the pause image imported into containerd.
	s = time.Now()
	cluster, err := kubelettest.Start(ctx, kubelettest.Options{Images: []string{archive}})
	if err != nil {
		t.Fatalf("the one-node cluster did not start: %v", err)
	}
	stopped := false
	stop := func() {
		if stopped {
			return
		}
		stopped = true
		s := time.Now()
		if err := cluster.Stop(); err != nil {
			t.Errorf("cluster teardown: %v", err)
		}
		tm.record("teardown (verified clean)", time.Since(s))
	}
	defer stop()
	tm.record("cluster up (node Ready)", time.Since(s))
	for _, p := range cluster.Timings {
		t.Logf("  start-up phase %s: %.1fs", p.Phase, p.Duration.Seconds())
	}
	cs := cluster.Client
	diagnose := func() {
		if !t.Failed() {
			return
		}
		t.Logf("pods:\n%s", podSummary(ctx, cs))
		t.Logf("kubelet log tail:\n%s", cluster.LogTail("kubelet", 30))
		t.Logf("webhook container logs:\n%s", containerLogs(cluster.RunDir(), 20))
	}
	defer diagnose()

	// 2. The chart, installed as `helm install` does, with the bundled library in a
	// ConfigMap as the policy source (policies.configMap).
	for _, ns := range []string{releaseNS, guardedNS} {
		if _, err := cs.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	library := libraryConfigMap(t, root)
	if _, err := cs.CoreV1().ConfigMaps(releaseNS).Create(ctx, library, metav1.CreateOptions{}); err != nil {
		t.Fatalf("create the policy ConfigMap: %v", err)
	}
	values := []string{"--set", "policies.configMap=" + policyCM}
	if chartHasValue(t, root, "enforcement") {
		// The first-install default is warn; this test proves denials.
		values = append(values, "--set", "enforcement=deny")
	}
	s = time.Now()
	runHelm(ctx, t, helm, cluster.Kubeconfig(), append([]string{"install", release, filepath.Join(root, "charts", "apiguard"), "--namespace", releaseNS}, values...)...)
	dep := waitDeploymentReady(ctx, t, cs, releaseNS, release, 3*time.Minute)
	ready := time.Since(s)
	tm.record(fmt.Sprintf("helm install to %d/%d replicas Ready", dep.Status.ReadyReplicas, *dep.Spec.Replicas), ready)
	if *dep.Spec.Replicas != 3 {
		t.Errorf("the chart's default replica count is %d, want 3", *dep.Spec.Replicas)
	}

	pods := releasePods(ctx, t, cs)
	// 3. The hardening, as the running container has it.
	for _, p := range pods {
		checkHardening(ctx, t, cluster, p)
	}
	// The ConfigMap source is loaded in every pod: each reports the whole library.
	for _, p := range pods {
		st := podStatus(ctx, t, p)
		if st.Counts.Policies < 10 {
			t.Errorf("pod %s loaded %d policies from the ConfigMap volume (source %q), want the whole library", p.Name, st.Counts.Policies, st.Source)
		} else {
			t.Logf("pod %s: %d policies from %s, revision %s", p.Name, st.Counts.Policies, st.Source, st.ShortRevision)
		}
	}

	// 4. The self-managed TLS: the webhook configurations get the CA bundle, and the API
	// server calls the pods through the Service the chart registers.
	s = time.Now()
	waitCABundles(ctx, t, cs, time.Minute)
	tm.record("CA bundle in the webhook configurations", time.Since(s))
	s = time.Now()
	checkDenied(ctx, t, "an Ingress without TLS", "ingress.require_tls", func() error {
		_, err := cs.NetworkingV1().Ingresses(guardedNS).Create(ctx, plainIngress(), metav1.CreateOptions{})
		return err
	})
	checkDenied(ctx, t, "a NodePort Service", "service.no_nodeport", func() error {
		_, err := cs.CoreV1().Services(guardedNS).Create(ctx, nodePortService(), metav1.CreateOptions{})
		return err
	})
	tm.record("denials through the Service", time.Since(s))
	// A secure object goes through the same path and is admitted.
	if _, err := cs.CoreV1().Services(guardedNS).Create(ctx, &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Name: "internal", Labels: map[string]string{"app.kubernetes.io/name": "internal", "app.kubernetes.io/owner": "team-demo"}},
		Spec:       corev1.ServiceSpec{Ports: []corev1.ServicePort{{Port: 80}}, Selector: map[string]string{"app": "internal"}},
	}, metav1.CreateOptions{}); err != nil {
		t.Errorf("a ClusterIP Service was not admitted: %v", err)
	}

	// 5. Uninstall: nothing of the release is left to block the cluster.
	s = time.Now()
	runHelm(ctx, t, helm, cluster.Kubeconfig(), "uninstall", release, "--namespace", releaseNS, "--wait", "--timeout", "2m")
	tm.record("helm uninstall", time.Since(s))
	left, err := webhookClientConfigs(ctx, cs, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(left) > 0 {
		t.Errorf("after helm uninstall these webhooks are left: %v", keys(left))
	}
	if _, err := cs.CoreV1().Services(guardedNS).Create(ctx, nodePortService(), metav1.CreateOptions{}); err != nil {
		t.Errorf("after helm uninstall a NodePort Service is still refused: %v", err)
	}

	diagnose()
	stop()
	tm.record("whole test", time.Since(start))
}

// checkHardening reads the container's process from the host: user 65532, no
// effective capabilities, seccomp filter mode (RuntimeDefault), no_new_privs, and a
// root filesystem that refuses writes.
func checkHardening(ctx context.Context, t *testing.T, cluster *kubelettest.Cluster, p corev1.Pod) {
	t.Helper()
	if len(p.Status.ContainerStatuses) == 0 || p.Status.ContainerStatuses[0].ContainerID == "" {
		t.Errorf("pod %s has no running container", p.Name)
		return
	}
	pid, err := cluster.ContainerPID(ctx, p.Status.ContainerStatuses[0].ContainerID)
	if err != nil {
		t.Errorf("pod %s: %v", p.Name, err)
		return
	}
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Errorf("pod %s: %v", p.Name, err)
		return
	}
	fields := map[string]string{}
	for _, line := range strings.Split(string(status), "\n") {
		k, v, ok := strings.Cut(line, ":")
		if ok {
			fields[k] = strings.Join(strings.Fields(v), " ")
		}
	}
	want := map[string]string{
		"Uid":        "65532 65532 65532 65532",
		"Gid":        "65532 65532 65532 65532",
		"CapEff":     "0000000000000000",
		"CapPrm":     "0000000000000000",
		"CapBnd":     "0000000000000000",
		"Seccomp":    "2", // SECCOMP_MODE_FILTER: the runtime's default profile
		"NoNewPrivs": "1",
	}
	keys := make([]string, 0, len(want))
	for k := range want {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var got []string
	for _, k := range keys {
		got = append(got, k+"="+fields[k])
		if fields[k] != want[k] {
			t.Errorf("pod %s (pid %d): /proc status %s is %q, want %q", p.Name, pid, k, fields[k], want[k])
		}
	}
	probe := fmt.Sprintf("/proc/%d/root/apiguard-write-probe", pid)
	err = os.WriteFile(probe, []byte("x"), 0o600)
	if err == nil {
		_ = os.Remove(probe)
		t.Errorf("pod %s: the container's root filesystem accepted a write", p.Name)
	} else if !errors.Is(err, syscall.EROFS) {
		t.Errorf("pod %s: writing to the root filesystem failed with %v, want EROFS (read-only)", p.Name, err)
	}
	t.Logf("pod %s (pid %d): %s, root filesystem read-only (%v)", p.Name, pid, strings.Join(got, " "), errors.Unwrap(err))
}

// checkDenied runs create and expects the chart's webhook to deny it, naming policy.
func checkDenied(ctx context.Context, t *testing.T, what, policy string, create func() error) {
	t.Helper()
	err := create()
	if err == nil {
		t.Errorf("%s was admitted; the webhook pods enforce nothing", what)
		return
	}
	msg := err.Error()
	if !strings.Contains(msg, "denied the request") || !strings.Contains(msg, policy) {
		t.Errorf("%s: refused, but not by the webhook's %s: %v", what, policy, err)
		return
	}
	t.Logf("%s denied through the Service: %s", what, firstLine(msg))
}

func plainIngress() *networkingv1.Ingress {
	prefix := networkingv1.PathTypePrefix
	class := "nginx"
	return &networkingv1.Ingress{
		ObjectMeta: metav1.ObjectMeta{Name: "blog", Labels: map[string]string{"app.kubernetes.io/name": "blog", "app.kubernetes.io/owner": "team-demo"}},
		Spec: networkingv1.IngressSpec{
			IngressClassName: &class,
			Rules: []networkingv1.IngressRule{{
				Host: "blog.example.com",
				IngressRuleValue: networkingv1.IngressRuleValue{HTTP: &networkingv1.HTTPIngressRuleValue{Paths: []networkingv1.HTTPIngressPath{{
					Path: "/", PathType: &prefix,
					Backend: networkingv1.IngressBackend{Service: &networkingv1.IngressServiceBackend{Name: "blog", Port: networkingv1.ServiceBackendPort{Number: 80}}},
				}}}},
			}},
		},
	}
}

func nodePortService() *corev1.Service {
	return &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Name: "opens-node-ports", Labels: map[string]string{"app.kubernetes.io/name": "web", "app.kubernetes.io/owner": "team-demo"}},
		Spec: corev1.ServiceSpec{
			Type:     corev1.ServiceTypeNodePort,
			Ports:    []corev1.ServicePort{{Port: 80}},
			Selector: map[string]string{"app": "web"},
		},
	}
}

// libraryConfigMap holds the bundled library (every non-test .rego under policies/),
// flattened as a ConfigMap's keys must be: "ingress/require_tls.rego" becomes
// "ingress_require_tls.rego".
func libraryConfigMap(t *testing.T, root string) *corev1.ConfigMap {
	t.Helper()
	dir := filepath.Join(root, "policies")
	cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: policyCM}, Data: map[string]string{}}
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".rego") || strings.HasSuffix(p, "_test.rego") {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		key := strings.ReplaceAll(filepath.ToSlash(rel), "/", "_")
		if _, dup := cm.Data[key]; dup {
			return fmt.Errorf("two policy files flatten to the ConfigMap key %s", key)
		}
		cm.Data[key] = string(b)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return cm
}

// chartHasValue reports whether the chart's values.yaml has a top-level key.
func chartHasValue(t *testing.T, root, key string) bool {
	b, err := os.ReadFile(filepath.Join(root, "charts", "apiguard", "values.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	return regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(key) + `:`).Match(b)
}

func runHelm(ctx context.Context, t *testing.T, helm, kubeconfig string, args ...string) {
	t.Helper()
	cmd := exec.CommandContext(ctx, helm, append(args, "--kubeconfig", kubeconfig)...)
	cmd.Env = append(os.Environ(), "HELM_CACHE_HOME="+t.TempDir(), "HELM_CONFIG_HOME="+t.TempDir(), "HELM_DATA_HOME="+t.TempDir())
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("helm %s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

func waitDeploymentReady(ctx context.Context, t *testing.T, cs kubernetes.Interface, ns, name string, timeout time.Duration) *appsv1.Deployment {
	t.Helper()
	deadline := time.Now().Add(timeout)
	var last string
	for {
		d, err := cs.AppsV1().Deployments(ns).Get(ctx, name, metav1.GetOptions{})
		if err == nil {
			want := int32(1)
			if d.Spec.Replicas != nil {
				want = *d.Spec.Replicas
			}
			if d.Status.ObservedGeneration >= d.Generation && d.Status.UpdatedReplicas == want && d.Status.ReadyReplicas == want && d.Status.Replicas == want {
				return d
			}
			last = fmt.Sprintf("%d/%d ready, %d updated", d.Status.ReadyReplicas, want, d.Status.UpdatedReplicas)
		} else {
			last = err.Error()
		}
		if time.Now().After(deadline) {
			t.Fatalf("deployment %s/%s not Ready after %s: %s", ns, name, timeout, last)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func releasePods(ctx context.Context, t *testing.T, cs kubernetes.Interface) []corev1.Pod {
	t.Helper()
	list, err := cs.CoreV1().Pods(releaseNS).List(ctx, metav1.ListOptions{LabelSelector: "app.kubernetes.io/instance=" + release})
	if err != nil {
		t.Fatal(err)
	}
	var running []corev1.Pod
	for _, p := range list.Items {
		if p.DeletionTimestamp == nil && p.Status.Phase == corev1.PodRunning {
			running = append(running, p)
		}
	}
	if len(running) == 0 {
		t.Fatalf("no running pod of the release")
	}
	return running
}

// podStatus is the webhook's /status on its health port, read from the host through
// the pod bridge.
func podStatus(ctx context.Context, t *testing.T, p corev1.Pod) policysync.Status {
	t.Helper()
	var st policysync.Status
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+p.Status.PodIP+":8081/status", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := (&http.Client{Timeout: 5 * time.Second}).Do(req)
	if err != nil {
		t.Errorf("pod %s /status: %v", p.Name, err)
		return st
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(&st); err != nil {
		t.Errorf("pod %s /status: %v", p.Name, err)
	}
	return st
}

// waitCABundles waits until every webhook of the release's configurations carries a
// CA bundle and a Service reference.
func waitCABundles(ctx context.Context, t *testing.T, cs kubernetes.Interface, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		configs, err := webhookClientConfigs(ctx, cs, "app.kubernetes.io/instance="+release)
		if err != nil {
			t.Fatal(err)
		}
		var missing []string
		for name, cc := range configs {
			if len(cc.CABundle) == 0 || cc.Service == nil {
				missing = append(missing, name)
			}
		}
		if len(configs) > 0 && len(missing) == 0 {
			t.Logf("%d webhooks carry the CA bundle and a Service reference", len(configs))
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("after %s, %d webhooks, without a CA bundle or Service: %v", timeout, len(configs), missing)
		}
		time.Sleep(500 * time.Millisecond)
	}
}

// webhookClientConfigs is every webhook of the validating and mutating configurations
// that selector matches, by "validating NAME" or "mutating NAME".
func webhookClientConfigs(ctx context.Context, cs kubernetes.Interface, selector string) (map[string]admissionregistrationv1.WebhookClientConfig, error) {
	sel := metav1.ListOptions{LabelSelector: selector}
	out := map[string]admissionregistrationv1.WebhookClientConfig{}
	vwc, err := cs.AdmissionregistrationV1().ValidatingWebhookConfigurations().List(ctx, sel)
	if err != nil {
		return nil, err
	}
	for _, c := range vwc.Items {
		for _, w := range c.Webhooks {
			out["validating "+c.Name+"/"+w.Name] = w.ClientConfig
		}
	}
	mwc, err := cs.AdmissionregistrationV1().MutatingWebhookConfigurations().List(ctx, sel)
	if err != nil {
		return nil, err
	}
	for _, c := range mwc.Items {
		for _, w := range c.Webhooks {
			out["mutating "+c.Name+"/"+w.Name] = w.ClientConfig
		}
	}
	return out, nil
}

// archiveTags lists the RepoTags of an image tarball's manifest.json.
func archiveTags(t *testing.T, archive string) []string {
	t.Helper()
	f, err := os.Open(archive)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	tr := tar.NewReader(f)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			t.Fatalf("%s has no manifest.json", archive)
		}
		if err != nil {
			t.Fatal(err)
		}
		if h.Name != "manifest.json" {
			continue
		}
		var m []struct{ RepoTags []string }
		if err := json.NewDecoder(tr).Decode(&m); err != nil {
			t.Fatal(err)
		}
		var tags []string
		for _, e := range m {
			tags = append(tags, e.RepoTags...)
		}
		return tags
	}
}

func podSummary(ctx context.Context, cs kubernetes.Interface) string {
	list, err := cs.CoreV1().Pods("").List(ctx, metav1.ListOptions{})
	if err != nil {
		return err.Error()
	}
	var b bytes.Buffer
	for _, p := range list.Items {
		fmt.Fprintf(&b, "%s/%s %s ip=%s", p.Namespace, p.Name, p.Status.Phase, p.Status.PodIP)
		for _, c := range p.Status.Conditions {
			if c.Status != corev1.ConditionTrue {
				fmt.Fprintf(&b, " %s=%s(%s)", c.Type, c.Status, c.Message)
			}
		}
		for _, c := range p.Status.ContainerStatuses {
			if w := c.State.Waiting; w != nil {
				fmt.Fprintf(&b, " waiting=%s(%s)", w.Reason, w.Message)
			}
			fmt.Fprintf(&b, " restarts=%d", c.RestartCount)
		}
		b.WriteByte('\n')
	}
	return b.String()
}

// containerLogs is the end of every container log the kubelet wrote under the run
// directory's pod-logs/.
func containerLogs(runDir string, lines int) string {
	var b strings.Builder
	_ = filepath.WalkDir(filepath.Join(runDir, "pod-logs"), func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".log") {
			return nil
		}
		data, _ := os.ReadFile(p)
		all := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
		if len(all) > lines {
			all = all[len(all)-lines:]
		}
		fmt.Fprintf(&b, "--- %s\n%s\n", strings.TrimPrefix(p, runDir+"/"), strings.Join(all, "\n"))
		return nil
	})
	return b.String()
}

func helmBinary(t *testing.T, root string) string {
	t.Helper()
	if p := filepath.Join(root, "bin", "helm"); fileExists(p) {
		return p
	}
	if p, err := exec.LookPath("helm"); err == nil {
		return p
	}
	t.Fatal("helm is missing: run make bin/helm")
	return ""
}

func repoRoot(t *testing.T) string {
	t.Helper()
	root, err := kubetest.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	return root
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

func keys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func contains(list []string, s string) bool {
	for _, e := range list {
		if e == s {
			return true
		}
	}
	return false
}

func firstLine(s string) string {
	l, _, _ := strings.Cut(s, "\n")
	if len(l) > 240 {
		l = l[:240] + "..."
	}
	return l
}
