package e2e

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/apiguard/apiguard/internal/gittest"
	"github.com/apiguard/apiguard/internal/kubetest"
	"github.com/apiguard/apiguard/pkg/audit"
	"github.com/apiguard/apiguard/pkg/fleet"
	"github.com/apiguard/apiguard/pkg/manifest"
)

// fleetPolicy is in the second revision only: it denies Services labelled
// fleet-drift=yes, which both clusters have.
const fleetPolicy = `# METADATA
# title: No fleet-drift Services (e2e)
# custom:
#   kinds: [Service]
package e2e.fleet

deny contains "labelled fleet-drift" if {
	input.request.operation in {"CREATE", "UPDATE", "AUDIT"}
	input.request.object.metadata.labels["fleet-drift"] == "yes"
}
`

func fleetService(t *testing.T, cs kubernetes.Interface, ns string) {
	t.Helper()
	ctx := context.Background()
	if _, err := cs.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	svc := &corev1.Service{ObjectMeta: metav1.ObjectMeta{Name: "drifting", Namespace: ns, Labels: map[string]string{"fleet-drift": "yes"}},
		Spec: corev1.ServiceSpec{Ports: []corev1.ServicePort{{Port: 80}}}}
	if _, err := cs.CoreV1().Services(ns).Create(ctx, svc, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
}

// TestStatusAcrossClusters: two API servers (two etcd and kube-apiserver pairs), each
// with a webhook following the same Git repository, one pinned to the first revision
// and one on the branch's head. `apiguard status` reports the revisions apart and the
// findings of the policy only the newer revision has.
func TestStatusAcrossClusters(t *testing.T) {
	ctx := context.Background()
	second, secondCS := kubetest.StartForTest(t)

	srv := gittest.NewServer(t, gittest.ServerOptions{})
	repo := srv.NewRepo(t, "policies")
	repo.WriteTree(filepath.Join(testEnv.root, "policies"), "policies")
	old := repo.Commit("bundled library")
	repo.Write("policies/e2e/fleet.rego", fleetPolicy)
	head := repo.Commit("no fleet-drift Services")
	repo.Push()

	ns := fmt.Sprintf("fleet-%d", time.Now().UnixNano()%100000)
	fleetService(t, testEnv.cs, ns)
	fleetService(t, secondCS, ns)
	ensureNamespace(t, auditLeaseNamespace)
	if _, err := secondCS.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: auditLeaseNamespace}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	start := func(kubeconfig, ref string) *kubetest.Webhook {
		wh, err := kubetest.StartWebhook(ctx, kubetest.WebhookOptions{Binary: testEnv.webhookBin,
			Args: auditArgs(kubeconfig, "fleet", "--git-url", repo.URL(), "--git-path", "policies", "--git-ref", ref)})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = wh.Stop() })
		waitAudit(t, wh, 60*time.Second, func(p audit.Page, _ []audit.Entry) error { return nil })
		return wh
	}
	pinned := start(testEnv.stack.Cluster.Kubeconfig(), old)
	following := start(second.Kubeconfig(), "main")

	cli := exec.Command(testEnv.cliBin, "status", "--url", "prod-a="+pinned.HealthURL, "--url", "prod-b="+following.HealthURL, "-o", "json", "--fail-on-drift")
	out, err := cli.Output()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 1 {
		t.Fatalf("exit %v (want 1: drift with --fail-on-drift); stderr %s", err, stderrOf(err))
	}
	var view fleet.View
	if err := json.Unmarshal(out, &view); err != nil {
		t.Fatal(err)
	}
	if len(view.Clusters) != 2 || view.Clusters[0].Revision != old || view.Clusters[1].Revision != head {
		t.Fatalf("clusters %+v", view.Clusters)
	}
	for _, c := range view.Clusters {
		if c.Error != "" || c.Audit == nil || c.Audit.Objects == 0 || c.Audit.Revision != c.Revision || c.Source == "" || c.Staleness == "" || c.Stale {
			t.Errorf("cluster %s: %+v audit %+v", c.Name, c, c.Audit)
		}
	}
	var revision, findings *fleet.Drift
	for i, d := range view.Drift {
		switch {
		case d.Kind == "revision":
			revision = &view.Drift[i]
		case d.Kind == "findings" && d.Policy == "e2e.fleet":
			findings = &view.Drift[i]
		}
	}
	if revision == nil || revision.Clusters["prod-a"] != old[:7] || revision.Clusters["prod-b"] != head[:7] {
		t.Errorf("revision drift %+v in %+v", revision, view.Drift)
	}
	if findings == nil || findings.Action != "deny" || findings.Clusters["prod-a"] != "0" || findings.Clusters["prod-b"] != "1" {
		t.Errorf("findings drift %+v in %+v", findings, view.Drift)
	}

	text, err := exec.Command(testEnv.cliBin, "status", "--url", "prod-a="+pinned.HealthURL, "--url", "prod-b="+following.HealthURL).Output()
	if err != nil {
		t.Fatalf("text: %v %s", err, stderrOf(err))
	}
	for _, want := range []string{"prod-a", old[:7] + "*", head[:7] + "*", "e2e.fleet (deny)", "Drift:", "clusters run different policy revisions"} {
		if !strings.Contains(string(text), want) {
			t.Errorf("missing %q in:\n%s", want, text)
		}
	}
	t.Logf("apiguard status:\n%s", text)
}

// hostIPv4 is a non-loopback IPv4 address of this machine. The API server proxies only
// to addresses an EndpointSlice may hold, and loopback is not one of them.
func hostIPv4(t *testing.T) net.IP {
	t.Helper()
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range addrs {
		if n, ok := a.(*net.IPNet); ok && n.IP.To4() != nil && !n.IP.IsLoopback() && !n.IP.IsLinkLocalUnicast() {
			return n.IP.To4()
		}
	}
	t.Fatal("this machine has no non-loopback IPv4 address for the API server's service proxy to reach")
	return nil
}

// forward accepts on ip and relays each connection to target, standing in for the pod
// network between the API server and a webhook pod.
func forward(t *testing.T, ip net.IP, target string) int {
	t.Helper()
	ln, err := net.Listen("tcp", net.JoinHostPort(ip.String(), "0"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				up, err := net.Dial("tcp", target)
				if err != nil {
					return
				}
				defer up.Close()
				go func() { _, _ = io.Copy(up, c) }()
				_, _ = io.Copy(c, up)
			}()
		}
	}()
	return ln.Addr().(*net.TCPAddr).Port
}

// TestStatusThroughServiceProxy takes the real path of `apiguard status`: the API
// server's service proxy to the chart's Service, authorized by the chart's
// status-reader Role. There is no kubelet or endpoints controller, so the test stands
// in for them: a Pod object whose status holds this machine's address, and the
// Service's EndpointSlice pointing at a relay to the webhook's health listener.
func TestStatusThroughServiceProxy(t *testing.T) {
	ctx := context.Background()
	ensureNamespace(t, chartNamespace)
	// The chart's Service (with its "status" port) and status-reader Role, bound to a
	// reader as statusReaders does. Only these: other tests own the rest of the release.
	var docs []manifest.Document
	for _, d := range render(t, []string{"default.yaml"},
		"statusReaders[0].kind=ServiceAccount", "statusReaders[0].name=fleet-reader", "statusReaders[0].namespace="+chartNamespace) {
		if d.Kind() == "Service" || strings.HasSuffix(d.Name(), "-status-reader") {
			docs = append(docs, d)
		}
	}
	if len(docs) != 3 {
		t.Fatalf("want the Service, the Role and the RoleBinding, got %d documents", len(docs))
	}
	applyChart(t, docs)
	wh, err := kubetest.StartWebhook(ctx, kubetest.WebhookOptions{Binary: testEnv.webhookBin, PolicyDir: filepath.Join(testEnv.root, "policies"),
		Args: []string{"--kubeconfig", testEnv.stack.Cluster.Kubeconfig(), "--namespace", chartNamespace, "--audit-lease-name", "chart-e2e-apiguard-audit", "--audit-interval", "1h"}})
	if err != nil {
		t.Fatal(err)
	}
	defer wh.Stop()
	waitAudit(t, wh, 60*time.Second, func(audit.Page, []audit.Entry) error { return nil })

	ip := hostIPv4(t)
	port := forward(t, ip, strings.TrimPrefix(wh.HealthURL, "http://"))
	pods := testEnv.cs.CoreV1().Pods(chartNamespace)
	pod, err := pods.Create(ctx, &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "chart-e2e-apiguard-proxy", Labels: map[string]string{"app.kubernetes.io/name": "apiguard", "app.kubernetes.io/instance": "chart-e2e"}},
		Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "webhook", Image: "apiguard:e2e"}}},
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer pods.Delete(context.Background(), pod.Name, metav1.DeleteOptions{})
	pod.Status.PodIP, pod.Status.PodIPs = ip.String(), []corev1.PodIP{{IP: ip.String()}}
	if _, err := pods.UpdateStatus(ctx, pod, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	ready, portName, proto := true, "status", corev1.ProtocolTCP
	portNum := int32(port)
	slices := testEnv.cs.DiscoveryV1().EndpointSlices(chartNamespace)
	slice, err := slices.Create(ctx, &discoveryv1.EndpointSlice{
		ObjectMeta:  metav1.ObjectMeta{Name: "chart-e2e-apiguard-proxy", Labels: map[string]string{discoveryv1.LabelServiceName: "chart-e2e-apiguard"}},
		AddressType: discoveryv1.AddressTypeIPv4,
		Endpoints: []discoveryv1.Endpoint{{Addresses: []string{ip.String()}, Conditions: discoveryv1.EndpointConditions{Ready: &ready},
			TargetRef: &corev1.ObjectReference{Kind: "Pod", Namespace: chartNamespace, Name: pod.Name, UID: pod.UID}}},
		Ports: []discoveryv1.EndpointPort{{Name: &portName, Port: &portNum, Protocol: &proto}},
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer slices.Delete(context.Background(), slice.Name, metav1.DeleteOptions{})

	status := func(kubeconfig string) (fleet.View, error) {
		out, err := exec.Command(testEnv.cliBin, "status", "--kubeconfig", kubeconfig, "--context", "sa",
			"--namespace", chartNamespace, "--service", "chart-e2e-apiguard", "-o", "json").Output()
		var v fleet.View
		if jerr := json.Unmarshal(out, &v); jerr != nil {
			return v, fmt.Errorf("%v: %s %s", jerr, out, stderrOf(err))
		}
		if err != nil {
			return v, fmt.Errorf("%w: %s", err, stderrOf(err))
		}
		return v, nil
	}
	reader := kubeconfigForServiceAccount(t, chartNamespace, "fleet-reader")
	var view fleet.View
	// The API server learns of the EndpointSlice through its informer.
	eventually(t, 30*time.Second, func() error {
		var err error
		view, err = status(reader)
		return err
	})
	c := view.Clusters[0]
	if c.Name != "sa" || !strings.Contains(c.Endpoint, "services/http:chart-e2e-apiguard:status/proxy") || c.Revision == "" || c.Audit == nil || c.Audit.Objects == 0 {
		t.Errorf("through the proxy: %+v audit %+v", c, c.Audit)
	}

	// Without the chart's binding the API server refuses the proxy: exit 2, saying so.
	stranger := kubeconfigForServiceAccount(t, chartNamespace, "fleet-stranger")
	view, err = status(stranger)
	if err == nil || len(view.Clusters) != 1 || !strings.Contains(view.Clusters[0].Error, "forbidden") {
		t.Errorf("a subject without the Role: err %v, view %+v", err, view.Clusters)
	}
	if !strings.Contains(fmt.Sprint(err), "exit status 2") {
		t.Errorf("exit: %v", err)
	}
}
