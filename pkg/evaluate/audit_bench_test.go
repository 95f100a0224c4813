package evaluate

import (
	"context"
	"fmt"
	"os"
	"testing"

	"github.com/apiguard/apiguard/pkg/policy"
)

// storedIngress is an Ingress as the API server stores it: compliant, but created while
// the mutating webhook was away, so it lacks the library's secure defaults.
const storedIngress = `{"apiVersion":"networking.k8s.io/v1","kind":"Ingress","metadata":{"name":"ing-%06d","namespace":"bench","uid":"6f1c2a7e-0000-4000-8000-%012d",
"resourceVersion":"12345","generation":1,"creationTimestamp":"2026-11-24T00:00:00Z","labels":{"app.kubernetes.io/owner":"team-e2e"}},
"spec":{"ingressClassName":"nginx","tls":[{"hosts":["ing-%06d.bench.example.com"],"secretName":"web-tls"}],
"rules":[{"host":"ing-%06d.bench.example.com","http":{"paths":[{"path":"/","pathType":"Prefix","backend":{"service":{"name":"web","port":{"number":80}}}}]}}]},
"status":{"loadBalancer":{}}}`

// BenchmarkAudit is one object of a drift audit with the bundled library: the AUDIT
// verdict and the patches it would get.
func BenchmarkAudit(b *testing.B) {
	data, err := policy.ReadDataFiles([]string{"../../test/examples-config.yaml"})
	if err != nil {
		b.Fatal(err)
	}
	set, err := policy.Load(context.Background(), os.DirFS("../../policies"), policy.LoadOptions{Revision: "bench", Data: data})
	if err != nil {
		b.Fatal(err)
	}
	objs := make([][]byte, 64)
	for i := range objs {
		objs[i] = []byte(fmt.Sprintf(storedIngress, i, i, i, i))
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		res, err := Audit(context.Background(), set, objs[i%len(objs)])
		if err != nil || len(res.Patches) != 4 || len(res.Decision.Violations) != 0 {
			b.Fatalf("%v: patches %v violations %v", err, res.Patches, res.Decision.Violations)
		}
		i++
	}
}
