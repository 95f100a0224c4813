package chart

import (
	"cmp"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"

	admissionv1 "k8s.io/api/admissionregistration/v1"
	rbacv1 "k8s.io/api/rbac/v1"

	"github.com/apiguard/apiguard/internal/compactcache"
	"github.com/apiguard/apiguard/internal/kubetest"
	"github.com/apiguard/apiguard/pkg/audit"
	"github.com/apiguard/apiguard/pkg/inventory"
	kindtable "github.com/apiguard/apiguard/pkg/kinds"
)

// The table of exposure kinds (audit.Kinds, pkg/audit/kinds.go) is the one list of the
// kinds apiguard judges. The chart's webhook rules (_kinds.tpl, generated from it), its
// ClusterRole and the test stack's registration (kubetest.ExposureRules) repeat it, and
// these tests hold every copy equal to the table, both ways: a kind added to the table
// and not registered is judged nowhere (the API server never asks about it, or audit
// cannot list it), and a kind registered but not in the table is sent to the webhook
// without audit, inventory or the every-kind policies knowing it. pkg/audit's
// kinds_test.go holds the every-kind policies (known_api_version, reviewed_change) to it.

// groupResource is one API resource: what webhook rules and RBAC rules name.
type groupResource struct{ group, resource string }

func (g groupResource) String() string {
	if g.group == "" {
		return "core/" + g.resource
	}
	return g.group + "/" + g.resource
}

func resourcesOf(kinds []compactcache.Kind) map[groupResource]bool {
	out := map[groupResource]bool{}
	for _, k := range kinds {
		out[groupResource{k.Group, k.Resource}] = true
	}
	return out
}

// tableResources is the table's resources, keeping those keep says.
func tableResources(keep func(compactcache.Kind) bool) map[groupResource]bool {
	var kinds []compactcache.Kind
	for _, k := range audit.Kinds() {
		if keep(k) {
			kinds = append(kinds, k)
		}
	}
	return resourcesOf(kinds)
}

// ruleResources is what admission rules send to the webhook. Every exposure rule
// matches all versions (the policies deny the versions they cannot judge), so a rule
// narrower than that is reported too.
func ruleResources(t *testing.T, where string, rules []admissionv1.RuleWithOperations) map[groupResource]bool {
	t.Helper()
	out := map[groupResource]bool{}
	for _, r := range rules {
		if !slices.Equal(r.APIVersions, []string{"*"}) {
			t.Errorf("%s: rule %v/%v matches apiVersions %v, want [*]", where, r.APIGroups, r.Resources, r.APIVersions)
		}
		for _, g := range r.APIGroups {
			for _, res := range r.Resources {
				out[groupResource{g, res}] = true
			}
		}
	}
	return out
}

// readable is what the ClusterRole lets the webhook get, list and watch (on every
// object, not named ones).
func readable(rules []rbacv1.PolicyRule) map[groupResource]bool {
	out := map[groupResource]bool{}
	for _, r := range rules {
		if len(r.ResourceNames) != 0 || !slices.Contains(r.Verbs, "get") || !slices.Contains(r.Verbs, "list") || !slices.Contains(r.Verbs, "watch") {
			continue
		}
		for _, g := range r.APIGroups {
			for _, res := range r.Resources {
				out[groupResource{g, res}] = true
			}
		}
	}
	return out
}

// assertSameResources reports every resource in one set and not the other.
func assertSameResources(t *testing.T, where string, got, want map[groupResource]bool) {
	t.Helper()
	for _, gr := range slices.SortedFunc(maps.Keys(want), compareResources) {
		if !got[gr] {
			t.Errorf("%s: lacks %s, which the table of exposure kinds (audit.Kinds) has", where, gr)
		}
	}
	for _, gr := range slices.SortedFunc(maps.Keys(got), compareResources) {
		if !want[gr] {
			t.Errorf("%s: has %s, which is not in the table of exposure kinds (audit.Kinds): add it there, or remove it here", where, gr)
		}
	}
}

func compareResources(a, b groupResource) int {
	return cmp.Or(strings.Compare(a.group, b.group), strings.Compare(a.resource, b.resource))
}

// validatingRules and mutatingRules find the named webhook's rules.
func validatingRules(t *testing.T, c admissionv1.ValidatingWebhookConfiguration, name string) []admissionv1.RuleWithOperations {
	t.Helper()
	for _, w := range c.Webhooks {
		if w.Name == name {
			return w.Rules
		}
	}
	t.Fatalf("no validating webhook %s", name)
	return nil
}

func mutatingRules(t *testing.T, c *admissionv1.MutatingWebhookConfiguration, name string) []admissionv1.RuleWithOperations {
	t.Helper()
	if c != nil {
		for _, w := range c.Webhooks {
			if w.Name == name {
				return w.Rules
			}
		}
	}
	t.Fatalf("no mutating webhook %s", name)
	return nil
}

// TestExposureKindsAreTheTable: with the default values, the validating and mutating
// webhooks' rules, the test stack's registration and the ClusterRole's read access are
// the table of exposure kinds. The ClusterRole also reads what the inventory watches
// beyond the table (inventory.Kinds: ReferenceGrant) and namespaces (the exemption
// label), and nothing else.
func TestExposureKindsAreTheTable(t *testing.T) {
	r := renderTyped(t, "default.yaml")
	all := tableResources(func(compactcache.Kind) bool { return true })
	assertSameResources(t, "validate.apiguard.io rules", ruleResources(t, "validate.apiguard.io", validatingRules(t, r.validating, "validate.apiguard.io")), all)
	assertSameResources(t, "mutate.apiguard.io rules", ruleResources(t, "mutate.apiguard.io", mutatingRules(t, r.mutating, "mutate.apiguard.io")), all)
	assertSameResources(t, "kubetest.ExposureRules", ruleResources(t, "kubetest.ExposureRules", kubetest.ExposureRules(admissionv1.Create)), all)

	wantRead := maps.Clone(all)
	maps.Copy(wantRead, resourcesOf(inventory.Kinds()))
	wantRead[groupResource{"", "namespaces"}] = true
	assertSameResources(t, "the ClusterRole's get, list and watch", readable(r.clusterRole.Rules), wantRead)

	for _, want := range []string{"listenersets", "tlsroutes", "tcproutes", "udproutes"} {
		if !slices.ContainsFunc(audit.Kinds(), func(k compactcache.Kind) bool { return k.Resource == want }) {
			t.Errorf("audit.Kinds lacks Gateway API %s", want)
		}
	}
}

// ruleToggles are the chart's webhook.rules values (kinds.Packs), each with the part of
// the table it registers (the kinds of that pack). Every kind of the table is under
// exactly one of them.
func ruleToggles() map[string]func(compactcache.Kind) bool {
	out := map[string]func(compactcache.Kind) bool{}
	for _, pack := range kindtable.Packs() {
		out[pack] = func(c compactcache.Kind) bool {
			return slices.ContainsFunc(kindtable.Table(), func(k kindtable.Kind) bool {
				return k.Pack == pack && k.Group == c.Group && k.Kind == c.Kind
			})
		}
	}
	return out
}

// TestEachRuleToggleRegistersItsPartOfTheTable renders the chart with one
// webhook.rules value on at a time: the rules are then that value's part of the table,
// so a kind added to the table in a group the chart already has lands under the right
// switch, and a kind in a new group fails until the chart (and ruleToggles) has one.
func TestEachRuleToggleRegistersItsPartOfTheTable(t *testing.T) {
	toggles := ruleToggles()
	for _, k := range audit.Kinds() {
		n := 0
		for _, keep := range toggles {
			if keep(k) {
				n++
			}
		}
		if n != 1 {
			t.Errorf("%s/%s is under %d of the chart's webhook.rules values, want 1", k.Group, k.Kind, n)
		}
	}
	for _, on := range slices.Sorted(maps.Keys(toggles)) {
		t.Run(on, func(t *testing.T) {
			t.Parallel()
			var set []string
			for name := range toggles {
				set = append(set, "--set", fmt.Sprintf("webhook.rules.%s=%v", name, name == on))
			}
			r := renderTyped(t, "default.yaml", set...)
			want := tableResources(toggles[on])
			assertSameResources(t, "validate.apiguard.io rules", ruleResources(t, "validate.apiguard.io", validatingRules(t, r.validating, "validate.apiguard.io")), want)
			assertSameResources(t, "mutate.apiguard.io rules", ruleResources(t, "mutate.apiguard.io", mutatingRules(t, r.mutating, "mutate.apiguard.io")), want)
		})
	}
}
