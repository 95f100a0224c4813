package policy

import (
	"context"
	"encoding/json"
	"os"
	"testing"

	admissionv1 "k8s.io/api/admission/v1"
)

// The benchmarks use the bundled library, the policies a cluster runs on day one.
func loadLibrary(b *testing.B) *PolicySet {
	b.Helper()
	set, err := Load(context.Background(), os.DirFS("../../policies"), LoadOptions{Revision: "bench"})
	if err != nil {
		b.Fatal(err)
	}
	return set
}

func BenchmarkEvaluateIngress(b *testing.B) {
	benchmarkVerdict(b, (*PolicySet).Evaluate)
}

// BenchmarkValidateIngress is the validating webhook's query: Evaluate without the patch
// rules. Its ratio to BenchmarkEvaluateIngress is what skipping them saves.
func BenchmarkValidateIngress(b *testing.B) {
	benchmarkVerdict(b, (*PolicySet).Validate)
}

func benchmarkVerdict(b *testing.B, judge func(*PolicySet, context.Context, Input) (Decision, error)) {
	unfolded, folded := loadLibrary(b), loadLibrary(b)
	if _, err := folded.Fold(context.Background()); err != nil {
		b.Fatal(err)
	}
	for _, tc := range []struct {
		name   string
		secure bool
		set    *PolicySet
	}{{"allowed", true, unfolded}, {"denied", false, unfolded}, {"allowed-folded", true, folded}, {"denied-folded", false, folded}} {
		name, secure, set := tc.name, tc.secure, tc.set
		b.Run(name, func(b *testing.B) {
			in := Input{Request: ingressRequest(admissionv1.Create, "team", ingress("web", secure))}
			ctx := context.Background()
			b.ReportAllocs()
			for b.Loop() {
				d, err := judge(set, ctx, in)
				if err != nil || d.Allowed() != secure {
					b.Fatalf("allowed=%v err=%v", d.Allowed(), err)
				}
			}
		})
	}
}

// BenchmarkEvaluateUnmatchedKind measures a kind no policy declares: the partition
// lookup should make it nearly free.
func BenchmarkEvaluateUnmatchedKind(b *testing.B) {
	set := loadLibrary(b)
	req := ingressRequest(admissionv1.Create, "team", ingress("web", true))
	req.Kind.Kind = "ConfigMap"
	req.Kind.Group = ""
	in := Input{Request: req}
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := set.Evaluate(ctx, in); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkMutateIngress(b *testing.B) {
	set := loadLibrary(b)
	in := Input{Request: ingressRequest(admissionv1.Create, "team", ingress("web", true))}
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := set.Mutate(ctx, in, 0); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkFoldLibrary is what PolicySet.Fold costs for the bundled library, against
// which its saving per decision (the -folded cases above) pays off.
func BenchmarkFoldLibrary(b *testing.B) {
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		b.StopTimer()
		set := loadLibrary(b)
		b.StartTimer()
		if stats, err := set.Fold(ctx); err != nil || stats.Folded == 0 {
			b.Fatalf("%+v %v", stats, err)
		}
	}
}

func BenchmarkLoadLibrary(b *testing.B) {
	fsys := os.DirFS("../../policies")
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Load(ctx, fsys, LoadOptions{Revision: "bench"}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRunTestsLibrary is the test half of the activation gate on the bundled library.
func BenchmarkRunTestsLibrary(b *testing.B) {
	fsys := os.DirFS("../../policies")
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		report, err := RunTests(ctx, fsys, LoadOptions{})
		if err != nil || !report.OK() {
			b.Fatalf("%v %s", err, report)
		}
	}
}

// BenchmarkApplyAdds applies the three HSTS annotations to an Ingress in one patch
// ("batched") and one at a time ("one-by-one"), the path before independent adds were
// batched.
func BenchmarkApplyAdds(b *testing.B) {
	doc, err := json.Marshal(ingress("web", true))
	if err != nil {
		b.Fatal(err)
	}
	var ops []PatchOp
	for _, key := range []string{"hsts", "hsts-max-age", "hsts-include-subdomains"} {
		ops = append(ops, PatchOp{Policy: "ingress.default_hsts", Op: "add", Path: "/metadata/annotations/nginx.ingress.kubernetes.io~1" + key, Value: "true"})
	}
	for name, apply := range map[string]func([]byte, []PatchOp) ([]byte, []PatchOp, []PatchOp, error){
		"batched":    applyAdds,
		"one-by-one": applyAddsOneByOne,
	} {
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, applied, _, err := apply(doc, ops); err != nil || len(applied) != 3 {
					b.Fatalf("applied %d, err %v", len(applied), err)
				}
			}
		})
	}
}

// BenchmarkValidateReapply is the reconcile storm: a GitOps controller re-applying an
// Ingress whose content did not change (an UPDATE that differs from the stored object
// only in resourceVersion). The engine answers it without evaluating a policy; compare
// with BenchmarkValidateIngress.
func BenchmarkValidateReapply(b *testing.B) {
	set := loadLibrary(b)
	obj := ingress("web", false)
	req := ingressRequest(admissionv1.Update, "team", obj)
	obj["metadata"].(map[string]any)["resourceVersion"] = "41"
	old, err := json.Marshal(obj)
	if err != nil {
		b.Fatal(err)
	}
	req.OldObject.Raw = old
	in := Input{Request: req}
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		d, err := set.Validate(ctx, in)
		if err != nil || d.NotJudged == "" {
			b.Fatalf("decision %+v, err %v: a re-apply must not be judged again", d, err)
		}
	}
}
