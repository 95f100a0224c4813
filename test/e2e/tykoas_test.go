package e2e

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/apiguard/apiguard/internal/kubetest"
)

// tykOASDocument is a Tyk OAS document whose authentication is on or off.
func tykOASDocument(auth bool) string {
	return fmt.Sprintf(`{"openapi":"3.0.3","info":{"title":"h","version":"1"},"paths":{},
"x-tyk-api-gateway":{"info":{"name":"h","state":{"active":true}},
"upstream":{"url":"http://h.demo.svc:8080","rateLimit":{"enabled":true,"rate":10,"per":"1s"}},
"server":{"listenPath":{"value":"/h/"},"authentication":{"enabled":%t}}}}`, auth)
}

// configMapRequests counts the admission requests for ConfigMaps the webhook answered.
func configMapRequests(t *testing.T) float64 {
	t.Helper()
	resp, err := http.Get(testEnv.webhook.MetricURL)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	sum := 0.0
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "apiguard_admission_requests_total{") && strings.Contains(line, `kind="ConfigMap"`) {
			fields := strings.Fields(line)
			v, err := strconv.ParseFloat(fields[len(fields)-1], 64)
			if err != nil {
				t.Fatal(err)
			}
			sum += v
		}
	}
	return sum
}

// TestTykOASThroughAPIServer: a TykOasApiDefinition is judged through the ConfigMap it
// names (the webhook GETs it), a later ConfigMap update that disables authentication is
// denied through the chart's matchCondition, and an unrelated ConfigMap write never
// reaches the webhook (its metrics count no request for it).
func TestTykOASThroughAPIServer(t *testing.T) {
	ctx := context.Background()
	ns := namespace(t, "main")
	waitGuarded(t, ns)
	remove, err := kubetest.Register(ctx, testEnv.cs, kubetest.TykOASConfigMapRegistration("apiguard-e2e-tyk-oas-configmaps", testEnv.webhook,
		&metav1.LabelSelector{MatchLabels: map[string]string{mainLabel: "main"}}))
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := remove(ctx); err != nil {
			t.Error(err)
		}
	}()
	cms := testEnv.cs.CoreV1().ConfigMaps(ns)
	cm := func(name string, data map[string]string) *corev1.ConfigMap {
		return &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns}, Data: data}
	}
	eventually(t, 30*time.Second, func() error {
		_, err := cms.Create(ctx, cm("probe", map[string]string{"oas.json": tykOASDocument(false)}), metav1.CreateOptions{DryRun: []string{metav1.DryRunAll}})
		if err == nil || !strings.Contains(err.Error(), "[tyk.oas_keyless]") {
			return fmt.Errorf("the ConfigMap webhook is not active yet: %v", err)
		}
		return nil
	})
	api := func(name, configMap string) map[string]any {
		return map[string]any{
			"apiVersion": "tyk.tyk.io/v1alpha1", "kind": "TykOasApiDefinition",
			"metadata": map[string]any{"name": name, "namespace": ns},
			"spec":     map[string]any{"tykOAS": map[string]any{"configmapRef": map[string]any{"name": configMap, "keyName": "oas.json"}}},
		}
	}

	t.Run("an API with a secure ConfigMap is admitted", func(t *testing.T) {
		before := configMapRequests(t)
		if _, err := cms.Create(ctx, cm("httpbin-oas", map[string]string{"oas.json": tykOASDocument(true)}), metav1.CreateOptions{}); err != nil {
			t.Fatalf("secure ConfigMap: %v", err)
		}
		if after := configMapRequests(t); after != before+1 {
			t.Errorf("ConfigMap requests %v -> %v: the ConfigMap carrying x-tyk-api-gateway must reach the webhook once", before, after)
		}
		if _, err := createStrict(ctx, api("httpbin", "httpbin-oas")); err != nil {
			t.Fatalf("secure API: %v", err)
		}
	})
	t.Run("an update that disables authentication under the live API is denied", func(t *testing.T) {
		cur, err := cms.Get(ctx, "httpbin-oas", metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		cur.Data["oas.json"] = tykOASDocument(false)
		_, err = cms.Update(ctx, cur, metav1.UpdateOptions{})
		if err == nil || !strings.Contains(err.Error(), "[tyk.oas_keyless]") || !strings.Contains(err.Error(), "x-tyk-api-gateway.server.authentication.enabled") {
			t.Fatalf("update to keyless: err = %v", err)
		}
	})
	t.Run("an update hiding the extension key behind a JSON escape is denied", func(t *testing.T) {
		cur, err := cms.Get(ctx, "httpbin-oas", metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		// Go's encoding/json, Tyk's decoder, reads x\u002dtyk-api-gateway as the extension.
		cur.Data["oas.json"] = strings.Replace(tykOASDocument(false), `"x-tyk-api-gateway"`, `"x\u002dtyk-api-gateway"`, 1)
		_, err = cms.Update(ctx, cur, metav1.UpdateOptions{})
		if err == nil || !strings.Contains(err.Error(), "[tyk.oas_keyless]") {
			t.Fatalf("escaped update to keyless: err = %v", err)
		}
	})
	t.Run("an API whose ConfigMap is missing is denied", func(t *testing.T) {
		_, err := createStrict(ctx, api("orphan", "no-such-configmap"))
		if err == nil || !strings.Contains(err.Error(), "[tyk.oas_reference]") || !strings.Contains(err.Error(), "does not exist") {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("an unrelated ConfigMap write never reaches the webhook", func(t *testing.T) {
		before := configMapRequests(t)
		plain, err := cms.Create(ctx, cm("settings", map[string]string{"app.yaml": "auth: false\n"}), metav1.CreateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		plain.Data["app.yaml"] = "auth: true\n"
		if _, err := cms.Update(ctx, plain, metav1.UpdateOptions{}); err != nil {
			t.Fatal(err)
		}
		if after := configMapRequests(t); after != before {
			t.Errorf("ConfigMap requests %v -> %v: an unrelated ConfigMap reached the webhook", before, after)
		}
	})
}
