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
