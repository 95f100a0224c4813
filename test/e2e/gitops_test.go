package e2e

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	"github.com/apiguard/apiguard/internal/kubetest"
)

const fluxIdentity = "system:serviceaccount:flux-system:kustomize-controller"

// warnings collects the admission warnings the API server returns.
type warnings struct {
	mu   sync.Mutex
	msgs []string
}

func (w *warnings) HandleWarningHeader(_ int, _ string, text string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.msgs = append(w.msgs, text)
}

// clientAs impersonates a user with groups (system:masters keeps RBAC out of the way; the
// point is the identity the webhook sees).
func clientAs(t *testing.T, user string, groups []string, w rest.WarningHandler) kubernetes.Interface {
	t.Helper()
	cfg := testEnv.stack.Cluster.RESTConfig()
	cfg.Impersonate = rest.ImpersonationConfig{UserName: user, Groups: append(groups, "system:masters")}
	cfg.WarningHandler = w
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return cs
}

// auditAnnotations finds the audit event for a create of the named object and returns its
// annotations.
func auditAnnotations(t *testing.T, namespace, name string) map[string]string {
	t.Helper()
	var found map[string]string
	eventually(t, 15*time.Second, func() error {
		f, err := os.Open(testEnv.stack.Cluster.AuditLog())
		if err != nil {
			return err
		}
		defer f.Close()
		sc := bufio.NewScanner(f)
		sc.Buffer(make([]byte, 1<<20), 16<<20)
		for sc.Scan() {
			var ev struct {
				Stage       string                                     `json:"stage"`
				Verb        string                                     `json:"verb"`
				ObjectRef   struct{ Namespace, Name, Resource string } `json:"objectRef"`
				Annotations map[string]string                          `json:"annotations"`
			}
			if json.Unmarshal(sc.Bytes(), &ev) != nil {
				continue
			}
			if ev.Verb == "create" && ev.Stage == "ResponseComplete" && ev.ObjectRef.Namespace == namespace && ev.ObjectRef.Name == name {
				found = ev.Annotations
				return nil
			}
		}
		return fmt.Errorf("no audit event for %s/%s yet", namespace, name)
	})
	return found
}

// TestGitOpsProvenance: with GitOps identities configured, a person's change is denied and
// sent to a pull request, the GitOps controller's is admitted, and break-glass is
// admitted with a warning and its reason in the API server's audit log.
func TestGitOpsProvenance(t *testing.T) {
	ctx := context.Background()
	cfg := filepath.Join(t.TempDir(), "gitops.yaml")
	if err := os.WriteFile(cfg, []byte(`apiguard:
  config:
    gitops:
      identities: ["`+fluxIdentity+`"]
      breakGlassGroups: ["sre"]
      repository: https://git.example.com/platform/apps
`), 0o600); err != nil {
		t.Fatal(err)
	}
	wh, err := kubetest.StartWebhook(ctx, kubetest.WebhookOptions{Binary: testEnv.webhookBin, PolicyDir: filepath.Join(testEnv.root, "policies"),
		Args: []string{"--data-file", cfg}})
	if err != nil {
		t.Fatal(err)
	}
	defer wh.Stop()
	unregister, err := kubetest.Register(ctx, testEnv.cs, kubetest.Registration{
		Name: "apiguard-gitops", URL: wh.URL, CABundle: wh.CABundle, FailurePolicy: admissionregistrationv1.Fail,
		ValidateRules:     kubetest.ExposureRules(admissionregistrationv1.Create, admissionregistrationv1.Update, admissionregistrationv1.Delete),
		NamespaceSelector: &metav1.LabelSelector{MatchLabels: map[string]string{mainLabel: "gitops"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer unregister(ctx)
	ns := namespace(t, "gitops")
	good := func(name string) *networkingv1.Ingress {
		return ingress(ns, name, []string{name + ".example.com"}, []string{name + ".example.com"})
	}

	// A person (the suite's admin) is sent to a pull request.
	eventually(t, 30*time.Second, func() error {
		_, err := testEnv.cs.NetworkingV1().Ingresses(ns).Create(ctx, good("by-hand"), metav1.CreateOptions{})
		if err == nil || !strings.Contains(err.Error(), "[gitops.reviewed_change]") {
			return fmt.Errorf("not denied by gitops yet: %v", err)
		}
		if !strings.Contains(err.Error(), "https://git.example.com/platform/apps") {
			return fmt.Errorf("denial does not point at the repository: %v", err)
		}
		return nil
	})

	// The GitOps controller is admitted.
	if _, err := clientAs(t, fluxIdentity, nil, nil).NetworkingV1().Ingresses(ns).Create(ctx, good("by-flux"), metav1.CreateOptions{}); err != nil {
		t.Fatalf("GitOps identity denied: %v", err)
	}
	revision := auditAnnotations(t, ns, "by-flux")["validate.apiguard.io/policy-revision"]
	if len(revision) != 7 {
		t.Errorf("audit log lacks the policy revision: %q", revision)
	}

	// Break-glass: allowed with a warning; the reason lands in the audit log.
	w := &warnings{}
	ing := good("hotfix")
	ing.Annotations = map[string]string{"apiguard.io/break-glass-reason": "INC-4711 checkout down"}
	if _, err := clientAs(t, "oncall@example.com", []string{"sre"}, w).NetworkingV1().Ingresses(ns).Create(ctx, ing, metav1.CreateOptions{}); err != nil {
		t.Fatalf("break-glass denied: %v", err)
	}
	w.mu.Lock()
	gotWarning := strings.Join(w.msgs, "\n")
	w.mu.Unlock()
	if !strings.Contains(gotWarning, "[gitops.reviewed_change]") {
		t.Errorf("break-glass gave no warning: %q", gotWarning)
	}
	annotations := auditAnnotations(t, ns, "hotfix")
	if annotations["validate.apiguard.io/break-glass-reason"] != "INC-4711 checkout down" {
		t.Errorf("audit annotations = %v", annotations)
	}

	// Without a reason the same user is denied.
	if _, err := clientAs(t, "oncall@example.com", []string{"sre"}, nil).NetworkingV1().Ingresses(ns).Create(ctx, good("no-reason"), metav1.CreateOptions{}); err == nil {
		t.Error("break-glass without a reason admitted")
	}
}
