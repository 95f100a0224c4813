package chart

import (
	"slices"
	"testing"

	admissionv1 "k8s.io/api/admissionregistration/v1"
	rbacv1 "k8s.io/api/rbac/v1"

	"github.com/apiguard/apiguard/internal/compactcache"
	"github.com/apiguard/apiguard/internal/kubetest"
	"github.com/apiguard/apiguard/pkg/audit"
	"github.com/apiguard/apiguard/pkg/inventory"
)

// TestExposureKindsRegistered: every kind audit re-checks (audit.Kinds, the table of
// exposure kinds) is sent to the webhooks by the chart's default rules, readable by its
// ClusterRole (the audit and the inventory list and watch it), and registered by the
// test stack's ExposureRules. A kind missing from one of them is judged nowhere: the
// API server never asks about it, or audit cannot list it.
func TestExposureKindsRegistered(t *testing.T) {
	r := renderTyped(t, "default.yaml")
	kubetestRules := kubetest.ExposureRules(admissionv1.Create)
	for _, k := range audit.Kinds() {
		if !ruleCovers(r.validating.Webhooks[0].Rules, k.Group, k.Resource) {
			t.Errorf("%s/%s (%s): not in the validating webhook's rules", k.Group, k.Kind, k.Resource)
		}
		if r.mutating == nil || !ruleCovers(r.mutating.Webhooks[0].Rules, k.Group, k.Resource) {
			t.Errorf("%s/%s (%s): not in the mutating webhook's rules", k.Group, k.Kind, k.Resource)
		}
		if !ruleCovers(kubetestRules, k.Group, k.Resource) {
			t.Errorf("%s/%s (%s): not in kubetest.ExposureRules", k.Group, k.Kind, k.Resource)
		}
		if !canRead(r.clusterRole.Rules, k.Group, k.Resource) {
			t.Errorf("%s/%s (%s): the ClusterRole cannot get, list and watch it", k.Group, k.Kind, k.Resource)
		}
	}
	// The inventory watches its kinds (list and watch) and audit lists them: ReferenceGrant
	// and the Tyk kinds whose listen paths it projects (TykStreamsApiDefinition and
	// TykMcpProxyDefinition among them) must be readable too, or their claims are missing.
	for _, k := range inventory.Kinds() {
		if !canRead(r.clusterRole.Rules, k.Group, k.Resource) {
			t.Errorf("inventory kind %s/%s (%s): the ClusterRole cannot get, list and watch it", k.Group, k.Kind, k.Resource)
		}
	}
	for _, want := range []string{"listenersets", "tlsroutes", "tcproutes", "udproutes"} {
		if !slices.ContainsFunc(audit.Kinds(), func(k compactcache.Kind) bool { return k.Resource == want }) {
			t.Errorf("audit.Kinds lacks Gateway API %s", want)
		}
	}
}

func ruleCovers(rules []admissionv1.RuleWithOperations, group, resource string) bool {
	for _, r := range rules {
		if slices.Contains(r.APIGroups, group) && slices.Contains(r.APIVersions, "*") && slices.Contains(r.Resources, resource) {
			return true
		}
	}
	return false
}

func canRead(rules []rbacv1.PolicyRule, group, resource string) bool {
	for _, r := range rules {
		if slices.Contains(r.APIGroups, group) && slices.Contains(r.Resources, resource) && len(r.ResourceNames) == 0 &&
			slices.Contains(r.Verbs, "get") && slices.Contains(r.Verbs, "list") && slices.Contains(r.Verbs, "watch") {
			return true
		}
	}
	return false
}
