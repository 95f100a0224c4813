package main

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	admissionv1 "k8s.io/api/admission/v1"

	"github.com/apiguard/apiguard/pkg/policy"

	"github.com/apiguard/apiguard/internal/testenv"
)

func TestOPASystemModuleRules(t *testing.T) {
	policies := []policy.Policy{
		{ID: "ingress.require_tls", Rules: []string{"deny"}, Kinds: []string{"Ingress"}, Enforcement: policy.ActionDeny},
		{ID: "route.hosts", Rules: []string{"violation", "warn"}, Kinds: []string{"gateway.networking.k8s.io/HTTPRoute", "core/Service"}, Enforcement: policy.ActionWarn},
		{ID: "any.kind-check", Rules: []string{"deny", "patch"}, Enforcement: policy.ActionDeny},
		{ID: "quiet.dry", Rules: []string{"deny", "warn"}, Enforcement: policy.ActionDryRun},
		{ID: "gone.off", Rules: []string{"deny"}, Enforcement: policy.ActionOff},
	}
	module, err := opaSystemModule(policies, []string{"kube-*"}, true)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"denials contains sprintf(\"[%s] %s\", [\"ingress.require_tls\", message(x)]) if {\n\tinput.request.kind.kind == \"Ingress\"\n\tnot exempt\n\tsome x in data.ingress.require_tls.deny\n}",
		// Demoted to warn: the violation becomes a warning, once per declared kind.
		"warnings contains sprintf(\"[%s] %s\", [\"route.hosts\", message(x)]) if {\n\tinput.request.kind.group == \"gateway.networking.k8s.io\"\n\tinput.request.kind.kind == \"HTTPRoute\"\n\tnot exempt\n\tsome x in data.route.hosts.violation\n}",
		"\tinput.request.kind.group == \"\"\n\tinput.request.kind.kind == \"Service\"\n\tnot exempt\n\tsome x in data.route.hosts.violation\n}",
		"some x in data.route.hosts.warn",
		// No kinds: no guard; a path segment that is not an identifier is quoted.
		"denials contains sprintf(\"[%s] %s\", [\"any.kind-check\", message(x)]) if {\n\tnot exempt\n\tsome x in data.any[\"kind-check\"].deny\n}",
		"some p in [\"kube-*\"]",
	} {
		if !strings.Contains(module, want) {
			t.Errorf("module lacks\n%s\n--- module:\n%s", want, module)
		}
	}
	for _, absent := range []string{"quiet.dry", "gone.off", ".patch"} {
		if strings.Contains(module, absent) {
			t.Errorf("module evaluates %s", absent)
		}
	}
	unguarded, err := opaSystemModule(policies, nil, false)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(unguarded, "input.request.kind") || strings.Contains(unguarded, "exempt") {
		t.Errorf("without the kind index or exemptions the rules are guarded:\n%s", unguarded)
	}
}

// TestOPASystemModuleAgrees runs the generated module in the real OPA (bin/opa, built by
// `make opa-test`) on a denied and an allowed review and compares with pkg/policy.
func TestOPASystemModuleAgrees(t *testing.T) {
	testenv.Integration(t, testenv.BuiltTools+" (bin/opa)")
	t.Parallel()
	opa, err := filepath.Abs("../../bin/opa")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(opa); err != nil {
		testenv.Missing(t, "bin/opa is not built (make bin/opa)")
	}
	set := loadBundledLibrary(t)
	module, err := opaSystemModule(set.Policies(), set.ExemptNamespaces(), true)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	modulePath := filepath.Join(dir, "system.rego")
	if err := os.WriteFile(modulePath, []byte(module), 0o644); err != nil {
		t.Fatal(err)
	}
	corpus, err := reviewCorpus(8)
	if err != nil {
		t.Fatal(err)
	}
	// One OPA process judges all of them: the reviews go in as data, each becomes input.
	picked := []int{0, 4, 3} // a denied Ingress, an allowed one, a denied ApiDefinition
	var reviews []json.RawMessage
	for _, i := range picked {
		reviews = append(reviews, corpus[i].body)
	}
	data, err := json.Marshal(map[string]any{"bench_reviews": reviews})
	if err != nil {
		t.Fatal(err)
	}
	dataPath := filepath.Join(dir, "reviews.json")
	if err := os.WriteFile(dataPath, data, 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(opa, "eval", "--format", "json", "--ignore", "*_test.rego",
		"-d", "../../policies", "-d", "../examples-config.yaml", "-d", modulePath, "-d", dataPath,
		"[m | some r in data.bench_reviews; m := data.system.main with input as r]")
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("opa eval: %v\n%s%s", err, out, stderr.String())
	}
	var result struct {
		Result []struct {
			Expressions []struct {
				Value []json.RawMessage `json:"value"`
			} `json:"expressions"`
		} `json:"result"`
	}
	if err := json.Unmarshal(out, &result); err != nil || len(result.Result) != 1 || len(result.Result[0].Expressions[0].Value) != len(picked) {
		t.Fatalf("opa eval output %s: %v", out, err)
	}
	for n, i := range picked {
		r := corpus[i]
		theirs, err := decodeAnswer(result.Result[0].Expressions[0].Value[n])
		if err != nil {
			t.Fatal(err)
		}
		var ar admissionv1.AdmissionReview
		if err := json.Unmarshal(r.body, &ar); err != nil {
			t.Fatal(err)
		}
		d, err := set.Evaluate(context.Background(), policy.Input{Request: ar.Request})
		if err != nil {
			t.Fatal(err)
		}
		var ourDenials []string
		if !d.Allowed() {
			ourDenials = policyLines(strings.Split(d.DenialMessage(), "\n"))
		}
		if theirs.Allowed != d.Allowed() || theirs.UID != r.uid || !slices.Equal(theirs.Denials, ourDenials) || !slices.Equal(theirs.Warnings, policyLines(d.UserWarnings())) {
			t.Errorf("review %d (%s %q): OPA %+v; apiguard allowed=%v %q warnings %q", i, r.kind, r.violation, theirs, d.Allowed(), ourDenials, d.UserWarnings())
		}
	}
}
