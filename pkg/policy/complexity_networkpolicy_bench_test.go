package policy

import (
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"strings"
	"testing"
	"time"
)

// The NetworkPolicy family's complexity (issue 14): networkpolicy.no_world_ingress unions
// the ipBlock peers of all ingress rules (lib.net), which is the costliest step of the
// family. The generic networkPolicyWithCIDRs (complexity_bench_test.go) has only private
// /32s in one rule; npUnionPolicy exercises every step of the union.

// npUnionPolicy is a NetworkPolicy with n ipBlock peers spread over n/10 ingress rules:
// public and private CIDRs, nested and duplicated ones, and excepts (also nested and
// duplicated). When open is false the public part stays inside 8.8.0.0/16, the default
// bound, so the policy is allowed; when it is true every peer is a distinct public /16,
// so it is denied.
func npUnionPolicy(n int, open bool) map[string]any {
	rules := make([]any, 0, n/10+1)
	var peers []any
	for i := range n {
		var block map[string]any
		switch {
		case open:
			a, b := 11+i/256%180, i%256
			block = map[string]any{
				"cidr":   fmt.Sprintf("%d.%d.0.0/16", a, b),
				"except": []any{fmt.Sprintf("%d.%d.1.0/24", a, b), fmt.Sprintf("%d.%d.1.0/25", a, b)},
			}
		case i%3 == 0:
			block = map[string]any{"cidr": fmt.Sprintf("8.8.%d.%d/32", i/256%256, i%256)}
		case i%3 == 1:
			block = map[string]any{
				"cidr":   fmt.Sprintf("10.%d.%d.0/24", i/256%256, i%256),
				"except": []any{fmt.Sprintf("10.%d.%d.0/25", i/256%256, i%256), fmt.Sprintf("10.%d.%d.0/26", i/256%256, i%256)},
			}
		default:
			block = map[string]any{"cidr": "8.8.0.0/17", "except": []any{"8.8.0.0/18", "8.8.0.0/18"}}
		}
		peers = append(peers, map[string]any{"ipBlock": block})
		if len(peers) == 10 || i == n-1 {
			rules = append(rules, map[string]any{"from": peers, "ports": []any{map[string]any{"protocol": "TCP", "port": 443}}})
			peers = nil
		}
	}
	return map[string]any{
		"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy", "metadata": meta("web-from-partners"),
		"spec": map[string]any{
			"podSelector": map[string]any{"matchLabels": map[string]any{"app": "web"}},
			"policyTypes": []any{"Ingress"},
			"ingress":     rules,
		},
	}
}

// npFamily names the kind the generated objects are sent as.
func npFamily() complexityFamily {
	return complexityFamily{name: "networkpolicy/union", group: "networking.k8s.io", kind: "NetworkPolicy"}
}

// npCheck evaluates in and fails unless networkpolicy.no_world_ingress denies exactly
// when open: a benchmark of the wrong verdict measures nothing.
func npCheck(tb testing.TB, set *PolicySet, in Input, open bool) {
	tb.Helper()
	d, err := set.Evaluate(context.Background(), in)
	if err != nil {
		tb.Fatal(err)
	}
	npVerdict(tb, d, open)
}

// BenchmarkNetworkPolicyUnion times the whole library on NetworkPolicies with 10 to
// 10,000 ipBlock peers:
//
//	go test ./pkg/policy -run '^$' -bench NetworkPolicyUnion -benchtime 3x
func BenchmarkNetworkPolicyUnion(b *testing.B) {
	set := loadLibraryWithExamples(b)
	for _, open := range []bool{false, true} {
		for _, n := range complexitySizes {
			b.Run(fmt.Sprintf("open=%v/peers=%d", open, n), func(b *testing.B) {
				in := complexityRequest(b, npFamily(), npUnionPolicy(n, open))
				npCheck(b, set, in, open)
				ctx := context.Background()
				b.ReportAllocs()
				for b.Loop() {
					if _, err := set.Evaluate(ctx, in); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

// TestNetworkPolicyUnionSlopes reports, like TestComplexitySlopes, the time of one
// evaluation at each size and the log-log slopes, for allowed and denied unions:
//
//	APIGUARD_COMPLEXITY=10000 go test ./pkg/policy -run TestNetworkPolicyUnionSlopes -v
//
// With APIGUARD_COMPLEXITY_POLICIES set, no_world_ingress is also measured alone. An
// evaluation that passes a minute is cut off there and shown as ">1m0s" (the slope to it
// is then a lower bound), and larger sizes are skipped. The test fails when the largest
// size exceeds the webhook's 2 s evaluation deadline or the last slope is above 1.5
// (worse than O(n log n) by a margin timing noise does not reach).
func TestNetworkPolicyUnionSlopes(t *testing.T) {
	sizes := complexityRunSizes(t)
	const (
		deadline = 2 * time.Second
		cutoff   = time.Minute
	)
	full := loadLibraryWithExamples(t)
	type namedSet struct {
		name string
		set  *PolicySet
	}
	sets := []namedSet{{"library", full}}
	if os.Getenv("APIGUARD_COMPLEXITY_POLICIES") != "" {
		sets = append(sets, namedSet{"no_world_ingress alone", loadOnly(t, full, "networkpolicy.no_world_ingress")})
	}
	var out strings.Builder
	fmt.Fprintf(&out, "%-32s", "networkpolicy union")
	for _, n := range sizes {
		fmt.Fprintf(&out, " %12s", fmt.Sprintf("n=%d", n))
	}
	out.WriteString("   slopes\n")
	for _, s := range sets {
		for _, open := range []bool{false, true} {
			name := fmt.Sprintf("%s, open=%v", s.name, open)
			var times []time.Duration
			cut := false
			for _, n := range sizes {
				in := complexityRequest(t, npFamily(), npUnionPolicy(n, open))
				d, ok := npTime(t, s.set, in, open, cutoff)
				t.Logf("%s n=%d: %v (cut off: %v)", name, n, d.Round(time.Microsecond), !ok)
				times = append(times, d)
				if !ok {
					cut = true
					break
				}
			}
			fmt.Fprintf(&out, "%-32s", name)
			for i, d := range times {
				text := d.Round(time.Microsecond).String()
				if cut && i == len(times)-1 {
					text = ">" + text
				}
				fmt.Fprintf(&out, " %12s", text)
			}
			out.WriteString("  ")
			last := 0.0
			for i := 1; i < len(times); i++ {
				last = slope(sizes[i-1], sizes[i], times[i-1], times[i])
				fmt.Fprintf(&out, " %5.2f", last)
			}
			out.WriteString("\n")
			if cut || times[len(times)-1] > deadline {
				t.Errorf("%s: %v at n=%d, past the %v evaluation deadline", name, times[len(times)-1], sizes[len(times)-1], deadline)
			}
			if len(times) > 1 && sizes[len(times)-1] >= 1000 && last > 1.5 {
				t.Errorf("%s: slope %.2f up to n=%d, worse than O(n log n)", name, last, sizes[len(times)-1])
			}
		}
	}
	t.Log("\n" + out.String())
}

// npTime checks the verdict once, then returns the fastest of a few evaluations (at least
// 3, or as many as fit in half a second), or the cutoff and false when one passes it.
func npTime(t *testing.T, set *PolicySet, in Input, open bool, cutoff time.Duration) (time.Duration, bool) {
	t.Helper()
	best := time.Duration(math.MaxInt64)
	var spent time.Duration
	for i := 0; i < 3 || spent < 500*time.Millisecond; i++ {
		ctx, cancel := context.WithTimeout(context.Background(), cutoff)
		start := time.Now()
		d, err := set.Evaluate(ctx, in)
		took := time.Since(start)
		expired := ctx.Err() != nil
		cancel()
		if errors.Is(err, context.DeadlineExceeded) || expired {
			return cutoff, false
		}
		if err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			npVerdict(t, d, open)
		}
		best = min(best, took)
		spent += took
		if took > 10*time.Second {
			break
		}
	}
	return best, true
}

// npVerdict fails unless networkpolicy.no_world_ingress denied exactly when open.
func npVerdict(tb testing.TB, d Decision, open bool) {
	tb.Helper()
	denied := false
	for _, v := range d.Violations {
		if v.Policy == "networkpolicy.no_world_ingress" {
			denied = true
		}
	}
	if denied != open {
		tb.Fatalf("no_world_ingress denied=%v, want %v: %v", denied, open, d.Violations)
	}
}
