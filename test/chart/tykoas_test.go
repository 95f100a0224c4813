package chart

import (
	"testing"

	admissionv1 "k8s.io/api/admissionregistration/v1"

	"github.com/apiguard/apiguard/pkg/references"
)

// checkTykOASConfigMaps: the ConfigMap webhook sees CREATE and UPDATE of ConfigMaps only
// through the matchCondition the webhook's code names (pkg/references), so no other
// ConfigMap write reaches apiguard; it shares the policies webhook's endpoint, failure
// policy, timeout and namespace exclusions.
func checkTykOASConfigMaps(t *testing.T, w, policies admissionv1.ValidatingWebhook, fp admissionv1.FailurePolicyType, timeout int32, excluded []string) {
	t.Helper()
	scope := admissionv1.NamespacedScope
	wantRules := []admissionv1.RuleWithOperations{{
		Operations: []admissionv1.OperationType{admissionv1.Create, admissionv1.Update},
		Rule:       admissionv1.Rule{APIGroups: []string{""}, APIVersions: []string{"v1"}, Resources: []string{"configmaps"}, Scope: &scope},
	}}
	checkWebhook(t, webhookCommon{w.Name, w.ClientConfig, w.Rules, w.FailurePolicy, w.MatchPolicy, w.SideEffects, w.TimeoutSeconds, w.AdmissionReviewVersions, w.NamespaceSelector, w.ObjectSelector},
		"tyk-oas-configmaps.apiguard.io", "/validate", fp, timeout, wantRules, excluded)
	want := []admissionv1.MatchCondition{{Name: "carries-x-tyk-api-gateway", Expression: references.ConfigMapMatchCondition}}
	if js(w.MatchConditions) != js(want) {
		t.Errorf("matchConditions %s, want %s", js(w.MatchConditions), js(want))
	}
	if js(w.ClientConfig) != js(policies.ClientConfig) {
		t.Errorf("clientConfig %s, want the policies webhook's %s", js(w.ClientConfig), js(policies.ClientConfig))
	}
}

// TestTykOASConfigMapsWebhook: the ConfigMap webhook is rendered only where its
// matchConditions are honoured (auto: Kubernetes 1.30 or later), or when forced on, and
// never without the Tyk rules: an API server that dropped the field would send every
// ConfigMap write to apiguard.
func TestTykOASConfigMapsWebhook(t *testing.T) {
	t.Parallel()
	tests := map[string]struct {
		extra []string
		want  bool
	}{
		"auto on 1.31":             {[]string{"--kube-version", "1.31.0"}, true},
		"auto on 1.30":             {[]string{"--kube-version", "1.30.2"}, true},
		"auto on 1.29":             {[]string{"--kube-version", "1.29.9"}, false},
		"auto with helm's default": {nil, false},
		"on on 1.29":               {[]string{"--kube-version", "1.29.9", "--set", "webhook.tykOASConfigMaps=on"}, true},
		"off on 1.31":              {[]string{"--kube-version", "1.31.0", "--set", "webhook.tykOASConfigMaps=off"}, false},
		"on without the Tyk rules": {[]string{"--kube-version", "1.31.0", "--set", "webhook.tykOASConfigMaps=on", "--set", "webhook.rules.tyk=false"}, false},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			r := renderTyped(t, "default.yaml", tt.extra...)
			found := false
			for i, w := range r.validating.Webhooks {
				if w.Name != "tyk-oas-configmaps.apiguard.io" {
					continue
				}
				found = true
				if i != 2 {
					t.Errorf("the ConfigMap webhook is webhooks/%d, want 2 (after the policies and the namespace guard: docs/failure-modes.md)", i)
				}
				checkTykOASConfigMaps(t, w, r.validating.Webhooks[0], admissionv1.Fail, 5, []string{namespace, "kube-system"})
			}
			if found != tt.want {
				t.Errorf("ConfigMap webhook rendered: %v, want %v", found, tt.want)
			}
		})
	}
	if _, err := helm(t, templateArgs([]string{"default.yaml"}, "--set", "webhook.tykOASConfigMaps=yes")...); err == nil {
		t.Error("webhook.tykOASConfigMaps=yes was accepted; the schema allows auto, on and off")
	}
}
