package manifest

import (
	"fmt"
	"strings"
	"testing"
)

// BenchmarkValidateIngress measures the schema check of one Ingress per host count, the
// cost apiguard check adds before the policies run.
func BenchmarkValidateIngress(b *testing.B) {
	for _, n := range []int{10, 1000, 20000} {
		var in strings.Builder
		in.WriteString("apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {name: big, namespace: team}\nspec:\n  tls: [{secretName: t, hosts: [")
		for i := range n {
			if i > 0 {
				in.WriteString(", ")
			}
			fmt.Fprintf(&in, "h%d.example.com", i)
		}
		in.WriteString("]}]\n  rules:\n")
		for i := range n {
			fmt.Fprintf(&in, "  - {host: h%d.example.com, http: {paths: [{path: /, pathType: Prefix, backend: {service: {name: web, port: {number: 80}}}}]}}\n", i)
		}
		docs, err := Decode("big.yaml", strings.NewReader(in.String()))
		if err != nil {
			b.Fatal(err)
		}
		v, _ := NewValidator(FieldStrict, nil)
		b.Run(fmt.Sprintf("hosts=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := v.Validate(docs[0]); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
