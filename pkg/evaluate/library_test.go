package evaluate

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	admissionv1 "k8s.io/api/admission/v1"

	"github.com/apiguard/apiguard/pkg/manifest"
	"github.com/apiguard/apiguard/pkg/policy"
)

// TestLibraryVerdictIsTheValidationOfThePatchedObject checks, on every example of the
// bundled library, that the verdict taken during mutation is exactly what a separate
// validation of the patched object says: the shortcut must never change a decision.
func TestLibraryVerdictIsTheValidationOfThePatchedObject(t *testing.T) {
	ctx := context.Background()
	set, docs := libraryAndExamples(t)
	patched := 0
	for _, d := range docs {
		res, err := Object(ctx, set, d.Raw, policy.RequestOptions{Operation: admissionv1.Create, Namespace: "default"})
		if err != nil {
			t.Fatalf("%s: %v", d.File, err)
		}
		if len(res.Patches) > 0 {
			patched++
		}
		validated := *res.Request
		validated.Object.Raw = res.Patched
		fresh, err := set.Evaluate(ctx, policy.Input{Request: &validated})
		if err != nil {
			t.Fatalf("%s: %v", d.File, err)
		}
		if !reflect.DeepEqual(res.Decision.Violations, fresh.Violations) || !reflect.DeepEqual(res.Decision.Warnings, fresh.Warnings) {
			t.Errorf("%s: verdict during mutation %+v / %+v differs from validation %+v / %+v",
				d.File, res.Decision.Violations, res.Decision.Warnings, fresh.Violations, fresh.Warnings)
		}
		if ops := fresh.AppliedPatches(); len(ops) != 0 {
			t.Errorf("%s: the patched object is not a fixed point: policies still propose %+v", d.File, ops)
		}
	}
	if patched == 0 {
		t.Fatal("no example was patched: the comparison proves nothing")
	}
}

// TestLibraryValidateIsEvaluateWithoutPatches checks, on every example of the bundled
// library before and after mutation, that the validating webhook's query (no patch
// rules) gives exactly Evaluate's verdict and proposes nothing.
func TestLibraryValidateIsEvaluateWithoutPatches(t *testing.T) {
	ctx := context.Background()
	set, docs := libraryAndExamples(t)
	denied, withPatches := 0, 0
	for _, d := range docs {
		res, err := Object(ctx, set, d.Raw, policy.RequestOptions{Operation: admissionv1.Create, Namespace: "default"})
		if err != nil {
			t.Fatalf("%s: %v", d.File, err)
		}
		for _, raw := range [][]byte{d.Raw, res.Patched} {
			req := *res.Request
			req.Object.Raw = raw
			full, err := set.Evaluate(ctx, policy.Input{Request: &req})
			if err != nil {
				t.Fatalf("%s: %v", d.File, err)
			}
			verdict, err := set.Validate(ctx, policy.Input{Request: &req})
			if err != nil {
				t.Fatalf("%s: %v", d.File, err)
			}
			if !reflect.DeepEqual(full.Violations, verdict.Violations) || !reflect.DeepEqual(full.Warnings, verdict.Warnings) {
				t.Errorf("%s: Validate %+v / %+v differs from Evaluate %+v / %+v",
					d.File, verdict.Violations, verdict.Warnings, full.Violations, full.Warnings)
			}
			if len(verdict.Patches) != 0 {
				t.Errorf("%s: Validate proposed patches %+v", d.File, verdict.Patches)
			}
			if !full.Allowed() {
				denied++
			}
			if len(full.Patches) > 0 {
				withPatches++
			}
		}
	}
	if denied == 0 || withPatches == 0 {
		t.Fatalf("denied %d, with patches %d: the examples must exercise both for the comparison to mean anything", denied, withPatches)
	}
}

// libraryAndExamples loads the bundled library with the examples' configuration, and
// the examples.
func libraryAndExamples(t *testing.T) (*policy.PolicySet, []manifest.Document) {
	t.Helper()
	data, err := policy.ReadDataFiles([]string{"../../test/examples-config.yaml"})
	if err != nil {
		t.Fatal(err)
	}
	set, err := policy.Load(context.Background(), os.DirFS("../../policies"), policy.LoadOptions{Revision: "lib", Data: data})
	if err != nil {
		t.Fatal(err)
	}
	files, err := filepath.Glob("../../examples/*.yaml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no examples: %v", err)
	}
	docs, err := manifest.Read(files, manifest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return set, docs
}
