package policy

import (
	"context"
	"os"
	"testing"

	admissionv1 "k8s.io/api/admission/v1"
)

// defaultsConfig turns on the library's Ingress defaults, which are off unless configured.
var defaultsConfig = LoadOptions{Revision: "bench", Data: []map[string]any{{"apiguard": map[string]any{"config": map[string]any{
	"ingress": map[string]any{"hsts": true, "defaultClass": "nginx"},
}}}}}

func loadWithDefaults(tb testing.TB) *PolicySet {
	tb.Helper()
	set, err := Load(context.Background(), os.DirFS("../../policies"), defaultsConfig)
	if err != nil {
		tb.Fatal(err)
	}
	return set
}

// defaultedIngress returns a fresh Ingress and the same Ingress with everything the
// bundled library adds already in it: what a GitOps tool re-applies after the first
// admission, and the common case at /mutate.
func defaultedIngress(tb testing.TB, set *PolicySet) (fresh, defaulted Input) {
	tb.Helper()
	fresh = Input{Request: ingressRequest(admissionv1.Create, "team", ingress("web", true))}
	m, err := set.Mutate(context.Background(), fresh, 0)
	if err != nil || !m.Changed() {
		tb.Fatalf("the library adds nothing to a fresh Ingress (changed=%v, err=%v): the benchmark needs a patch to apply", m.Changed(), err)
	}
	req := *fresh.Request
	req.Object.Raw = m.Patched
	return fresh, Input{Request: &req}
}

// TestMutateNothingToAddIsOneDecision: /mutate on an object that already holds every
// default costs one evaluation of the patch rules, and only of those; one that gets
// defaults costs one more round than rounds that add, which confirms the fixed point.
func TestMutateNothingToAddIsOneDecision(t *testing.T) {
	set := loadWithDefaults(t)
	fresh, defaulted := defaultedIngress(t, set)
	m, err := set.Mutate(context.Background(), defaulted, 0)
	if err != nil || m.Changed() || m.Rounds != 1 {
		t.Fatalf("defaulted Ingress: changed=%v rounds=%d err=%v, want unchanged after 1 round", m.Changed(), m.Rounds, err)
	}
	m, err = set.Mutate(context.Background(), fresh, 0)
	// At least two: what the first adds may open another default (a class, then the
	// class's HSTS annotations), and the last round finds nothing.
	if err != nil || !m.Changed() || m.Rounds < 2 {
		t.Fatalf("fresh Ingress: changed=%v rounds=%d err=%v, want changed after 2 rounds or more", m.Changed(), m.Rounds, err)
	}
}

// BenchmarkMutatePaths compares /mutate's two cases with /validate on the same Ingress:
// "nothing-to-add" is one patch-only evaluation, "adds" one per round; the ratios to "validate"
// are what the mutating webhook costs besides the validating one.
func BenchmarkMutatePaths(b *testing.B) {
	set := loadWithDefaults(b)
	fresh, defaulted := defaultedIngress(b, set)
	ctx := context.Background()
	b.Run("validate", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := set.Validate(ctx, defaulted); err != nil {
				b.Fatal(err)
			}
		}
	})
	for name, in := range map[string]Input{"nothing-to-add": defaulted, "adds": fresh} {
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := set.Mutate(ctx, in, 0); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
