// Package pods is the end-to-end test through real pods: the project's Helm chart,
// installed as `helm install` does, runs its Deployment as containers on a real
// kubelet with containerd and runc (internal/kubelettest), from the image `make image`
// builds (tools/image, internal/image), imported into containerd. It checks what only
// a real runtime can show:
//   - the chart installs with no values (the library built into the image), all
//     replicas go Ready, and the running containers hold the hardening: uid 65532, no
//     capabilities, the runtime's seccomp filter, no_new_privs, a read-only root;
//   - the self-managed TLS: the webhook configurations get the CA bundle and the API
//     server calls the pods through the Service the chart registers (warn stage:
//     admitted with a warning);
//   - one pod deleted under load fails no admission request (failurePolicy Fail);
//   - a drain: the PodDisruptionBudget lets one pod go while its replacement cannot
//     be scheduled;
//   - upgrades to enforcement deny, to a Git source served on the pod bridge, and to a
//     ConfigMap holding the library: the pods roll, report the source, and deny;
//   - helm uninstall leaves no webhook configuration behind.
//
// It needs root, containerd, runc and the CNI plugins (test/scripts/node-deps.sh) and
// the kubelet, kube-controller-manager and kube-scheduler (test/scripts/e2e-bins.sh
// node; `make go-test` runs both). Without root it skips, except in CI (CI=true,
// testenv.Missing), where it fails, as does every part that cannot start, with the reason.
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
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/yaml"

	"github.com/apiguard/apiguard/internal/gittest"
	"github.com/apiguard/apiguard/internal/image"
	"github.com/apiguard/apiguard/internal/kubelettest"
	"github.com/apiguard/apiguard/internal/kubetest"
	"github.com/apiguard/apiguard/internal/testenv"
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
	testenv.Integration(t, testenv.ControlPlane+" and a node (kubelet, containerd)")
	start := time.Now()
	if os.Geteuid() != 0 {
		testenv.Missing(t, "test/pods needs root (a kubelet, containerd and runc run real pods)")
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
	diagnosed := false
	diagnose := func() { // once, before the teardown removes the pods
		if !t.Failed() || diagnosed {
			return
		}
		diagnosed = true
		t.Logf("pods:\n%s", podSummary(ctx, cs))
		t.Logf("kubelet log tail:\n%s", cluster.LogTail("kubelet", 30))
		t.Logf("webhook container logs:\n%s", containerLogs(cluster.RunDir(), 20))
	}
	defer diagnose()

	// 2. The chart, installed as `helm install` does: with no values at all when the
	// chart has a default policy source (the library built into the image), else with
	// the bundled library in a ConfigMap (policies.configMap).
	for _, ns := range []string{releaseNS, guardedNS} {
		if _, err := cs.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := cs.CoreV1().ConfigMaps(releaseNS).Create(ctx, libraryConfigMap(t, root), metav1.CreateOptions{}); err != nil {
		t.Fatalf("create the policy ConfigMap: %v", err)
	}
	h := &helmRelease{t: t, helm: helm, chart: filepath.Join(root, "charts", "apiguard"), kubeconfig: cluster.Kubeconfig()}
	configMapSource := []string{"policies.configMap=" + policyCM}
	var values []string
	if !h.rendersWithoutValues(ctx) {
		t.Logf("the chart needs a policy source (no built-in default yet): installing with %v", configMapSource)
		values = configMapSource
	}
	s = time.Now()
	h.run(ctx, "install", values...)
	dep := waitDeploymentReady(ctx, t, cs, releaseNS, release, 3*time.Minute)
	tm.record(fmt.Sprintf("helm install to %d/%d replicas Ready", dep.Status.ReadyReplicas, *dep.Spec.Replicas), time.Since(s))
	if *dep.Spec.Replicas != 3 {
		t.Errorf("the chart's default replica count is %d, want 3", *dep.Spec.Replicas)
	}

	// 3. The hardening, as the running containers have it.
	pods := releasePods(ctx, t, cs)
	for _, p := range pods {
		checkHardening(ctx, t, cluster, p)
	}
	logSources(ctx, t, pods, 10)

	// 4. The self-managed TLS: the webhook configurations get the CA bundle, and the API
	// server calls the pods through the Service the chart registers.
	s = time.Now()
	waitCABundles(ctx, t, cs, time.Minute)
	tm.record("CA bundle in the webhook configurations", time.Since(s))
	warnFirst := chartDefault(t, root, "enforcement") == "warn"
	if warnFirst {
		// The first install's stage: what a policy would deny is admitted with a warning.
		checkWarned(ctx, t, cluster, "an Ingress without TLS", "ingress.require_tls")
	} else {
		checkDenials(ctx, t, cs)
	}

	// 5. One pod deleted under load: with failurePolicy Fail no request may fail.
	checkPodDeletionUnderLoad(ctx, t, tm, cluster, warnFirst)

	// 6. A drain: the PodDisruptionBudget lets one pod go at a time.
	checkDrain(ctx, t, tm, cs)

	// 7. Upgrades: to enforcement deny, then to a Git source on the host's bridge address,
	// then to the ConfigMap source; the pods roll each time and the denials follow.
	var stage []string
	if chartDefault(t, root, "enforcement") != "" {
		stage = []string{"enforcement=deny"}
		s = time.Now()
		h.run(ctx, "upgrade", append(stage, values...)...)
		waitRolled(ctx, t, cs, dep)
		tm.record("upgrade to enforcement deny, rolled", time.Since(s))
		checkDenials(ctx, t, cs)
	} else {
		t.Log("the chart has no enforcement value: the upgrade to deny is not applicable")
	}
	git := gittest.NewServer(t, gittest.ServerOptions{Host: kubelettest.BridgeIP})
	repo := git.NewRepo(t, "policies")
	repo.WriteTree(filepath.Join(root, "policies"), "policies")
	repo.Commit("the bundled library")
	repo.Push()
	s = time.Now()
	h.run(ctx, "upgrade", append(stage, "policies.git.url="+repo.URL(), "policies.git.path=policies", "policies.git.interval=10s")...)
	waitRolled(ctx, t, cs, dep)
	tm.record("upgrade to a Git source, rolled", time.Since(s))
	for _, p := range logSources(ctx, t, releasePods(ctx, t, cs), 10) {
		if !strings.Contains(p.Source, repo.URL()) {
			t.Errorf("after the upgrade to Git a pod reports source %q, want %s", p.Source, repo.URL())
		}
	}
	checkDenials(ctx, t, cs)
	s = time.Now()
	h.run(ctx, "upgrade", append(stage, configMapSource...)...)
	waitRolled(ctx, t, cs, dep)
	tm.record("upgrade to the ConfigMap source, rolled", time.Since(s))
	for _, p := range logSources(ctx, t, releasePods(ctx, t, cs), 10) {
		if !strings.HasPrefix(p.Source, "dir:") {
			t.Errorf("after the upgrade to the ConfigMap a pod reports source %q, want dir:/etc/apiguard/policies", p.Source)
		}
	}
	checkDenials(ctx, t, cs)
	// A secure object goes through the same path and is admitted.
	if _, err := cs.CoreV1().Services(guardedNS).Create(ctx, &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Name: "internal", Labels: map[string]string{"app.kubernetes.io/name": "internal", "app.kubernetes.io/owner": "team-demo"}},
		Spec:       corev1.ServiceSpec{Ports: []corev1.ServicePort{{Port: 80}}, Selector: map[string]string{"app": "internal"}},
	}, metav1.CreateOptions{}); err != nil {
		t.Errorf("a ClusterIP Service was not admitted: %v", err)
	}

	// 8. Uninstall: nothing of the release is left to block the cluster.
	s = time.Now()
	h.run(ctx, "uninstall", "--wait", "--timeout", "2m")
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

// checkDenials: an Ingress without TLS and a NodePort Service are denied by the pods.
func checkDenials(ctx context.Context, t *testing.T, cs kubernetes.Interface) {
	t.Helper()
	dryRun := metav1.CreateOptions{DryRun: []string{metav1.DryRunAll}}
	checkDenied(ctx, t, "an Ingress without TLS", "ingress.require_tls", func() error {
		_, err := cs.NetworkingV1().Ingresses(guardedNS).Create(ctx, plainIngress(), dryRun)
		return err
	})
	checkDenied(ctx, t, "a NodePort Service", "service.no_nodeport", func() error {
		_, err := cs.CoreV1().Services(guardedNS).Create(ctx, nodePortService(), dryRun)
		return err
	})
}

// checkWarned: in the warn stage the Ingress is admitted (a server-side dry run) with
// a warning that names the policy.
func checkWarned(ctx context.Context, t *testing.T, cluster *kubelettest.Cluster, what, policy string) {
	t.Helper()
	warnings := &kubetest.Warnings{}
	cfg := cluster.RESTConfig()
	cfg.WarningHandler = warnings
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cs.NetworkingV1().Ingresses(guardedNS).Create(ctx, plainIngress(), metav1.CreateOptions{DryRun: []string{metav1.DryRunAll}}); err != nil {
		t.Errorf("enforcement warn: %s was refused: %v", what, err)
		return
	}
	got := warnings.Take()
	for _, w := range got {
		if strings.Contains(w, policy) {
			t.Logf("enforcement warn: %s admitted with the warning %q", what, firstLine(w))
			return
		}
	}
	t.Errorf("enforcement warn: %s admitted without a warning naming %s (warnings: %q)", what, policy, got)
}

// checkPodDeletionUnderLoad deletes one webhook pod (its normal graceful shutdown)
// while clients send admission requests (server-side dry runs of an Ingress without
// TLS) and counts the requests that failed: the validating webhook's failurePolicy is
// Fail, so every request the API server could not get a verdict for is a failure.
func checkPodDeletionUnderLoad(ctx context.Context, t *testing.T, tm *timings, cluster *kubelettest.Cluster, warn bool) {
	cs := cluster.Client
	t.Helper()
	const workers = 4
	victim := releasePods(ctx, t, cs)[0]
	// The load's client drops the warn stage's warnings (client-go would print each).
	cfg := cluster.RESTConfig()
	cfg.WarningHandler = rest.NoWarnings{}
	loadClient, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	loadCtx, stopLoad := context.WithCancel(ctx)
	results := make(chan loadResult, workers)
	for range workers {
		go func() { results <- sendLoad(loadCtx, loadClient, warn) }()
	}
	time.Sleep(2 * time.Second) // load before the deletion
	s := time.Now()
	if err := cs.CoreV1().Pods(releaseNS).Delete(ctx, victim.Name, metav1.DeleteOptions{}); err != nil {
		stopLoad()
		t.Fatalf("delete pod %s: %v", victim.Name, err)
	}
	// Load goes on until the pod is gone and its replacement Ready.
	waitPodGone(ctx, t, cs, victim.Name, 2*time.Minute)
	waitDeploymentReady(ctx, t, cs, releaseNS, release, 2*time.Minute)
	replaced := time.Since(s)
	time.Sleep(2 * time.Second)
	stopLoad()
	var total loadResult
	for range workers {
		total.add(<-results)
	}
	tm.record("pod deletion: gone and replaced", replaced)
	t.Logf("pod deletion under load: %d requests, %d failed, p50 %s, p99 %s, max %s",
		total.requests, len(total.failures), total.percentile(50), total.percentile(99), total.percentile(100))
	if total.requests < 20 {
		t.Errorf("only %d requests were sent during the pod deletion", total.requests)
	}
	if len(total.failures) > 0 {
		shown := total.failures
		if len(shown) > 5 {
			shown = shown[:5]
		}
		t.Errorf("%d of %d admission requests failed while pod %s was deleted (failurePolicy Fail permits none), e.g.:\n%s",
			len(total.failures), total.requests, victim.Name, strings.Join(shown, "\n"))
	}
}

// loadResult counts one worker's requests.
type loadResult struct {
	requests  int
	failures  []string
	latencies []time.Duration
}

func (r *loadResult) add(o loadResult) {
	r.requests += o.requests
	r.failures = append(r.failures, o.failures...)
	r.latencies = append(r.latencies, o.latencies...)
}

func (r *loadResult) percentile(p int) time.Duration {
	if len(r.latencies) == 0 {
		return 0
	}
	l := append([]time.Duration(nil), r.latencies...)
	sort.Slice(l, func(i, j int) bool { return l[i] < l[j] })
	i := (len(l) - 1) * p / 100
	return l[i].Round(time.Millisecond)
}

// sendLoad sends dry-run creates of an Ingress without TLS until ctx ends: each must
// come back denied by ingress.require_tls (or admitted, in the warn stage).
func sendLoad(ctx context.Context, cs kubernetes.Interface, warn bool) loadResult {
	var r loadResult
	dryRun := metav1.CreateOptions{DryRun: []string{metav1.DryRunAll}}
	for ctx.Err() == nil {
		s := time.Now()
		_, err := cs.NetworkingV1().Ingresses(guardedNS).Create(ctx, plainIngress(), dryRun)
		if ctx.Err() != nil {
			break
		}
		r.requests++
		r.latencies = append(r.latencies, time.Since(s))
		switch {
		case err == nil && warn:
		case err != nil && !warn && strings.Contains(err.Error(), "denied the request") && strings.Contains(err.Error(), "ingress.require_tls"):
		default:
			r.failures = append(r.failures, fmt.Sprintf("%s: %v", time.Now().Format("15:04:05.000"), err))
		}
		time.Sleep(20 * time.Millisecond)
	}
	return r
}

// checkDrain cordons the node and evicts every webhook pod as kubectl drain does:
// the PodDisruptionBudget (maxUnavailable 1) lets exactly one go, and refuses the
// others while its replacement cannot be scheduled; after uncordoning, all are Ready.
func checkDrain(ctx context.Context, t *testing.T, tm *timings, cs kubernetes.Interface) {
	t.Helper()
	s := time.Now()
	setUnschedulable(ctx, t, cs, true)
	uncordoned := false
	defer func() {
		if !uncordoned {
			setUnschedulable(ctx, t, cs, false)
		}
	}()
	pods := releasePods(ctx, t, cs)
	evicted := map[string]bool{}
	refused := 0
	// kubectl drain retries refused evictions: until one pod is evicted (the budget's
	// status may lag the previous step by a moment), then three more rounds in which the
	// budget must refuse every other pod while the replacement cannot be scheduled.
	deadline := time.Now().Add(time.Minute)
	for after := 0; after < 3; {
		for _, p := range pods {
			if evicted[p.Name] {
				continue // an evicted pod is terminating: evicting it again is always allowed
			}
			err := cs.PolicyV1().Evictions(releaseNS).Evict(ctx, &policyv1.Eviction{ObjectMeta: metav1.ObjectMeta{Name: p.Name, Namespace: releaseNS}})
			switch {
			case err == nil:
				evicted[p.Name] = true
			case apierrors.IsTooManyRequests(err):
				refused++
			default:
				t.Errorf("evict %s: %v", p.Name, err)
			}
		}
		if ready := readyPods(ctx, t, cs); ready < 2 {
			t.Errorf("during the drain only %d webhook pods are Ready; the PodDisruptionBudget (maxUnavailable 1) should keep 2", ready)
		}
		if len(evicted) > 0 {
			after++
		} else if time.Now().After(deadline) {
			t.Fatalf("no eviction allowed in a minute: the PodDisruptionBudget refuses every pod of a Ready 3/3 Deployment")
		}
		time.Sleep(time.Second)
	}
	if len(evicted) != 1 {
		t.Errorf("during the drain %d of %d pods were evicted (%v), want exactly 1 (PodDisruptionBudget maxUnavailable 1)", len(evicted), len(pods), keys(evicted))
	}
	t.Logf("drain: %d pod evicted, %d evictions refused by the PodDisruptionBudget while the replacement could not be scheduled (node cordoned)", len(evicted), refused)
	setUnschedulable(ctx, t, cs, false)
	uncordoned = true
	waitDeploymentReady(ctx, t, cs, releaseNS, release, 2*time.Minute)
	tm.record("drain and recovery to 3/3 Ready", time.Since(s))
}

func setUnschedulable(ctx context.Context, t *testing.T, cs kubernetes.Interface, on bool) {
	t.Helper()
	patch := fmt.Sprintf(`{"spec":{"unschedulable":%t}}`, on)
	if _, err := cs.CoreV1().Nodes().Patch(ctx, kubelettest.NodeName, types.StrategicMergePatchType, []byte(patch), metav1.PatchOptions{}); err != nil {
		t.Fatalf("set node unschedulable=%t: %v", on, err)
	}
}

func readyPods(ctx context.Context, t *testing.T, cs kubernetes.Interface) int {
	t.Helper()
	list, err := cs.CoreV1().Pods(releaseNS).List(ctx, metav1.ListOptions{LabelSelector: "app.kubernetes.io/instance=" + release})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, p := range list.Items {
		for _, c := range p.Status.Conditions {
			if c.Type == corev1.PodReady && c.Status == corev1.ConditionTrue && p.DeletionTimestamp == nil {
				n++
			}
		}
	}
	return n
}

func waitPodGone(ctx context.Context, t *testing.T, cs kubernetes.Interface, name string, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		_, err := cs.CoreV1().Pods(releaseNS).Get(ctx, name, metav1.GetOptions{})
		if apierrors.IsNotFound(err) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("pod %s still there after %s (err %v)", name, timeout, err)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// waitRolled waits until the Deployment has a new pod template (an upgrade changed it)
// and every replica runs it, Ready.
func waitRolled(ctx context.Context, t *testing.T, cs kubernetes.Interface, before *appsv1.Deployment) {
	t.Helper()
	deadline := time.Now().Add(3 * time.Minute)
	for {
		d, err := cs.AppsV1().Deployments(releaseNS).Get(ctx, release, metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if d.Generation > before.Generation {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the upgrade did not change the Deployment (generation %d)", d.Generation)
		}
		time.Sleep(200 * time.Millisecond)
	}
	d := waitDeploymentReady(ctx, t, cs, releaseNS, release, 3*time.Minute)
	*before = *d
}

// logSources logs each pod's policy source and count, fails those with fewer than
// min policies, and returns the statuses.
func logSources(ctx context.Context, t *testing.T, pods []corev1.Pod, min int) []policysync.Status {
	t.Helper()
	var out []policysync.Status
	for _, p := range pods {
		st := podStatus(ctx, t, p)
		out = append(out, st)
		if st.Counts.Policies < min {
			t.Errorf("pod %s: %d policies from %q, want at least %d", p.Name, st.Counts.Policies, st.Source, min)
			continue
		}
		t.Logf("pod %s: %d policies from %s, revision %s", p.Name, st.Counts.Policies, st.Source, st.ShortRevision)
	}
	return out
}

// helmRelease runs the helm binary on the release, as a user would.
type helmRelease struct {
	t                       *testing.T
	helm, chart, kubeconfig string
}

// run is `helm install|upgrade|uninstall` of the release with --set values.
func (h *helmRelease) run(ctx context.Context, verb string, sets ...string) {
	h.t.Helper()
	args := []string{verb, release}
	switch verb {
	case "install", "upgrade":
		args = append(args, h.chart)
		for _, s := range sets {
			args = append(args, "--set", s)
		}
	default:
		args = append(args, sets...)
	}
	args = append(args, "--namespace", releaseNS, "--kubeconfig", h.kubeconfig)
	if out, err := h.cmd(ctx, args...).CombinedOutput(); err != nil {
		h.t.Fatalf("helm %s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

// rendersWithoutValues reports whether `helm template` renders the chart with no values.
func (h *helmRelease) rendersWithoutValues(ctx context.Context) bool {
	return h.cmd(ctx, "template", release, h.chart, "--namespace", releaseNS).Run() == nil
}

func (h *helmRelease) cmd(ctx context.Context, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, h.helm, args...)
	cmd.Env = append(os.Environ(), "HELM_CACHE_HOME="+h.t.TempDir(), "HELM_CONFIG_HOME="+h.t.TempDir(), "HELM_DATA_HOME="+h.t.TempDir())
	return cmd
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

// chartDefault is the default of a top-level scalar in the chart's values.yaml, or ""
// when the chart has no such key.
func chartDefault(t *testing.T, root, key string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(root, "charts", "apiguard", "values.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var values map[string]any
	if err := yaml.Unmarshal(b, &values); err != nil {
		t.Fatal(err)
	}
	if v, ok := values[key]; ok {
		return fmt.Sprint(v)
	}
	return ""
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
// CA bundle and calls the chart's Service. (The API server then verifies the pods'
// certificate against that bundle for the Service's DNS name on every call.)
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
			} else if cc.Service.Namespace != releaseNS || cc.Service.Name != release {
				t.Fatalf("%s calls Service %s/%s, not the chart's %s/%s", name, cc.Service.Namespace, cc.Service.Name, releaseNS, release)
			}
		}
		if len(configs) > 0 && len(missing) == 0 {
			t.Logf("%d webhooks carry the CA bundle and call Service %s/%s", len(configs), releaseNS, release)
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
