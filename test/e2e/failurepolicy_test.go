package e2e

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/apiguard/apiguard/internal/kubetest"
)

// TestUndecidableRequestsFollowFailurePolicy runs a webhook whose policies fail at runtime
// or run past --eval-timeout. The webhook answers HTTP 5xx, so the API server applies the
// configured failurePolicy: Fail denies, Ignore admits (and the webhook counts it).
func TestUndecidableRequestsFollowFailurePolicy(t *testing.T) {
	ctx := context.Background()
	wh, err := kubetest.StartWebhook(ctx, kubetest.WebhookOptions{
		Binary:    testEnv.webhookBin,
		PolicyDir: filepath.Join(testEnv.root, "test/e2e/testdata/faulty"),
		Args:      []string{"--eval-timeout", "1s"},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer wh.Stop()

	for _, fp := range []admissionregistrationv1.FailurePolicyType{admissionregistrationv1.Fail, admissionregistrationv1.Ignore} {
		t.Run(string(fp), func(t *testing.T) {
			guard := "faulty-" + strings.ToLower(string(fp))
			ns := namespace(t, guard)
			unregister, err := kubetest.Register(ctx, testEnv.cs, kubetest.Registration{
				Name:              "apiguard-" + guard,
				URL:               wh.URL,
				CABundle:          wh.CABundle,
				FailurePolicy:     fp,
				ValidateRules:     kubetest.ExposureRules(admissionregistrationv1.Create),
				NamespaceSelector: &metav1.LabelSelector{MatchLabels: map[string]string{mainLabel: guard}},
				TimeoutSeconds:    5,
			})
			if err != nil {
				t.Fatal(err)
			}
			defer unregister(ctx)
			ingresses := testEnv.cs.NetworkingV1().Ingresses(ns)
			dry := metav1.CreateOptions{DryRun: []string{metav1.DryRunAll}}
			for _, name := range []string{"conflict", "slow"} {
				reason := map[string]string{"conflict": "eval_error", "slow": "timeout"}[name]
				before, _ := wh.Metric(`apiguard_admission_undecided_total{reason="` + reason + `",webhook="validate"}`)
				start := time.Now()
				var err error
				// Retry until the webhook has seen the request: the API server picks up a
				// new configuration asynchronously, and until then nothing calls us.
				eventually(t, 30*time.Second, func() error {
					_, err = ingresses.Create(ctx, ingress(ns, name, []string{name + ".example.com"}, []string{name + ".example.com"}), dry)
					after, _ := wh.Metric(`apiguard_admission_undecided_total{reason="` + reason + `",webhook="validate"}`)
					if after <= before {
						return errNotYet
					}
					return nil
				})
				elapsed := time.Since(start)
				switch fp {
				case admissionregistrationv1.Fail:
					if err == nil {
						t.Fatalf("%s: undecidable request admitted with failurePolicy Fail", name)
					}
					if !strings.Contains(err.Error(), "failed calling webhook") {
						t.Errorf("%s: err = %v, want a webhook call failure", name, err)
					}
					if strings.Contains(err.Error(), "denied the request") {
						t.Errorf("%s: webhook denied instead of failing: %v", name, err)
					}
				case admissionregistrationv1.Ignore:
					if err != nil {
						t.Fatalf("%s: undecidable request denied with failurePolicy Ignore: %v", name, err)
					}
				}
				// The eval deadline (1s) answers well inside the API server's 5s timeout.
				if name == "slow" && elapsed > 4500*time.Millisecond {
					t.Errorf("slow policy took %s; the webhook should give up after 1s", elapsed)
				}
			}
			if !strings.Contains(wh.Logs(), "cannot decide admission request") {
				t.Error("undecided requests were not logged")
			}
		})
	}
}

type notYet struct{}

func (notYet) Error() string { return "not yet" }

var errNotYet error = notYet{}

// TestWebhookRefusesBrokenPolicies: a syntax error or a forbidden builtin (network, host,
// trace) stops the webhook at start with file:row, and the CLI refuses the same tree the
// same way (exit 2).
func TestWebhookRefusesBrokenPolicies(t *testing.T) {
	cases := map[string]struct {
		src  string
		want []string
	}{
		"syntax error":       {src: "package broken\n\ndeny contains msg if {\n\tmsg := \n}\n", want: []string{"broken.rego:5", "unexpected"}},
		"http.send":          {src: "package broken\n\ndeny contains r.body if {\n\tr := http.send({\"method\": \"get\", \"url\": \"http://example.com\"})\n}\n", want: []string{"broken.rego:4", "http.send is not allowed"}},
		"net.lookup_ip_addr": {src: "package broken\n\ndeny contains \"dns\" if {\n\tcount(net.lookup_ip_addr(\"example.com\")) > 0\n}\n", want: []string{"broken.rego:4", "net.lookup_ip_addr is not allowed", "network access"}},
		"opa.runtime":        {src: "package broken\n\ndeny contains \"env\" if {\n\topa.runtime().env.HOME\n}\n", want: []string{"broken.rego:4", "opa.runtime is not allowed", "host environment"}},
		"trace":              {src: "package broken\n\ndeny contains \"x\" if {\n\ttrace(\"checking\")\n}\n", want: []string{"broken.rego:4", "trace is not allowed"}},
		// Rules, but none that decides: a source that would admit everything.
		"no policies": {src: "package lib.helpers\n\nhost(r) := r.host\n", want: []string{"no policies"}},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, "broken.rego"), []byte(tc.src), 0o644); err != nil {
				t.Fatal(err)
			}
			_, err := kubetest.StartWebhook(context.Background(), kubetest.WebhookOptions{Binary: testEnv.webhookBin, PolicyDir: dir, ReadyTimeout: 15 * time.Second})
			if err == nil {
				t.Fatal("webhook started with a broken policy tree")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("webhook error %q does not name %q", err, w)
				}
			}
			manifest := filepath.Join(t.TempDir(), "ing.yaml")
			_ = os.WriteFile(manifest, []byte("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n"), 0o644)
			out, err := exec.Command(testEnv.cliBin, "check", "--policy", dir, manifest).CombinedOutput()
			if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 2 {
				t.Fatalf("CLI: err = %v, want exit 2; output %s", err, out)
			}
			for _, w := range tc.want {
				if !strings.Contains(string(out), w) {
					t.Errorf("CLI output %q does not name %q", out, w)
				}
			}
		})
	}
}
