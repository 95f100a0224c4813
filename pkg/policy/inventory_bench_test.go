package policy

import (
	"context"
	"fmt"
	"testing"
)

// BenchmarkSetInventory is the cost of one inventory write into a set whose ingressHosts
// section holds n keys: what one watch batch costs the webhook. The store publishes a
// snapshot per write (a shallow copy of the section it touches), so this grows with n;
// pkg/inventory coalesces watch events so that it is paid at most ten times a second.
func BenchmarkSetInventory(b *testing.B) {
	for _, n := range []int{100, 10000} {
		b.Run(fmt.Sprintf("hosts=%d", n), func(b *testing.B) {
			set := load(&testing.T{}, map[string]string{"quick.rego": quickConfigMap})
			ctx := context.Background()
			hosts := map[string]any{}
			for i := range n {
				hosts[fmt.Sprintf("h%d.example.com", i)] = []any{map[string]any{"namespace": "team", "name": fmt.Sprintf("ing-%d", i)}}
			}
			if err := set.SeedInventory(ctx, map[string]any{"ingressHosts": hosts}); err != nil {
				b.Fatal(err)
			}
			claim := []any{map[string]any{"namespace": "other", "name": "x", "paths": []any{"/"}}}
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				if err := set.SetInventory(ctx, "ingressHosts", fmt.Sprintf("h%d.example.com", i%n), claim); err != nil {
					b.Fatal(err)
				}
				i++
			}
		})
	}
}
