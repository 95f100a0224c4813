package policy

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	jsonpatch "github.com/evanphx/json-patch/v5"
	admissionv1 "k8s.io/api/admission/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
)

// loadBudget bounds one Load plus a trial evaluation of what it loaded, as the webhook's
// eval timeout bounds a request. An input that takes far longer than the budget is a
// hang worth reporting: something ignored the deadline (machine load aside).
const (
	loadBudget   = 2 * time.Second
	hangReported = 20 * time.Second
)

// FuzzPolicyLoad feeds an arbitrary module and data file (data.json or data.yaml) to
// Load. It must return a set or an error, never panic and never hang; a set it returns
// must evaluate and mutate a request to a decision or an *EvalError within the deadline.
func FuzzPolicyLoad(f *testing.F) {
	for _, p := range []string{"ingress/require_tls.rego", "ingress/default_hsts.rego", "gitops/reviewed_change.rego", "lib/kubernetes.rego"} {
		b, err := os.ReadFile(filepath.Join("../../policies", p))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(string(b), []byte(`{"apiguard":{"config":{"ingress":{"hsts":true}}}}`), false)
	}
	for _, seed := range []struct {
		module string
		data   string
		yaml   bool
	}{
		{requireTLS, `{"apiguard":{"config":{"enforcement":{"ingress.require_tls":"warn"},"exemptNamespaces":["kube-*"]}}}`, false},
		{requireTLS, "apiguard:\n  config:\n    enforcement: {ingress.require_tls: maybe}\n", true},
		{requireTLS, "apiguard:\n  config:\n    exemptNamespaces: ['[']\n", true},
		{sslRedirect, "a: &a [1]\nb: [*a, *a]\n", true},
		{everything, `[1, 2]`, false},
		{"package x\n\ndeny contains http.send({})\n", `{}`, false},
		{"package x\n\ndeny contains trace(\"a\")\n", ``, false},
		{"# METADATA\n# custom:\n#   kinds: 7\npackage x\n\ndeny contains 1 if true\n", `null`, false},
		{"package x\n\nv := \"a\" if input.request\nv := \"b\" if input.request\n\ndeny contains v\n", `{"x": {"v": 1}}`, false},
		// A loop, kept short: every mutation of a seed that runs into the deadline costs
		// the whole budget, and the fuzzer would spend its time waiting.
		{"package x\n\ndeny contains 1 if { some i in numbers.range(1, 1000); i < 0 }\n", `{}`, false},
		{"package x\n\npatch contains {\"op\": \"add\", \"path\": \"metadata\", \"value\": 1}\n", `{}`, false},
		{"package apiguard.config\n\nenforcement := {}\n", `{"apiguard":{"config":{"enforcement":{}}}}`, false},
		{"package x\nimport rego.v1\n\ndeny[msg] { msg := \"v0\" }\n", "\t- a", true},
	} {
		f.Add(seed.module, []byte(seed.data), seed.yaml)
	}
	req := ingressRequest(admissionv1.Create, "team", ingress("fuzz", false))
	f.Fuzz(func(t *testing.T, module string, data []byte, asYAML bool) {
		dataFile := "data.json"
		if asYAML {
			dataFile = "data.yaml"
		}
		fsys := fstest.MapFS{"fuzz/policy.rego": {Data: []byte(module)}, dataFile: {Data: data}}
		ctx, cancel := context.WithTimeout(context.Background(), loadBudget)
		defer cancel()
		start := time.Now()
		defer func() {
			if took := time.Since(start); took > hangReported {
				t.Errorf("load and trial evaluation took %s (budget %s)", took, loadBudget)
			}
		}()
		set, err := Load(ctx, fsys, LoadOptions{Revision: "fuzz"})
		if err != nil {
			if set != nil {
				t.Fatalf("both a set and an error: %v", err)
			}
			checkLoadError(t, err)
			return
		}
		if set == nil {
			t.Fatal("neither a set nor an error")
		}
		seen := map[string]bool{}
		for _, p := range set.Policies() {
			if p.ID == "" || seen[p.ID] || len(p.Rules) == 0 {
				t.Fatalf("bad policy list entry %+v", p)
			}
			seen[p.ID] = true
		}
		if _, err := set.Evaluate(ctx, Input{Request: req}); err != nil {
			checkEvalError(t, err)
		}
		if _, err := set.Mutate(ctx, Input{Request: req}, 0); err != nil {
			checkEvalError(t, err)
		}
	})
}

func checkLoadError(t *testing.T, err error) {
	t.Helper()
	if strings.TrimSpace(err.Error()) == "" {
		t.Fatal("empty error message")
	}
	var ce *CompileError
	if errors.As(err, &ce) {
		if len(ce.Problems) == 0 {
			t.Fatal("a compile error without problems")
		}
		for _, p := range ce.Problems {
			if strings.TrimSpace(p) == "" {
				t.Fatalf("an empty problem in %q", ce.Problems)
			}
		}
	}
}

// checkEvalError: a set that loaded may still fail on a request (a conflict, a builtin
// error, the deadline), but only as an *EvalError, which callers turn into "undecided".
func checkEvalError(t *testing.T, err error) {
	t.Helper()
	var ee *EvalError
	if !errors.As(err, &ee) || strings.TrimSpace(err.Error()) == "" {
		t.Fatalf("evaluation failed with %T %q, want an *EvalError", err, err)
	}
}

// The patch policies FuzzPatch mutates with: a key added into a map that may not exist
// yet, a whole map added, and an element appended to an array. Each proposes its add
// only while the target is unset, as the library's defaults do.
var fuzzPatchPolicies = map[string]string{
	"annotation.rego": `# METADATA
# custom:
#   kinds: [Widget]
package fuzz.annotation

patch contains {"op": "add", "path": "/metadata/annotations/fuzz.example.com~1default", "value": "on"} if {
	not input.request.object.metadata.annotations["fuzz.example.com/default"]
}
`,
	"map.rego": `# METADATA
# custom:
#   kinds: [Widget]
package fuzz.map

patch contains {"op": "add", "path": "/spec/defaults", "value": {"timeout": "30s", "retry": {"attempts": 3, "codes": [502, 503]}}} if {
	is_object(input.request.object.spec)
	object.get(input.request.object.spec, "defaults", null) == null
}
`,
	"array.rego": `# METADATA
# custom:
#   kinds: [Widget]
package fuzz.array

patch contains {"op": "add", "path": "/spec/ports/-", "value": {"name": "fuzz-metrics", "port": 9090}} if {
	ports := input.request.object.spec.ports
	is_array(ports)
	not has_metrics(ports)
}

has_metrics(ports) if {
	some p in ports
	p.name == "fuzz-metrics"
}
`,
}

// FuzzPatch mutates arbitrary objects with fuzzPatchPolicies. When Mutate succeeds:
//   - its Applied operations, replayed in order on the original with the engine's
//     semantics (an add creates missing parent maps), give exactly Patched;
//   - it never overwrites: every value the object set survives, array elements in order;
//   - it is idempotent: mutating Patched changes nothing.
//
// Objects no API server sends (metadata a string) may fail to mutate; that is an
// *EvalError, answered as undecided, never a panic.
func FuzzPatch(f *testing.F) {
	for _, seed := range []string{
		`{"metadata":{"name":"a"},"spec":{"ports":[{"name":"http","port":80}]}}`,
		`{"metadata":{"name":"a","annotations":{"fuzz.example.com/default":"off"}},"spec":{"defaults":{"timeout":"1s"},"ports":[{"name":"fuzz-metrics"}]}}`,
		`{"metadata":{"annotations":null},"spec":{"defaults":null,"ports":[]}}`,
		`{"metadata":{"annotations":{"a~b/c":"1"}},"spec":{"ports":[null,1,"x",[2]],"defaults":{}}}`,
		`{"metadata":{},"spec":[]}`,
		`{"metadata":"x"}`,
		`{"metadata":{"annotations":{"fuzz.example.com/default":null}},"spec":{"ports":{"0":1}}}`,
		`{"spec":{"ports":[{"name":"fuzz-metrics","port":1e400}]}}`,
		`{"metadata":{"annotations":{},"annotations":{"x":"y"}},"spec":{"ports":[],"ports":[1]}}`,
		`{}`,
		`[]`,
		`null`,
	} {
		f.Add([]byte(seed), false)
	}
	f.Add([]byte(`{"metadata":{"name":"a"},"spec":{}}`), true)
	set := loadFuzzPatchSet(f)
	f.Fuzz(func(t *testing.T, object []byte, update bool) {
		req := widgetRequest(object, update)
		ctx, cancel := context.WithTimeout(context.Background(), loadBudget)
		defer cancel()
		m, err := set.Mutate(ctx, Input{Request: req}, 0)
		if err != nil {
			checkEvalError(t, err)
			return
		}
		if !json.Valid(object) {
			// The engine never saw a value to patch: it cannot have changed anything.
			if m.Changed() {
				t.Fatalf("patched invalid JSON %q", object)
			}
			return
		}
		replayed, err := replay(object, m.Applied)
		if err != nil {
			t.Fatalf("applied operations %+v do not replay on %s: %v", m.Applied, object, err)
		}
		if !sameJSON(replayed, m.Patched) {
			t.Fatalf("replaying %+v on %s gives %s, Patched is %s", m.Applied, object, replayed, m.Patched)
		}
		var before, after any
		if err := json.Unmarshal(object, &before); err == nil && json.Unmarshal(m.Patched, &after) == nil && !preserves(before, after) {
			t.Fatalf("a value set in %s was overwritten: %s", object, m.Patched)
		}
		again, err := set.Mutate(ctx, Input{Request: widgetRequest(m.Patched, update)}, 0)
		if err != nil {
			t.Fatalf("mutating the patched object %s: %v", m.Patched, err)
		}
		if again.Changed() || !sameJSON(again.Patched, m.Patched) {
			t.Fatalf("not idempotent: %s became %s (applied %+v)", m.Patched, again.Patched, again.Applied)
		}
	})
}

func loadFuzzPatchSet(tb testing.TB) *PolicySet {
	tb.Helper()
	fsys := fstest.MapFS{}
	for name, src := range fuzzPatchPolicies {
		fsys[name] = &fstest.MapFile{Data: []byte(src)}
	}
	set, err := Load(context.Background(), fsys, LoadOptions{Revision: "fuzz"})
	if err != nil {
		tb.Fatal(err)
	}
	return set
}

// widgetRequest is a CREATE of object, or an UPDATE from an empty object.
func widgetRequest(object []byte, update bool) *admissionv1.AdmissionRequest {
	req := &admissionv1.AdmissionRequest{
		UID:       "fuzz",
		Kind:      metav1.GroupVersionKind{Group: "example.com", Version: "v1", Kind: "Widget"},
		Namespace: "team",
		Operation: admissionv1.Create,
		Object:    runtime.RawExtension{Raw: object},
	}
	if update {
		req.Operation = admissionv1.Update
		req.OldObject = runtime.RawExtension{Raw: []byte(`{}`)}
	}
	return req
}

// replay applies ops one by one as RFC 6902 adds that create missing parent maps, the
// semantics the engine documents for patch rules.
func replay(doc []byte, ops []PatchOp) ([]byte, error) {
	opts := jsonpatch.NewApplyOptions()
	opts.EnsurePathExistsOnAdd = true
	for _, op := range ops {
		if op.Op != "add" {
			return nil, errors.New("a non-add operation was applied: " + op.Op)
		}
		raw, err := json.Marshal([]map[string]any{{"op": op.Op, "path": op.Path, "value": op.Value}})
		if err != nil {
			return nil, err
		}
		patch, err := jsonpatch.DecodePatch(raw)
		if err != nil {
			return nil, err
		}
		if doc, err = patch.ApplyWithOptions(doc, opts); err != nil {
			return nil, err
		}
	}
	return doc, nil
}

// preserves reports whether every value set in orig is still in patched: object members
// keep their values (null counts as unset, so a default may fill it), and an array keeps
// its elements in order, with insertions allowed between them.
func preserves(orig, patched any) bool {
	switch o := orig.(type) {
	case map[string]any:
		p, ok := patched.(map[string]any)
		if !ok {
			return false
		}
		for k, v := range o {
			if v != nil && !preserves(v, p[k]) {
				return false
			}
		}
		return true
	case []any:
		p, ok := patched.([]any)
		if !ok {
			return false
		}
		i := 0
		for _, v := range p {
			if i < len(o) && reflect.DeepEqual(o[i], v) {
				i++
			}
		}
		return i == len(o)
	default:
		return reflect.DeepEqual(orig, patched)
	}
}

func sameJSON(a, b []byte) bool {
	var x, y any
	return json.Unmarshal(a, &x) == nil && json.Unmarshal(b, &y) == nil && reflect.DeepEqual(x, y)
}
