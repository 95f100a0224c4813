package main

import (
	"context"
	"encoding/json"
	"os"
	"testing"

	admissionv1 "k8s.io/api/admission/v1"

	"github.com/apiguard/apiguard/pkg/policy"
)

// TestReviewCorpusVerdicts judges enough of the corpus to cover every kind and every way
// to fail with the real library, so a policy change that breaks the corpus's premise
// shows here and not as a verdict mismatch in the middle of a benchmark run.
func TestReviewCorpusVerdicts(t *testing.T) {
	t.Parallel()
	set := loadBundledLibrary(t)
	// Twenty positions per kind cycle through up to six failing variants (see reviewCorpus).
	corpus, err := reviewCorpus(4 * 20)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	denied := 0
	for i, r := range corpus {
		var ar admissionv1.AdmissionReview
		if err := json.Unmarshal(r.body, &ar); err != nil {
			t.Fatalf("review %d: %v", i, err)
		}
		d, err := set.Evaluate(context.Background(), policy.Input{Request: ar.Request})
		if err != nil {
			t.Fatalf("review %d: %v", i, err)
		}
		if d.Allowed() != r.wantAllowed {
			t.Errorf("review %d (%s, %q): allowed=%v, want %v: %s", i, r.kind, r.violation, d.Allowed(), r.wantAllowed, d.DenialMessage())
		}
		if !d.Allowed() {
			denied++
		}
		seen[r.kind+"/"+r.violation] = true
		if seen[string(r.body)] {
			t.Errorf("review %d repeats an earlier body", i)
		}
		seen[string(r.body)] = true
	}
	for _, k := range reviewKinds() {
		for _, v := range k.variants {
			if !seen[k.kind+"/"+v] {
				t.Errorf("variant %s %q never generated", k.kind, v)
			}
		}
	}
	if got := float64(denied) / float64(len(corpus)); got != 0.3 {
		t.Errorf("%.0f%% of the corpus is denied, want 30%%", got*100)
	}
}

func loadBundledLibrary(t *testing.T) *policy.PolicySet {
	t.Helper()
	config, err := policy.ReadDataFiles([]string{"../examples-config.yaml"})
	if err != nil {
		t.Fatal(err)
	}
	set, err := policy.Load(context.Background(), os.DirFS("../../policies"), policy.LoadOptions{Revision: "test", Data: config})
	if err != nil {
		t.Fatal(err)
	}
	return set
}
