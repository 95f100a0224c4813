package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Through the API server: Ingress creates in one namespace per engine, each namespace
// judged by that engine alone, and in one judged by none, alternating one by one so all
// see the same machine (as runAPIServer does for apiguard alone).

// peerCreateLabel selects the namespaces the harness registers one target for.
const peerCreateLabel = "bench.apiguard.io/peer"

// peerCreates is one target's creates through the API server.
type peerCreates struct {
	Name     string        `json:"name"`
	Latency  latencies     `json:"latency"`
	AddedP50 time.Duration `json:"added_p50_ns"`
	AddedP99 time.Duration `json:"added_p99_ns"`
}

type peerCreateResults struct {
	Creates   int           `json:"creates"`
	Unguarded latencies     `json:"unguarded"`
	Targets   []peerCreates `json:"targets"`
}

// runPeerCreates registers each policy engine of the stack for its own namespace (a
// validating webhook for Ingress CREATE and UPDATE, failurePolicy Fail, timeout 10 s, the
// target's own URL and CA), then creates n Ingresses in each of those namespaces and in
// one no webhook judges, round-robin, timing each create from the client. Kyverno's own
// webhook configurations select no namespace of this run (test/bench/peers/kyverno/
// config.yaml), so each namespace sees exactly one engine.
func runPeerCreates(ctx context.Context, log io.Writer, s *peerStack, n int) (peerCreateResults, error) {
	res := peerCreateResults{Creates: n}
	none := admissionregistrationv1.SideEffectClassNone
	fail := admissionregistrationv1.Fail
	equivalent := admissionregistrationv1.Equivalent
	timeout := int32(10)
	scope := admissionregistrationv1.NamespacedScope
	var names []string
	for _, t := range s.list {
		if t.name == targetNull {
			continue
		}
		names = append(names, t.name)
		ns := "create-" + t.name
		if _, err := s.cs.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns, Labels: map[string]string{peerCreateLabel: t.name}}}, metav1.CreateOptions{}); err != nil {
			return res, err
		}
		url := t.url
		cfg := &admissionregistrationv1.ValidatingWebhookConfiguration{
			ObjectMeta: metav1.ObjectMeta{Name: "bench-" + t.name},
			Webhooks: []admissionregistrationv1.ValidatingWebhook{{
				Name:         t.name + ".bench.apiguard.io",
				ClientConfig: admissionregistrationv1.WebhookClientConfig{URL: &url, CABundle: s.caBundles[t.name]},
				Rules: []admissionregistrationv1.RuleWithOperations{{
					Operations: []admissionregistrationv1.OperationType{admissionregistrationv1.Create, admissionregistrationv1.Update},
					Rule:       admissionregistrationv1.Rule{APIGroups: []string{"networking.k8s.io"}, APIVersions: []string{"v1"}, Resources: []string{"ingresses"}, Scope: &scope},
				}},
				FailurePolicy: &fail, MatchPolicy: &equivalent, SideEffects: &none, TimeoutSeconds: &timeout,
				AdmissionReviewVersions: []string{"v1"},
				NamespaceSelector:       &metav1.LabelSelector{MatchLabels: map[string]string{peerCreateLabel: t.name}},
			}},
		}
		if _, err := s.cs.AdmissionregistrationV1().ValidatingWebhookConfigurations().Create(ctx, cfg, metav1.CreateOptions{}); err != nil {
			return res, fmt.Errorf("register %s: %w", t.name, err)
		}
	}
	const unguarded = "create-none"
	if _, err := s.cs.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: unguarded}}, metav1.CreateOptions{}); err != nil {
		return res, err
	}
	// The API server loads webhook configurations asynchronously: wait until each
	// namespace's engine denies an Ingress without TLS.
	for _, name := range names {
		ns := "create-" + name
		probe := benchIngress(ns, -1)
		probe.Spec.TLS = nil
		deadline := time.Now().Add(30 * time.Second)
		for {
			_, err := s.cs.NetworkingV1().Ingresses(ns).Create(ctx, probe, metav1.CreateOptions{DryRun: []string{metav1.DryRunAll}})
			if err != nil && strings.Contains(err.Error(), "denied the request") {
				break
			}
			if time.Now().After(deadline) {
				return res, fmt.Errorf("%s does not judge namespace %s through the API server: last answer %v", name, ns, err)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	all := append(append([]string{}, names...), "")
	samples := map[string][]time.Duration{}
	const warmup = 20
	fmt.Fprintf(log, "peers: creating %d Ingresses through the API server in each of %d namespaces\n", n, len(all))
	for i := range n + warmup {
		for _, name := range rotateStrings(all, i) {
			ns := unguarded
			if name != "" {
				ns = "create-" + name
			}
			start := time.Now()
			if _, err := s.cs.NetworkingV1().Ingresses(ns).Create(ctx, benchIngress(ns, i), metav1.CreateOptions{}); err != nil {
				return res, fmt.Errorf("create Ingress %d in %s: %w", i, ns, err)
			}
			if i >= warmup {
				samples[name] = append(samples[name], time.Since(start))
			}
		}
	}
	res.Unguarded = summarize(samples[""])
	for _, name := range names {
		l := summarize(samples[name])
		res.Targets = append(res.Targets, peerCreates{Name: name, Latency: l,
			AddedP50: l.P50 - res.Unguarded.P50, AddedP99: l.P99 - res.Unguarded.P99})
	}
	return res, nil
}

func rotateStrings(s []string, r int) []string {
	k := r % len(s)
	return append(append([]string{}, s[k:]...), s[:k]...)
}
