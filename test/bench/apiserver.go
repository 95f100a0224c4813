package main

import (
	"context"
	"crypto/x509"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/util/flowcontrol"

	"github.com/apiguard/apiguard/internal/kubetest"
	"github.com/apiguard/apiguard/pkg/server"
)

// apiserverResult compares creating Ingresses through the real API server in a namespace
// the webhook guards with one it does not.
type apiserverResult struct {
	Creates   int       `json:"creates"`
	Guarded   latencies `json:"guarded"`
	Unguarded latencies `json:"unguarded"`
	// Null is a third namespace guarded by the null webhook, registered as the webhook
	// is (validating and mutating): the API server's own cost of calling out twice.
	Null latencies `json:"null"`
	// NullAddedP50 and NullAddedP99 are null minus unguarded: the floor under AddedP50
	// that no webhook on this machine can go below.
	NullAddedP50 time.Duration `json:"null_added_p50_ns"`
	NullAddedP99 time.Duration `json:"null_added_p99_ns"`
	// AddedP50 and AddedP99 are guarded minus unguarded: what the webhook costs per write.
	AddedP50 time.Duration `json:"added_p50_ns"`
	AddedP99 time.Duration `json:"added_p99_ns"`
	// InWebhook is the mean time per create the webhook spent deciding (its own
	// apiguard_admission_duration_seconds, validate plus mutate): what of the added time
	// is ours, the rest being the API server's calls out (encoding, TLS, HTTP).
	InWebhook time.Duration `json:"in_webhook_mean_ns"`
}

const guardLabel = "apiguard.io/bench"

// runAPIServer starts the e2e control plane with the webhook registered (validating and
// mutating, as the chart registers them) for namespaces labelled guardLabel, then creates
// n Ingresses in a guarded and n in an unguarded namespace, alternating one by one so
// both see the same machine. Each create is timed alone, from the client.
func runAPIServer(ctx context.Context, log io.Writer, root string, n int) (apiserverResult, error) {
	res := apiserverResult{Creates: n}
	fmt.Fprintln(log, "apiserver: starting etcd, kube-apiserver and the webhook")
	stack, err := kubetest.StartStack(ctx, kubetest.StackOptions{
		WebhookBinary: filepath.Join(root, "bin", "webhook"),
		PolicyDir:     filepath.Join(root, "policies"),
		WebhookArgs:   []string{"--data-file", filepath.Join(root, "test", "examples-config.yaml")},
		GuardLabel:    guardLabel, GuardValue: "on",
	})
	if err != nil {
		return res, err
	}
	defer stack.Stop()
	cfg := stack.Cluster.RESTConfig()
	// Client-side throttling would time the limiter, not the server.
	cfg.RateLimiter = flowcontrol.NewFakeAlwaysRateLimiter()
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return res, err
	}
	stopNull, err := registerNullWebhook(ctx, stack)
	if err != nil {
		return res, err
	}
	defer stopNull()
	guarded, unguarded, nullGuarded := "bench-guarded", "bench-unguarded", "bench-null"
	for ns, labels := range map[string]map[string]string{guarded: {guardLabel: "on"}, unguarded: nil, nullGuarded: {guardLabel: nullGuardValue}} {
		if _, err := cs.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns, Labels: labels}}, metav1.CreateOptions{}); err != nil {
			return res, err
		}
	}
	if err := waitGuarded(ctx, cs, guarded); err != nil {
		return res, err
	}
	create := func(ns string, i int) (time.Duration, error) {
		start := time.Now()
		got, err := cs.NetworkingV1().Ingresses(ns).Create(ctx, benchIngress(ns, i), metav1.CreateOptions{})
		elapsed := time.Since(start)
		if err != nil {
			return 0, fmt.Errorf("create Ingress %d in %s: %w", i, ns, err)
		}
		// The mutating webhook adds HSTS (hsts: true in the examples configuration): proof
		// it ran for the guarded namespace, and did not for the others.
		_, mutated := got.Annotations["nginx.ingress.kubernetes.io/hsts"]
		if mutated != (ns == guarded) {
			return 0, fmt.Errorf("Ingress %d in %s: mutated=%v, want %v", i, ns, mutated, ns == guarded)
		}
		return elapsed, nil
	}
	decided := func() (float64, error) {
		total := 0.0
		for _, webhook := range []string{"mutate", "validate"} {
			v, err := stack.Webhook.Metric(`apiguard_admission_duration_seconds_sum{webhook="` + webhook + `"}`)
			if err != nil {
				return 0, err
			}
			total += v
		}
		return total, nil
	}
	fmt.Fprintf(log, "apiserver: creating %d Ingresses in each namespace\n", n)
	var decidedBefore float64
	const warmup = 20
	var g, u, z []time.Duration
	orders := [][]string{
		{guarded, unguarded, nullGuarded}, {unguarded, nullGuarded, guarded}, {nullGuarded, guarded, unguarded},
	}
	for i := range n + warmup {
		for _, ns := range orders[i%len(orders)] {
			d, err := create(ns, i)
			if err != nil {
				return res, err
			}
			if i < warmup {
				continue
			}
			if i == warmup && len(g) == 0 && len(u) == 0 && len(z) == 0 {
				if decidedBefore, err = decided(); err != nil {
					return res, err
				}
			}
			switch ns {
			case guarded:
				g = append(g, d)
			case nullGuarded:
				z = append(z, d)
			default:
				u = append(u, d)
			}
		}
	}
	decidedAfter, err := decided()
	if err != nil {
		return res, err
	}
	res.InWebhook = time.Duration((decidedAfter - decidedBefore) / float64(n) * float64(time.Second))
	res.Guarded, res.Unguarded, res.Null = summarize(g), summarize(u), summarize(z)
	res.AddedP50 = res.Guarded.P50 - res.Unguarded.P50
	res.AddedP99 = res.Guarded.P99 - res.Unguarded.P99
	res.NullAddedP50 = res.Null.P50 - res.Unguarded.P50
	res.NullAddedP99 = res.Null.P99 - res.Unguarded.P99
	return res, nil
}

const nullGuardValue = "null"

// registerNullWebhook starts the null webhook (this binary, -serve-null) and registers
// it as the stack registers apiguard, validating and mutating with the same rules, for
// the namespaces labelled guardLabel=null. It returns a function stopping both.
func registerNullWebhook(ctx context.Context, stack *kubetest.Stack) (stop func(), err error) {
	dir, err := os.MkdirTemp("", "apiguard-bench-null-")
	if err != nil {
		return nil, err
	}
	stop = func() { os.RemoveAll(dir) }
	defer func() {
		if err != nil {
			stop()
		}
	}()
	ca, err := server.WriteSelfSigned(dir, server.SelfSignedOptions{})
	if err != nil {
		return nil, err
	}
	self, err := os.Executable()
	if err != nil {
		return nil, err
	}
	port, err := kubetest.FreePort()
	if err != nil {
		return nil, err
	}
	addr := "127.0.0.1:" + strconv.Itoa(port)
	proc, err := startServerProc("null webhook", self, "-serve-null", addr, "-cert-dir", dir)
	if err != nil {
		return nil, err
	}
	stop = func() { _ = proc.stop(); os.RemoveAll(dir) }
	roots := x509.NewCertPool()
	roots.AppendCertsFromPEM(ca)
	if err := proc.waitReady(ctx, newLoadClient(roots, 1), "https://"+addr+"/healthz"); err != nil {
		return nil, err
	}
	unregister, err := kubetest.Register(ctx, stack.Client, kubetest.Registration{
		Name: "bench-null", URL: "https://" + addr, CABundle: ca,
		ValidateRules:     kubetest.ExposureRules(admissionregistrationv1.Create, admissionregistrationv1.Update, admissionregistrationv1.Delete),
		MutateRules:       kubetest.ExposureRules(admissionregistrationv1.Create, admissionregistrationv1.Update),
		NamespaceSelector: &metav1.LabelSelector{MatchLabels: map[string]string{guardLabel: nullGuardValue}},
		TimeoutSeconds:    5,
	})
	if err != nil {
		return nil, err
	}
	stopProc := stop
	return func() { _ = unregister(context.Background()); stopProc() }, nil
}

// waitGuarded waits until the API server calls the webhook for ns: it loads webhook
// configurations asynchronously after they are created.
func waitGuarded(ctx context.Context, cs kubernetes.Interface, ns string) error {
	probe := benchIngress(ns, -1)
	probe.Spec.TLS = nil
	deadline := time.Now().Add(30 * time.Second)
	for {
		_, err := cs.NetworkingV1().Ingresses(ns).Create(ctx, probe, metav1.CreateOptions{DryRun: []string{metav1.DryRunAll}})
		if err != nil && strings.Contains(err.Error(), "ingress.require_tls") {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("the webhook does not judge namespace %s: last answer %v", ns, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// benchIngress is an Ingress every library policy admits, with its own host.
func benchIngress(ns string, i int) *networkingv1.Ingress {
	name := fmt.Sprintf("app-%05d", i)
	if i < 0 {
		name = "probe"
	}
	host := name + "." + ns + ".example.com"
	class := "nginx"
	prefix := networkingv1.PathTypePrefix
	return &networkingv1.Ingress{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns, Labels: map[string]string{"app.kubernetes.io/owner": ns}},
		Spec: networkingv1.IngressSpec{
			IngressClassName: &class,
			TLS:              []networkingv1.IngressTLS{{Hosts: []string{host}, SecretName: name + "-tls"}},
			Rules: []networkingv1.IngressRule{{Host: host, IngressRuleValue: networkingv1.IngressRuleValue{HTTP: &networkingv1.HTTPIngressRuleValue{
				Paths: []networkingv1.HTTPIngressPath{{Path: "/", PathType: &prefix, Backend: networkingv1.IngressBackend{
					Service: &networkingv1.IngressServiceBackend{Name: name, Port: networkingv1.ServiceBackendPort{Number: 8080}},
				}}},
			}}}},
		},
	}
}
