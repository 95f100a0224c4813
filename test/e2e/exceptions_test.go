package e2e

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml"

	"github.com/apiguard/apiguard/internal/kubetest"
	"github.com/apiguard/apiguard/pkg/audit"
)

// policyTreeWith copies the bundled library into a temporary tree and adds files to it.
func policyTreeWith(t *testing.T, files map[string]string) string {
	t.Helper()
	tree := filepath.Join(t.TempDir(), "policies")
	if err := os.CopyFS(tree, os.DirFS(filepath.Join(testEnv.root, "policies"))); err != nil {
		t.Fatal(err)
	}
	for name, content := range files {
		p := filepath.Join(tree, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return tree
}

// TestPolicyExceptionEverywhere: one PolicyException in the policy tree is honoured by
// the webhook (the Ingress is admitted with a warning naming it), by the audit (a skip
// entry naming it) and by `apiguard check` (exit 0, the finding shown as allowed by it);
// once its expiry passes, all three reject the same finding, with no reload: each reads
// the time when it evaluates. A malformed exception refuses its revision.
func TestPolicyExceptionEverywhere(t *testing.T) {
	ctx := context.Background()
	ns := namespace(t, "exceptions")
	expires := time.Now().Add(120 * time.Second).UTC().Truncate(time.Second)
	exception := `apiVersion: apiguard.io/v1alpha1
kind: PolicyException
metadata:
  name: legacy-partner
spec:
  policies: [ingress.require_tls]
  match:
    kinds: [networking.k8s.io/Ingress]
    namespaces: ["` + ns + `"]
    names: ["legacy*"]
  reason: the partner terminates TLS at its own load balancer until the migration
  ticket: SEC-1234
  expires: "` + expires.Format(time.RFC3339) + `"
`
	tree := policyTreeWith(t, map[string]string{"exceptions/legacy.yaml": exception})
	cfg := filepath.Join(testEnv.root, "test", "examples-config.yaml")

	wh, err := kubetest.StartWebhook(ctx, kubetest.WebhookOptions{Binary: testEnv.webhookBin, PolicyDir: tree, Args: []string{"--data-file", cfg}})
	if err != nil {
		t.Fatal(err)
	}
	defer wh.Stop()
	unregister, err := kubetest.Register(ctx, testEnv.cs, kubetest.Registration{
		Name: "apiguard-exceptions", URL: wh.URL, CABundle: wh.CABundle, FailurePolicy: admissionregistrationv1.Fail,
		ValidateRules:     kubetest.ExposureRules(admissionregistrationv1.Create, admissionregistrationv1.Update),
		NamespaceSelector: &metav1.LabelSelector{MatchLabels: map[string]string{mainLabel: "exceptions"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer unregister(ctx)

	seen := &warnings{}
	cs := clientAs(t, "admin", nil, seen)
	create := func(name string) error {
		_, err := cs.NetworkingV1().Ingresses(ns).Create(ctx, ingress(ns, name, []string{name + ".example.com"}, nil), metav1.CreateOptions{})
		return err
	}
	cli := func(name string) (int, string) {
		manifest, err := yaml.Marshal(ingress(ns, name, []string{name + ".example.com"}, nil))
		if err != nil {
			t.Fatal(err)
		}
		file := filepath.Join(t.TempDir(), name+".yaml")
		if err := os.WriteFile(file, append([]byte("apiVersion: networking.k8s.io/v1\nkind: Ingress\n"), manifest...), 0o644); err != nil {
			t.Fatal(err)
		}
		out, err := exec.CommandContext(ctx, testEnv.cliBin, "check", "--policy", tree, "--data", cfg, file).CombinedOutput()
		var exit *exec.ExitError
		if errors.As(err, &exit) {
			return exit.ExitCode(), string(out)
		}
		if err != nil {
			t.Fatal(err)
		}
		return 0, string(out)
	}
	auditEntry := func(lease string) audit.Entry {
		t.Helper()
		aw := startAuditWebhookOn(t, tree, lease)
		_, entries := waitAudit(t, aw, time.Minute, func(p audit.Page, _ []audit.Entry) error {
			if p.Objects == 0 {
				return errors.New("no audit report yet")
			}
			return nil
		})
		for _, e := range entries {
			if e.Namespace == ns && e.Name == "legacy" && e.Policy == "ingress.require_tls" {
				return e
			}
		}
		t.Fatalf("audit %s has no ingress.require_tls entry for %s/legacy", lease, ns)
		return audit.Entry{}
	}

	// Before expiry: the webhook admits the covered Ingress with a warning naming the
	// exception, and still denies one the exception does not name.
	eventually(t, 30*time.Second, func() error { return create("legacy") })
	seen.mu.Lock()
	got := strings.Join(seen.msgs, "\n")
	seen.mu.Unlock()
	if !strings.Contains(got, "allowed by PolicyException legacy-partner, ticket SEC-1234") {
		t.Errorf("admission warnings do not name the exception: %q", got)
	}
	if err := create("other"); err == nil || !strings.Contains(err.Error(), "[ingress.require_tls]") {
		t.Errorf("an Ingress the exception does not name was not denied: %v", err)
	}
	if code, out := cli("legacy"); code != 0 || !strings.Contains(out, "allowed by PolicyException legacy-partner") {
		t.Errorf("apiguard check: exit %d, want 0 with the exception named:\n%s", code, out)
	}
	if e := auditEntry("exceptions-before"); e.Action != audit.ActionSkip || e.Exception != "legacy-partner" {
		t.Errorf("audit entry before expiry: action %q exception %q, want skip by legacy-partner", e.Action, e.Exception)
	}
	if time.Now().After(expires) {
		t.Fatalf("the checks before expiry ran past it (%s); the test cannot tell the two apart", expires)
	}

	// After expiry, nothing reloaded: all three reject the same finding.
	time.Sleep(time.Until(expires) + time.Second)
	if err := create("legacy-2"); err == nil || !strings.Contains(err.Error(), "[ingress.require_tls]") {
		t.Errorf("webhook after expiry: %v, want a denial by ingress.require_tls", err)
	}
	if code, out := cli("legacy"); code != 1 || strings.Contains(out, "allowed by PolicyException") {
		t.Errorf("apiguard check after expiry: exit %d, want 1 without the exception:\n%s", code, out)
	}
	if e := auditEntry("exceptions-after"); e.Action != "deny" || e.Exception != "" {
		t.Errorf("audit entry after expiry: action %q exception %q, want deny", e.Action, e.Exception)
	}

	// A malformed exception (no reason, no expiry) refuses its revision: the webhook
	// does not start on it, naming the file and line.
	bad := policyTreeWith(t, map[string]string{"exceptions/bad.yaml": "apiVersion: apiguard.io/v1alpha1\nkind: PolicyException\nmetadata: {name: bad}\nspec:\n  policies: [ingress.require_tls]\n"})
	badWH, err := kubetest.StartWebhook(ctx, kubetest.WebhookOptions{Binary: testEnv.webhookBin, PolicyDir: bad, Args: []string{"--data-file", cfg}})
	if err == nil {
		_ = badWH.Stop()
		t.Fatal("a webhook started on a tree with a malformed PolicyException")
	}
	if !strings.Contains(err.Error()+badLogs(badWH), "exceptions/bad.yaml:1: spec.reason is required") {
		t.Errorf("the refusal does not name the file, line and problem: %v%s", err, badLogs(badWH))
	}
}

func badLogs(wh *kubetest.Webhook) string {
	if wh == nil {
		return ""
	}
	return wh.Logs()
}
