package peercases

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

// TestAssign checks that an assignment scores an uncovered case, and that every kind of
// stale or malformed assignment is a problem (TestPeerCases fails on each).
func TestAssign(t *testing.T) {
	cases := []peerCase{
		{key: "k/a.yaml#0", Concern: uncoveredConcern, PeerVerdict: "fail"},
		{key: "k/b.yaml#1", Concern: uncoveredConcern, PeerVerdict: "pass"},
		{key: "k/c.yaml", Concern: "svc-nodeport", OurPolicies: []string{"service.no_nodeport"}, PeerVerdict: "fail"},
	}
	lib := library{
		"ingress.paths":       {"Ingress"},
		"gateway.listeners":   {"gateway.networking.k8s.io/ListenerSet"},
		"service.no_nodeport": nil,
	}
	kinds := map[string]objectKind{
		"k/a.yaml#0": {"networking.k8s.io", "Ingress"},
		"k/b.yaml#1": {"gateway.networking.k8s.io", "ListenerSet"},
		"k/c.yaml":   {"", "Service"},
	}
	kindsOf := func(key string) ([]objectKind, error) {
		k, ok := kinds[key]
		if !ok {
			return nil, errors.New("no such object")
		}
		return []objectKind{k}, nil
	}
	paths := assignment{Concern: "ingress-paths", OurPolicies: []string{"ingress.paths"}, Reason: "ingress.paths now judges paths"}

	t.Run("an assignment scores the case and takes it off the uncovered list", func(t *testing.T) {
		scored, uncovered, problems := assign(cases, map[string][]assignment{"k/a.yaml#0 uncovered": {paths}}, lib, kindsOf)
		if len(problems) > 0 {
			t.Fatalf("problems: %v", problems)
		}
		var ids []string
		for _, c := range scored {
			ids = append(ids, c.id())
		}
		if want := []string{"k/c.yaml svc-nodeport", "k/a.yaml#0 ingress-paths"}; !slices.Equal(ids, want) {
			t.Errorf("scored %v, want %v", ids, want)
		}
		if got := scored[1]; got.want() != "fail" || !slices.Equal(got.OurPolicies, []string{"ingress.paths"}) || !got.assigned || scored[0].assigned {
			t.Errorf("assigned case wants %s with %v (assigned %v), want the peer's fail with [ingress.paths], marked assigned", got.want(), got.OurPolicies, got.assigned)
		}
		if len(uncovered) != 1 || uncovered[0].key != "k/b.yaml#1" {
			t.Errorf("uncovered %v, want only k/b.yaml#1", uncovered)
		}
	})

	for _, tc := range []struct {
		name        string
		assignments map[string][]assignment
		want        string
	}{
		{"a case the shared file no longer has", map[string][]assignment{"k/gone.yaml#0 uncovered": {paths}}, "stale assignment"},
		{"a case the shared file now gives a concern", map[string][]assignment{"k/c.yaml uncovered": {paths}}, "stale assignment"},
		{"a policy the library no longer has", map[string][]assignment{"k/a.yaml#0 uncovered": {{Concern: "x", OurPolicies: []string{"ingress.gone"}, Reason: "ingress.gone"}}}, "has no policy ingress.gone"},
		{"a policy that no longer judges the kind", map[string][]assignment{"k/b.yaml#1 uncovered": {{Concern: "x", OurPolicies: []string{"ingress.paths"}, Reason: "ingress.paths"}}}, "no longer judges gateway.networking.k8s.io/ListenerSet"},
		{"a reason that does not name the policy", map[string][]assignment{"k/a.yaml#0 uncovered": {{Concern: "x", OurPolicies: []string{"ingress.paths"}, Reason: "now covered"}}}, "must name ingress.paths"},
		{"no concern", map[string][]assignment{"k/a.yaml#0 uncovered": {{OurPolicies: []string{"ingress.paths"}, Reason: "ingress.paths"}}}, "name the concern"},
		{"no policy", map[string][]assignment{"k/a.yaml#0 uncovered": {{Concern: "x", Reason: "r"}}}, "names no policy"},
		{"a concern assigned twice", map[string][]assignment{"k/a.yaml#0 uncovered": {paths, paths}}, "assigned twice"},
		{"an unknown flag", map[string][]assignment{"k/a.yaml#0 uncovered": {{Concern: "x", OurPolicies: []string{"ingress.paths"}, Flag: "warn", Reason: "ingress.paths"}}}, `flag "warn"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, problems := assign(cases, tc.assignments, lib, kindsOf)
			if len(problems) != 1 || !strings.Contains(problems[0], tc.want) {
				t.Errorf("problems %q, want one containing %q", problems, tc.want)
			}
		})
	}

	t.Run("a concern the shared file already scores for the case", func(t *testing.T) {
		withConcern := append(slices.Clone(cases), peerCase{key: "k/a.yaml#0", Concern: "ingress-paths", PeerVerdict: "fail"})
		_, _, problems := assign(withConcern, map[string][]assignment{"k/a.yaml#0 uncovered": {paths}}, lib, kindsOf)
		if len(problems) != 1 || !strings.Contains(problems[0], "already scores") {
			t.Errorf("problems %q, want one saying the shared file already scores it", problems)
		}
	})
}
