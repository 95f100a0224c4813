package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	admissionv1 "k8s.io/api/admission/v1"
	"sigs.k8s.io/yaml"

	"github.com/apiguard/apiguard/internal/testenv"
	"github.com/apiguard/apiguard/pkg/policy"
)

// TestApiguardFiveVerdicts checks, offline, that apiguard's five-check subset gives the
// fixed cases the verdicts the peers are held to, and every corpus review the verdict it
// was built for: the peers are compared with these verdicts, so they must be apiguard's.
func TestApiguardFiveVerdicts(t *testing.T) {
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := assembleApiguardFive(filepath.Join(root, "policies"), dir); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	set, err := policy.Load(ctx, os.DirFS(dir), policy.LoadOptions{Revision: "five"})
	if err != nil {
		t.Fatal(err)
	}
	if got := len(set.Policies()); got != len(apiguardFive) {
		t.Errorf("the five-check set has %d policies, want %d", got, len(apiguardFive))
	}
	// The inventory the webhook projects from the owners' Ingresses (pkg/inventory).
	hosts := map[string]any{}
	for k := range peerTakenHosts {
		hosts[peerTakenHost(k)] = []any{map[string]any{"kind": "Ingress", "namespace": peerOwnerNamespace, "name": fmt.Sprintf("owner-%03d", k)}}
	}
	if err := set.SeedInventory(ctx, map[string]any{"hosts": hosts}); err != nil {
		t.Fatal(err)
	}
	judge := func(body []byte) (bool, string) {
		var ar admissionv1.AdmissionReview
		if err := json.Unmarshal(body, &ar); err != nil {
			t.Fatal(err)
		}
		d, err := set.Validate(ctx, policy.Input{Request: ar.Request})
		if err != nil {
			t.Fatal(err)
		}
		return d.Allowed(), d.DenialMessage()
	}
	fixed, _, err := peerVerdictReviews()
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range fixed {
		if allowed, msg := judge(r.body); allowed != r.wantAllowed {
			t.Errorf("%s: allowed=%v, want %v\n%s", r.violation, allowed, r.wantAllowed, msg)
		}
	}
	corpus, err := peerCorpus(400)
	if err != nil {
		t.Fatal(err)
	}
	denied := map[string]int{}
	for i, r := range corpus {
		allowed, msg := judge(r.body)
		if allowed != r.wantAllowed {
			t.Errorf("corpus review %d (%s, %s): allowed=%v\n%s", i, r.kind, describeVariant(r), allowed, msg)
		}
		if !allowed {
			denied[r.violation]++
		}
	}
	for _, k := range peerReviewKinds() {
		for _, v := range k.variants[1:] {
			if denied[v] == 0 {
				t.Errorf("the corpus has no denied %s built to fail by %q", k.kind, v)
			}
		}
	}
}

// TestPeerManifestsParse keeps the peers' policies well-formed YAML with the kinds the
// harness applies.
func TestPeerManifestsParse(t *testing.T) {
	want := map[string]int{
		"gatekeeper/templates.yaml":       5,
		"gatekeeper/constraints.yaml":     5,
		"gatekeeper/config.yaml":          1,
		"kyverno/validatingpolicies.yaml": 5,
		"kyverno/clusterpolicies.yaml":    5,
		"kyverno/globalcontext.yaml":      1,
		"kyverno/config.yaml":             2,
	}
	for file, n := range want {
		b, err := os.ReadFile(filepath.Join("peers", file))
		if err != nil {
			t.Fatal(err)
		}
		docs := 0
		for _, doc := range splitYAML(b) {
			var obj map[string]any
			if err := yaml.Unmarshal(doc, &obj); err != nil {
				t.Fatalf("%s: %v", file, err)
			}
			if len(obj) == 0 {
				continue
			}
			if obj["apiVersion"] == nil || obj["kind"] == nil {
				t.Errorf("%s: a document without apiVersion or kind", file)
			}
			docs++
		}
		if docs != n {
			t.Errorf("%s: %d documents, want %d", file, docs, n)
		}
	}
}

// TestPeerVerdicts starts the peers against a real kube-apiserver and checks that each
// judges the fixed cases as apiguard's five policies do. It needs bin/gatekeeper and
// bin/kyverno (make peer-bins), which make test does not build: without them it is
// skipped with the reason, never passed.
func TestPeerVerdicts(t *testing.T) {
	testenv.Integration(t, testenv.ControlPlane+" and "+testenv.BuiltTools)
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := peerBinaries(root); err != nil {
		t.Skipf("cannot race the peers: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	defer cancel()
	var log strings.Builder
	s, err := startPeerStack(ctx, &log, root, "")
	if err != nil {
		t.Fatalf("%v\n%s", err, log.String())
	}
	defer s.stop()
	names := map[string]bool{}
	for _, tg := range s.list {
		names[tg.name] = true
	}
	for _, want := range []string{targetApiguard5, targetApiguardAll, targetGatekeeper, targetKyvernoCEL, targetKyvernoJMES} {
		if !names[want] {
			t.Errorf("no %s target", want)
		}
	}
	// startPeerStack already waited for agreement; ask once more, as the section does.
	bad, err := s.waitVerdicts(ctx, 10*time.Second)
	if err != nil {
		t.Fatalf("%v (%d)", err, len(bad))
	}
}
