package policy

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	admissionv1 "k8s.io/api/admission/v1"
)

// conditional is a policy that is on only while data.apiguard.config.hosts is a
// non-empty list; it reads its setting through a library rule, as the bundled policies do.
const conditional = `# METADATA
# custom:
#   kinds: [Ingress]
package ingress.conditional

import data.lib.settings

enabled if count(settings.hosts) > 0

deny contains "host not allowed" if {
	enabled
	not input.request.object.metadata.name in settings.hosts
}
`

const settingsLib = `package lib.settings

hosts := h if {
	h := data.apiguard.config.hosts
	is_array(h)
} else := []
`

func TestEnabledDropsInertPoliciesAndFollowsData(t *testing.T) {
	files := map[string]string{"c.rego": conditional, "lib.rego": settingsLib, "tls.rego": requireTLS}
	in := Input{Request: ingressRequest(admissionv1.Create, "ns", ingress("web", false))}
	judge := func(set *PolicySet) []string {
		t.Helper()
		d, err := set.Evaluate(context.Background(), in)
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, v := range d.Violations {
			ids = append(ids, v.Policy)
		}
		return ids
	}

	off := load(t, files)
	if got := off.Inert(); !slices.Equal(got, []string{"ingress.conditional"}) {
		t.Fatalf("inert without configuration = %v", got)
	}
	for _, sl := range off.partitionFor("networking.k8s.io", "Ingress").slots {
		if sl.policy.ID == "ingress.conditional" {
			t.Fatal("an inert policy is in the Ingress query")
		}
	}
	if got := judge(off); !slices.Equal(got, []string{"ingress.require_tls"}) {
		t.Fatalf("without configuration: violations of %v", got)
	}
	// Still listed: an inert policy is discovered, only not evaluated.
	if !slices.ContainsFunc(off.Policies(), func(p Policy) bool { return p.ID == "ingress.conditional" && p.Inert }) {
		t.Fatal("the inert policy is not listed as inert")
	}

	// New data (a new revision or --data-file) builds a new set: the policy comes back.
	cfg := map[string]any{"apiguard": map[string]any{"config": map[string]any{"hosts": []any{"other"}}}}
	on := load(t, files, LoadOptions{Revision: "r2", Data: []map[string]any{cfg}})
	if got := on.Inert(); len(got) != 0 {
		t.Fatalf("inert with configuration = %v", got)
	}
	if got := judge(on); !slices.Equal(got, []string{"ingress.conditional", "ingress.require_tls"}) {
		t.Fatalf("with configuration: violations of %v", got)
	}

	// The same configuration in the tree's own data file (a Git revision) works alike.
	files["data.yaml"] = "apiguard:\n  config:\n    hosts: [other]\n"
	if got := load(t, files).Inert(); len(got) != 0 {
		t.Fatalf("inert with the tree's configuration = %v", got)
	}

	// Inventory updates never change it: the set does not re-evaluate enabled.
	if err := off.SeedInventory(context.Background(), map[string]any{"hosts": map[string]any{}}); err != nil {
		t.Fatal(err)
	}
	if got := off.Inert(); !slices.Equal(got, []string{"ingress.conditional"}) {
		t.Fatalf("inert after an inventory seed = %v", got)
	}
}

func TestEnabledWithoutTheRuleIsAlwaysEvaluated(t *testing.T) {
	set := load(t, map[string]string{"tls.rego": requireTLS})
	if got := set.Inert(); len(got) != 0 {
		t.Fatalf("inert = %v", got)
	}
}

func TestEnabledFalseAndUndefinedAreInert(t *testing.T) {
	for name, rule := range map[string]string{
		"false":     "enabled := false",
		"undefined": "enabled if data.apiguard.config.missing",
		"default":   "default enabled := false\nenabled if data.apiguard.config.missing",
	} {
		t.Run(name, func(t *testing.T) {
			set := load(t, map[string]string{"p.rego": "package p\n\n" + rule + "\n\ndeny contains \"x\"\n"})
			if got := set.Inert(); !slices.Equal(got, []string{"p"}) {
				t.Fatalf("inert = %v", got)
			}
		})
	}
}

func TestEnabledMustReadOnlyData(t *testing.T) {
	cases := map[string]struct {
		src  string
		want string // in the error, after file:row
	}{
		"input directly": {
			src:  "package p\n\nenabled if input.request.kind.kind == \"Ingress\"\n\ndeny contains \"x\"\n",
			want: "p.rego:3: p.enabled may read only data",
		},
		"input through a rule": {
			src:  "package p\n\nkind := input.request.kind.kind\n\nenabled if kind == \"Ingress\"\n\ndeny contains \"x\"\n",
			want: "p.rego:3: p.enabled may read only data (it is evaluated once per revision, without a request), but it depends on input",
		},
		"input through a function in an else": {
			src:  "package p\n\nf(x) := 1 if x == 2 else := input.y\n\nenabled if f(1) == 1\n\ndeny contains \"x\"\n",
			want: "depends on input",
		},
		"the inventory": {
			src:  "package p\n\nenabled if count(data.apiguard.inventory.hosts) > 0\n\ndeny contains \"x\"\n",
			want: "p.rego:3: p.enabled may read only data",
		},
		"all of data.apiguard": {
			src:  "package p\n\nenabled if data.apiguard.config.x == data.apiguard[k].y\n\ndeny contains \"x\"\n",
			want: "may read data.apiguard.inventory",
		},
		"a function": {
			src:  "package p\n\nenabled(x) if x\n\ndeny contains \"x\"\n",
			want: "must be a boolean rule",
		},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := loadErr(map[string]string{"p.rego": c.src})
			var ce *CompileError
			if !errors.As(err, &ce) {
				t.Fatalf("err = %v, want a CompileError", err)
			}
			if !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err = %v, want %q", err, c.want)
			}
		})
	}
	// Other data, and the configuration, are fine.
	load(t, map[string]string{"p.rego": "package p\n\nenabled if data.apiguard.config.on == true\n\nenabled if data.other.x\n\ndeny contains \"x\"\n"})
}

func TestEnabledErrorsRefuseTheSet(t *testing.T) {
	for name, src := range map[string]string{
		"builtin error": "package p\n\nenabled if to_number(data.apiguard.config.num) > 0\n\ndeny contains \"x\"\n",
		"not boolean":   "package p\n\nenabled := data.apiguard.config.num\n\ndeny contains \"x\"\n",
		"conflict":      "package p\n\nenabled := true if data.apiguard.config.num\n\nenabled := false if data.apiguard.config.num\n\ndeny contains \"x\"\n",
	} {
		t.Run(name, func(t *testing.T) {
			files := map[string]string{"p.rego": src, "data.yaml": "apiguard:\n  config:\n    num: abc\n"}
			_, err := loadErr(files)
			if err == nil || !strings.Contains(err.Error(), "p.rego:") || !strings.Contains(err.Error(), "p.enabled") {
				t.Fatalf("err = %v, want a load error naming p.rego and p.enabled", err)
			}
		})
	}
}

// TestEnabledBundledLibrary pins which bundled policies are inert on day one (no
// configuration) and that the configuration each needs brings it back.
func TestEnabledBundledLibrary(t *testing.T) {
	fsys := os.DirFS("../../policies")
	ctx := context.Background()
	set, err := Load(ctx, fsys, LoadOptions{Revision: "lib"})
	if err != nil {
		t.Fatal(err)
	}
	all := []string{"gitops.reviewed_change", "ingress.allowed_class", "ingress.default_class", "ingress.default_hsts"}
	if got := set.Inert(); !slices.Equal(got, all) {
		t.Fatalf("inert with the default configuration = %v, want %v", got, all)
	}
	for name, cfg := range map[string]map[string]any{
		"identities":     {"gitops": map[string]any{"identities": []any{"defaults"}}},
		"identityGroups": {"gitops": map[string]any{"identityGroups": []any{"gitops"}}},
		"allowedClasses": {"ingress": map[string]any{"allowedClasses": []any{"nginx"}}},
		"requireClass":   {"ingress": map[string]any{"requireClass": true}},
		"defaultClass":   {"ingress": map[string]any{"defaultClass": "nginx"}},
		"hsts":           {"ingress": map[string]any{"hsts": true}},
	} {
		t.Run(name, func(t *testing.T) {
			data := map[string]any{"apiguard": map[string]any{"config": cfg}}
			set, err := Load(ctx, fsys, LoadOptions{Revision: "lib", Data: []map[string]any{data}})
			if err != nil {
				t.Fatal(err)
			}
			if got := set.Inert(); len(got) != len(all)-1 {
				t.Fatalf("inert = %v, want one of %v back", got, all)
			}
		})
	}
}

// alwaysEvaluated is the bundled library with every enabled rule renamed, so the engine
// evaluates each policy on every request, as it did before inert policies were dropped.
// The policies' own guards still hold, so verdicts are the same.
func alwaysEvaluated(b *testing.B) fstest.MapFS {
	b.Helper()
	defines := regexp.MustCompile(`(?m)^enabled\b`)
	word := regexp.MustCompile(`\benabled\b`)
	out := fstest.MapFS{}
	src := os.DirFS("../../policies")
	err := fs.WalkDir(src, ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := fs.ReadFile(src, name)
		if err != nil {
			return err
		}
		if strings.HasSuffix(name, ".rego") && defines.Match(data) {
			data = word.ReplaceAll(data, []byte("enabled_always_evaluated"))
		}
		out[name] = &fstest.MapFile{Data: data}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	return out
}

// BenchmarkInertPolicies runs one Ingress decision with the bundled library and its
// default configuration twice per iteration: with inert policies dropped and with every
// policy evaluated (the library with its enabled rules renamed), alternating which goes
// first. Interleaving each pair keeps a noisy machine's load out of the ratio; it
// reports each side's median ns per decision and their ratio.
func BenchmarkInertPolicies(b *testing.B) {
	ctx := context.Background()
	dropped, err := Load(ctx, os.DirFS("../../policies"), LoadOptions{Revision: "bench"})
	if err != nil {
		b.Fatal(err)
	}
	evaluated, err := Load(ctx, alwaysEvaluated(b), LoadOptions{Revision: "bench"})
	if err != nil {
		b.Fatal(err)
	}
	if len(dropped.Inert()) == 0 || len(evaluated.Inert()) != 0 {
		b.Fatalf("inert: dropped %v, evaluated %v", dropped.Inert(), evaluated.Inert())
	}
	for _, secure := range []bool{true, false} {
		in := Input{Request: ingressRequest(admissionv1.Create, "team", ingress("web", secure))}
		b.Run(map[bool]string{true: "allowed", false: "denied"}[secure], func(b *testing.B) {
			var spent [2][]time.Duration
			sets := [2]*PolicySet{dropped, evaluated}
			n := 0
			for b.Loop() {
				for k := range 2 {
					i := (n + k) % 2
					start := time.Now()
					d, err := sets[i].Validate(ctx, in)
					spent[i] = append(spent[i], time.Since(start))
					if err != nil || d.Allowed() != secure {
						b.Fatalf("allowed=%v err=%v", d.Allowed(), err)
					}
				}
				n++
			}
			// Medians: a preempted or collected decision on a busy machine lands on
			// one side at random and would swing a mean.
			median := func(d []time.Duration) float64 {
				slices.Sort(d)
				return float64(d[len(d)/2].Nanoseconds())
			}
			dm, em := median(spent[0]), median(spent[1])
			b.ReportMetric(dm, "dropped-ns/op")
			b.ReportMetric(em, "evaluated-ns/op")
			b.ReportMetric(dm/em, "dropped/evaluated")
		})
	}
}
