package e2e

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/apiguard/apiguard/internal/kubetest"
)

// TestEscapeHatchIsGuarded: through the API server, only an exemption admin may set
// apiguard.io/ignore=true on a namespace, on UPDATE or CREATE; anyone may remove it; other namespace changes
// never reach the webhook (objectSelector), as the chart registers it.
func TestEscapeHatchIsGuarded(t *testing.T) {
	ctx := context.Background()
	wh, err := kubetest.StartWebhook(ctx, kubetest.WebhookOptions{Binary: testEnv.webhookBin, PolicyDir: filepath.Join(testEnv.root, "policies"),
		Args: []string{"--exemption-admin-group", "platform-admins"}})
	if err != nil {
		t.Fatal(err)
	}
	defer wh.Stop()
	path, fail, none := "/validate-namespace", admissionregistrationv1.Fail, admissionregistrationv1.SideEffectClassNone
	url := wh.URL + path
	cluster := admissionregistrationv1.ClusterScope
	cfg := &admissionregistrationv1.ValidatingWebhookConfiguration{
		ObjectMeta: metav1.ObjectMeta{Name: "apiguard-namespace-guard"},
		Webhooks: []admissionregistrationv1.ValidatingWebhook{{
			Name:         "namespaces.apiguard.io",
			ClientConfig: admissionregistrationv1.WebhookClientConfig{URL: &url, CABundle: wh.CABundle},
			Rules: []admissionregistrationv1.RuleWithOperations{{
				Operations: []admissionregistrationv1.OperationType{admissionregistrationv1.Create, admissionregistrationv1.Update},
				Rule:       admissionregistrationv1.Rule{APIGroups: []string{""}, APIVersions: []string{"v1"}, Resources: []string{"namespaces"}, Scope: &cluster},
			}},
			ObjectSelector:          &metav1.LabelSelector{MatchLabels: map[string]string{"apiguard.io/ignore": "true"}},
			FailurePolicy:           &fail,
			SideEffects:             &none,
			AdmissionReviewVersions: []string{"v1"},
		}},
	}
	if _, err := testEnv.cs.AdmissionregistrationV1().ValidatingWebhookConfigurations().Create(ctx, cfg, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	defer testEnv.cs.AdmissionregistrationV1().ValidatingWebhookConfigurations().Delete(ctx, cfg.Name, metav1.DeleteOptions{})

	dev := clientAs(t, "alice@example.com", []string{"devs"}, nil)
	w := &warnings{}
	admin := clientAs(t, "root@example.com", []string{"platform-admins"}, w)
	name := fmt.Sprintf("hatch-%d", time.Now().UnixNano()%100000)
	if _, err := dev.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}}, metav1.CreateOptions{}); err != nil {
		t.Fatalf("an ordinary namespace was refused: %v", err)
	}
	label := func(value string, as string) error {
		c := dev
		if as == "admin" {
			c = admin
		}
		ns, err := c.CoreV1().Namespaces().Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return err
		}
		if ns.Labels == nil {
			ns.Labels = map[string]string{}
		}
		if value == "" {
			delete(ns.Labels, "apiguard.io/ignore")
		} else {
			ns.Labels["apiguard.io/ignore"] = value
		}
		_, err = c.CoreV1().Namespaces().Update(ctx, ns, metav1.UpdateOptions{})
		return err
	}
	eventually(t, 30*time.Second, func() error {
		err := label("true", "dev")
		if err == nil {
			_ = label("", "admin")
			return fmt.Errorf("a developer set the escape hatch (guard not active yet?)")
		}
		if !strings.Contains(err.Error(), "only a member of platform-admins") {
			return fmt.Errorf("unexpected error: %v", err)
		}
		return nil
	})
	// Nor may a developer create a namespace that starts out exempt.
	exempt := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name + "-born-exempt", Labels: map[string]string{"apiguard.io/ignore": "true"}}}
	if _, err := dev.CoreV1().Namespaces().Create(ctx, exempt, metav1.CreateOptions{}); err == nil || !strings.Contains(err.Error(), "only a member of platform-admins") {
		_ = testEnv.cs.CoreV1().Namespaces().Delete(ctx, exempt.Name, metav1.DeleteOptions{})
		t.Errorf("a developer created an exempt namespace: %v", err)
	}
	if err := label("true", "admin"); err != nil {
		t.Fatalf("an exemption admin was refused: %v", err)
	}
	w.mu.Lock()
	warned := strings.Join(w.msgs, "\n")
	w.mu.Unlock()
	if !strings.Contains(warned, "is now exempt from apiguard") {
		t.Errorf("no warning for the admin: %q", warned)
	}
	if err := label("", "dev"); err != nil {
		t.Errorf("removing the escape hatch was refused: %v", err)
	}
}
