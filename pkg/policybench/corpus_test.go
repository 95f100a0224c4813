package policybench

import (
	"context"
	"os"
	"slices"
	"testing"

	"github.com/apiguard/apiguard/pkg/evaluate"
	"github.com/apiguard/apiguard/pkg/policy"
	"github.com/apiguard/apiguard/pkg/references"
	"github.com/apiguard/apiguard/policies"
)

// TestCorpusVerdicts holds the corpus to its classes under the configuration the make
// target measures with (test/examples-config.yaml): clean objects pass every bundled
// policy, each violating object is denied or warned.
func TestCorpusVerdicts(t *testing.T) {
	ctx := context.Background()
	b, err := os.ReadFile("../../test/examples-config.yaml")
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := policy.DecodeData(b)
	if err != nil {
		t.Fatal(err)
	}
	corpus := NewCorpus()
	inv := map[string]any{"apiguard": map[string]any{"inventory": evaluate.Inventory(corpus.Existing, "")}}
	set, err := policy.Load(ctx, policies.FS(), policy.LoadOptions{Data: []map[string]any{cfg, inv}})
	if err != nil {
		t.Fatal(err)
	}
	refs := references.NewIndex(slices.Values(corpus.ConfigMaps), benchNamespace)
	for _, kc := range corpus.Kinds {
		inputs, err := kindInputs(ctx, kc, refs)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range Classes() {
			for i, in := range inputs[c] {
				d, err := set.Evaluate(ctx, in)
				if err != nil {
					t.Fatalf("%s %s #%d: %v", kc.Kind, c, i, err)
				}
				name := in.Request.Name
				clean := d.Allowed() && len(d.Warnings) == 0
				switch c {
				case ClassClean:
					if !clean {
						t.Errorf("%s %s %s: want a clean pass, got violations %v warnings %v", kc.Kind, c, name, d.Violations, d.Warnings)
					}
				case ClassViolating:
					if clean {
						t.Errorf("%s %s %s: want a denial or a warning, got a clean pass", kc.Kind, c, name)
					}
				}
			}
		}
	}
}
