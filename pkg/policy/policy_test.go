package policy

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"github.com/open-policy-agent/opa/v1/ast"
	admissionv1 "k8s.io/api/admission/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
)

const requireTLS = `# METADATA
# title: Ingress must use TLS
# description: Every host needs TLS.
# custom:
#   kinds: [Ingress]
#   severity: high
#   remediation: add spec.tls
package ingress.require_tls

deny contains msg if {
	input.request.operation != "DELETE"
	not input.request.object.spec.tls
	msg := sprintf("Ingress %s has no TLS", [input.request.object.metadata.name])
}
`

const sslRedirect = `# METADATA
# custom:
#   kinds: [Ingress]
package ingress.default_ssl_redirect

patch contains {"op": "add", "path": "/metadata/annotations/force-ssl-redirect", "value": "true"} if {
	not input.request.object.metadata.annotations["force-ssl-redirect"]
}
`

const everything = `package global.everything

warn contains "seen" if input.request.object.metadata.name == "warn-me"
`

func ingressRequest(op admissionv1.Operation, namespace string, obj map[string]any) *admissionv1.AdmissionRequest {
	req := &admissionv1.AdmissionRequest{
		UID:       "uid-1",
		Kind:      metav1.GroupVersionKind{Group: "networking.k8s.io", Version: "v1", Kind: "Ingress"},
		Resource:  metav1.GroupVersionResource{Group: "networking.k8s.io", Version: "v1", Resource: "ingresses"},
		Namespace: namespace,
		Operation: op,
	}
	if obj != nil {
		raw, _ := json.Marshal(obj)
		req.Object = runtime.RawExtension{Raw: raw}
	}
	return req
}

func ingress(name string, withTLS bool) map[string]any {
	obj := map[string]any{
		"apiVersion": "networking.k8s.io/v1", "kind": "Ingress",
		"metadata": map[string]any{"name": name, "namespace": "team"},
		"spec":     map[string]any{"rules": []any{map[string]any{"host": "a.example.com"}}},
	}
	if withTLS {
		obj["spec"].(map[string]any)["tls"] = []any{map[string]any{"hosts": []any{"a.example.com"}}}
	}
	return obj
}

func load(t *testing.T, files map[string]string, opts ...LoadOptions) *PolicySet {
	t.Helper()
	set, err := loadErr(files, opts...)
	if err != nil {
		t.Fatalf("load: %v", err)
	}
	return set
}

func loadErr(files map[string]string, opts ...LoadOptions) (*PolicySet, error) {
	fsys := fstest.MapFS{}
	for name, src := range files {
		fsys[name] = &fstest.MapFile{Data: []byte(src)}
	}
	o := LoadOptions{Revision: "0123456789abcdef"}
	if len(opts) > 0 {
		o = opts[0]
	}
	return Load(context.Background(), fsys, o)
}

func TestLoadRejectsBrokenTrees(t *testing.T) {
	cases := map[string]struct {
		files map[string]string
		want  []string
	}{
		"syntax error names file and row": {
			files: map[string]string{"p/bad.rego": "package p\n\ndeny contains msg if {\n  msg := \n}\n"},
			want:  []string{"p/bad.rego:5", "unexpected } token"},
		},
		"compile error names file and row": {
			files: map[string]string{"p/unsafe.rego": "package p\n\ndeny contains msg if {\n  x == 1\n}\n"},
			want:  []string{"p/unsafe.rego:", "unsafe"},
		},
		"http.send is refused": {
			files: map[string]string{"p/net.rego": "package p\n\ndeny contains msg if {\n  r := http.send({\"method\": \"get\", \"url\": \"http://x\"})\n  msg := r.body\n}\n"},
			want:  []string{"p/net.rego:4", "http.send is not allowed", "network access"},
		},
		"time.now_ns is refused": {
			files: map[string]string{"p/t.rego": "package p\n\ndeny contains \"late\" if time.now_ns() > 0\n"},
			want:  []string{"p/t.rego:3", "time.now_ns is not allowed"},
		},
		"opa.runtime is refused": {
			files: map[string]string{"p/r.rego": "package p\n\ndeny contains \"x\" if opa.runtime().env\n"},
			want:  []string{"opa.runtime is not allowed"},
		},
		"bad enforcement action": {
			files: map[string]string{"p/a.rego": requireTLS, "data.json": `{"apiguard":{"config":{"enforcement":{"ingress.require_tls":"maybe"}}}}`},
			want:  []string{`unknown enforcement action "maybe"`},
		},
		"bad kinds annotation": {
			files: map[string]string{"p/k.rego": "# METADATA\n# custom:\n#   kinds: 3\npackage p\n\ndeny contains \"x\" if false\n"},
			want:  []string{"p/k.rego", "custom.kinds must be a list"},
		},
		"bad data file": {
			files: map[string]string{"p/a.rego": requireTLS, "cfg/data.yaml": "a: [\n"},
			want:  []string{"cfg/data.yaml"},
		},
		"data and rule at the same path": {
			files: map[string]string{"p/a.rego": requireTLS, "ingress/require_tls/data.json": `{"deny": 1}`},
			want:  []string{"conflict"},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := loadErr(tc.files)
			if err == nil {
				t.Fatal("load succeeded, want an error")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
}

func TestLoadSkipsTestFilesAndDiscoversPolicies(t *testing.T) {
	set := load(t, map[string]string{
		"ingress/require_tls.rego":      requireTLS,
		"ingress/require_tls_test.rego": "package ingress.require_tls_test\n\ntest_x if { false }\n\ndeny contains \"from test\" if true\n",
		"ingress/ssl.rego":              sslRedirect,
		"global.rego":                   everything,
		"lib/helpers.rego":              "package lib.helpers\n\nname := input.request.name\n",
		".git/hooks.rego":               "package hidden\n\ndeny contains \"x\" if true\n",
	})
	var ids []string
	for _, p := range set.Policies() {
		ids = append(ids, p.ID)
	}
	want := "global.everything,ingress.default_ssl_redirect,ingress.require_tls"
	if got := strings.Join(ids, ","); got != want {
		t.Fatalf("policies = %s, want %s", got, want)
	}
	p := set.Policies()[2]
	if p.Title != "Ingress must use TLS" || p.Description != "Every host needs TLS." || p.Severity != "high" ||
		p.Remediation != "add spec.tls" || strings.Join(p.Kinds, ",") != "Ingress" || strings.Join(p.Rules, ",") != "deny" {
		t.Errorf("metadata not read: %+v", p)
	}
	if set.Revision() != "0123456789abcdef" {
		t.Errorf("revision = %q", set.Revision())
	}
}

func TestEvaluate(t *testing.T) {
	files := map[string]string{
		"ingress/require_tls.rego": requireTLS,
		"ingress/ssl.rego":         sslRedirect,
		"global.rego":              everything,
		"tyk.rego": `# METADATA
# custom:
#   kinds: ["tyk.tyk.io/ApiDefinition"]
package tyk.keyless

deny contains {"msg": "keyless API", "field": "spec.use_keyless"} if input.request.object.spec.use_keyless
`,
		"svc.rego": `# METADATA
# custom:
#   kinds: [Service]
package service.never

deny contains "every service is denied" if true
`,
	}
	set := load(t, files)
	ctx := context.Background()

	t.Run("insecure ingress is denied with the documented message", func(t *testing.T) {
		d, err := set.Evaluate(ctx, Input{Request: ingressRequest(admissionv1.Create, "team", ingress("web", false))})
		if err != nil {
			t.Fatal(err)
		}
		if d.Allowed() {
			t.Fatal("allowed, want denied")
		}
		want := "[ingress.require_tls] Ingress web has no TLS (policy revision 0123456)"
		if d.DenialMessage() != want {
			t.Errorf("message = %q, want %q", d.DenialMessage(), want)
		}
		if len(d.Patches) != 1 || d.Patches[0].Policy != "ingress.default_ssl_redirect" {
			t.Errorf("patches = %+v", d.Patches)
		}
	})
	t.Run("secure ingress is allowed", func(t *testing.T) {
		d, err := set.Evaluate(ctx, Input{Request: ingressRequest(admissionv1.Create, "team", ingress("web", true))})
		if err != nil || !d.Allowed() {
			t.Fatalf("allowed=%v err=%v violations=%+v", d.Allowed(), err, d.Violations)
		}
	})
	t.Run("policies for other kinds are not evaluated", func(t *testing.T) {
		d, err := set.Evaluate(ctx, Input{Request: ingressRequest(admissionv1.Create, "team", ingress("web", true))})
		if err != nil {
			t.Fatal(err)
		}
		for _, v := range d.Violations {
			if v.Policy == "service.never" || v.Policy == "tyk.keyless" {
				t.Errorf("policy %s ran for an Ingress", v.Policy)
			}
		}
	})
	t.Run("unscoped policies run for unknown kinds", func(t *testing.T) {
		req := ingressRequest(admissionv1.Create, "team", map[string]any{"metadata": map[string]any{"name": "warn-me"}})
		req.Kind = metav1.GroupVersionKind{Group: "example.com", Version: "v1", Kind: "Widget"}
		d, err := set.Evaluate(ctx, Input{Request: req})
		if err != nil {
			t.Fatal(err)
		}
		if !d.Allowed() || len(d.Warnings) != 1 || d.Warnings[0].Policy != "global.everything" {
			t.Errorf("decision = %+v", d)
		}
		if got := d.UserWarnings(); len(got) != 1 || got[0] != "[global.everything] seen (policy revision 0123456)" {
			t.Errorf("warnings = %q", got)
		}
	})
	t.Run("group-qualified kinds match only their group", func(t *testing.T) {
		req := ingressRequest(admissionv1.Create, "team", map[string]any{"spec": map[string]any{"use_keyless": true}})
		req.Kind = metav1.GroupVersionKind{Group: "tyk.tyk.io", Version: "v1alpha1", Kind: "ApiDefinition"}
		d, err := set.Evaluate(ctx, Input{Request: req})
		if err != nil {
			t.Fatal(err)
		}
		if d.Allowed() || d.Violations[0].Message != "keyless API" || d.Violations[0].Details["field"] != "spec.use_keyless" {
			t.Errorf("decision = %+v", d)
		}
		req.Kind.Group = "other.example.com"
		d, err = set.Evaluate(ctx, Input{Request: req})
		if err != nil || !d.Allowed() {
			t.Errorf("other group: allowed=%v err=%v", d.Allowed(), err)
		}
	})
	t.Run("core kinds", func(t *testing.T) {
		req := ingressRequest(admissionv1.Create, "team", map[string]any{})
		req.Kind = metav1.GroupVersionKind{Version: "v1", Kind: "Service"}
		d, err := set.Evaluate(ctx, Input{Request: req})
		if err != nil || d.Allowed() {
			t.Errorf("service: allowed=%v err=%v", d.Allowed(), err)
		}
	})
	t.Run("DELETE sees oldObject and is not denied", func(t *testing.T) {
		req := ingressRequest(admissionv1.Delete, "team", nil)
		raw, _ := json.Marshal(ingress("web", false))
		req.OldObject = runtime.RawExtension{Raw: raw}
		d, err := set.Evaluate(ctx, Input{Request: req})
		if err != nil || !d.Allowed() {
			t.Errorf("allowed=%v err=%v %+v", d.Allowed(), err, d.Violations)
		}
	})
	t.Run("nil request is an error", func(t *testing.T) {
		if _, err := set.Evaluate(ctx, Input{}); err == nil {
			t.Error("want error")
		}
	})
}

func TestEnforcementAndExemptions(t *testing.T) {
	cases := map[string]struct {
		config      string
		namespace   string
		wantAllowed bool
		wantAction  Action
		wantCount   int
		wantExempt  bool
		wantWarning string
		wantLoadErr string
	}{
		"default is deny":          {config: `{}`, namespace: "team", wantAction: ActionDeny, wantCount: 1},
		"warn demotes":             {config: `{"enforcement":{"ingress.require_tls":"warn"}}`, namespace: "team", wantAllowed: true, wantAction: ActionWarn, wantCount: 1},
		"dryrun records silently":  {config: `{"enforcement":{"ingress.require_tls":"dryrun"}}`, namespace: "team", wantAllowed: true, wantAction: ActionDryRun, wantCount: 1},
		"off skips the policy":     {config: `{"enforcement":{"ingress.require_tls":"off"}}`, namespace: "team", wantAllowed: true},
		"exempt namespace":         {config: `{"exemptNamespaces":["kube-system"]}`, namespace: "kube-system", wantAllowed: true, wantExempt: true},
		"exempt glob":              {config: `{"exemptNamespaces":["sandbox-*"]}`, namespace: "sandbox-42", wantAllowed: true, wantExempt: true},
		"glob does not over-match": {config: `{"exemptNamespaces":["sandbox-*"]}`, namespace: "prod", wantAction: ActionDeny, wantCount: 1},
		"unknown policy id warns":  {config: `{"enforcement":{"ingress.requre_tls":"off"}}`, namespace: "team", wantAction: ActionDeny, wantCount: 1, wantWarning: `unknown policy "ingress.requre_tls"`},
		"* sets every policy":      {config: `{"enforcement":{"*":"warn"}}`, namespace: "team", wantAllowed: true, wantAction: ActionWarn, wantCount: 1},
		"override beats *":         {config: `{"enforcement":{"*":"warn","ingress.require_tls":"deny"}}`, namespace: "team", wantAction: ActionDeny, wantCount: 1},
		"* deny is the default":    {config: `{"enforcement":{"*":"deny","ingress.require_tls":"dryrun"}}`, namespace: "team", wantAllowed: true, wantAction: ActionDryRun, wantCount: 1},
		"bad * action":             {config: `{"enforcement":{"*":"block"}}`, namespace: "team", wantLoadErr: `enforcement["*"]`},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			files := map[string]string{
				"ingress/require_tls.rego": requireTLS,
				"data.json":                `{"apiguard":{"config":` + tc.config + `}}`,
			}
			if tc.wantLoadErr != "" {
				_, err := loadErr(files)
				if err == nil || !strings.Contains(err.Error(), tc.wantLoadErr) {
					t.Fatalf("load error %v, want %q", err, tc.wantLoadErr)
				}
				return
			}
			set := load(t, files)
			if len(set.Warnings()) > 0 && tc.wantWarning == "" {
				t.Errorf("load warnings = %q", set.Warnings())
			}
			d, err := set.Evaluate(context.Background(), Input{Request: ingressRequest(admissionv1.Create, tc.namespace, ingress("web", false))})
			if err != nil {
				t.Fatal(err)
			}
			if d.Allowed() != tc.wantAllowed || d.Exempt != tc.wantExempt || len(d.Violations) != tc.wantCount {
				t.Fatalf("allowed=%v exempt=%v violations=%+v", d.Allowed(), d.Exempt, d.Violations)
			}
			if tc.wantCount > 0 && d.Violations[0].Action != tc.wantAction {
				t.Errorf("action = %s, want %s", d.Violations[0].Action, tc.wantAction)
			}
			if tc.wantAction == ActionWarn && len(d.UserWarnings()) != 1 {
				t.Errorf("demoted violation not in warnings: %q", d.UserWarnings())
			}
			if tc.wantAction == ActionDryRun && (len(d.UserWarnings()) != 0 || d.DenialMessage() != "") {
				t.Errorf("dryrun leaked to the user: %q %q", d.UserWarnings(), d.DenialMessage())
			}
			if tc.wantWarning != "" && (len(set.Warnings()) != 1 || !strings.Contains(set.Warnings()[0], tc.wantWarning)) {
				t.Errorf("load warnings = %q", set.Warnings())
			}
		})
	}
}

func TestDataMerging(t *testing.T) {
	files := map[string]string{
		"p.rego": `package p

deny contains sprintf("%s/%s", [data.apiguard.config.a, data.apiguard.config.b]) if true
`,
		"data.json":                 `{"apiguard":{"config":{"a":"repo","b":"repo"}}}`,
		"apiguard/config/data.yaml": "c: nested\n",
	}
	set := load(t, files, LoadOptions{Revision: "r", Data: []map[string]any{{"apiguard": map[string]any{"config": map[string]any{"b": "cluster"}}}}})
	d, err := set.Evaluate(context.Background(), Input{Request: ingressRequest(admissionv1.Create, "ns", ingress("x", true))})
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Violations) != 1 || d.Violations[0].Message != "repo/cluster" {
		t.Errorf("violations = %+v, want repo/cluster (cluster data overrides the repository)", d.Violations)
	}
}

func TestEvaluateErrorsAreNeverAllow(t *testing.T) {
	cases := map[string]string{
		"conflicting outputs": `package p

verdict := "a" if input.request.namespace
verdict := "b" if input.request.namespace

deny contains verdict if true
`,
		"builtin error": `package p

deny contains "bad port" if to_number(input.request.object.spec.port) > 10
`,
		"conflicting complete deny": `package p

deny := "a" if true
deny := "b" if true
`,
		"bad patch shape": `package p

patch contains "not an op" if true
`,
		"remove op is refused": `package p

patch contains {"op": "remove", "path": "/metadata/labels"} if true
`,
	}
	for name, src := range cases {
		t.Run(name, func(t *testing.T) {
			set := load(t, map[string]string{"p.rego": src})
			req := ingressRequest(admissionv1.Create, "ns", map[string]any{"spec": map[string]any{"port": "eighty"}})
			d, err := set.Evaluate(context.Background(), Input{Request: req})
			var evalErr *EvalError
			if !errors.As(err, &evalErr) {
				t.Fatalf("err = %v (decision %+v), want *EvalError", err, d)
			}
		})
	}
}

func TestEvaluateHonoursDeadline(t *testing.T) {
	set := load(t, map[string]string{"p.rego": `package p

deny contains "slow" if {
	count([1 | some i in numbers.range(1, 100000); some j in numbers.range(1, 100000)]) > 0
}
`})
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := set.Evaluate(ctx, Input{Request: ingressRequest(admissionv1.Create, "ns", ingress("x", true))})
	if err == nil || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want deadline exceeded", err)
	}
	// Cancellation is cooperative; it must land well before the 5s webhook timeout.
	if elapsed := time.Since(start); elapsed > 2*time.Second {
		t.Errorf("evaluation took %s after a 200ms deadline", elapsed)
	}
}

func TestEvaluateConcurrently(t *testing.T) {
	set := load(t, map[string]string{"ingress/require_tls.rego": requireTLS, "ingress/ssl.rego": sslRedirect})
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for i := range 64 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			secure := i%2 == 0
			d, err := set.Evaluate(context.Background(), Input{Request: ingressRequest(admissionv1.Create, "ns", ingress("web", secure))})
			if err != nil {
				errs <- err
				return
			}
			if d.Allowed() != secure {
				errs <- errors.New("wrong verdict under concurrency")
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

func TestMutate(t *testing.T) {
	ctx := context.Background()
	t.Run("adds the default and converges", func(t *testing.T) {
		set := load(t, map[string]string{"ingress/ssl.rego": sslRedirect})
		m, err := set.Mutate(ctx, Input{Request: ingressRequest(admissionv1.Create, "ns", ingress("web", true))}, 0)
		if err != nil {
			t.Fatal(err)
		}
		if !m.Changed() || len(m.Applied) != 1 || m.Rounds != 2 {
			t.Fatalf("mutation = %+v", m)
		}
		var obj map[string]any
		_ = json.Unmarshal(m.Patched, &obj)
		if got := obj["metadata"].(map[string]any)["annotations"].(map[string]any)["force-ssl-redirect"]; got != "true" {
			t.Errorf("annotation = %v", got)
		}
		if m.Final != nil {
			t.Fatal("Mutate evaluates patch rules only; it must not claim a verdict")
		}
		// MutateAndEvaluate's final round is the verdict on the patched object.
		m, err = set.MutateAndEvaluate(ctx, Input{Request: ingressRequest(admissionv1.Create, "ns", ingress("web", true))}, 0)
		if err != nil || m.Final == nil || string(m.Patched) == string(m.Original) {
			t.Fatalf("MutateAndEvaluate = %+v, %v; want a patched object and a final decision", m, err)
		}
		fresh, _ := set.Evaluate(ctx, Input{Request: &admissionv1.AdmissionRequest{UID: "u", Kind: ingressRequest(admissionv1.Create, "ns", nil).Kind, Namespace: "ns", Operation: admissionv1.Create, Object: runtime.RawExtension{Raw: m.Patched}}})
		if len(fresh.Patches) != 0 || len(m.Final.Patches) != 0 {
			t.Errorf("final decision still proposes patches: %+v / %+v", m.Final.Patches, fresh.Patches)
		}
		// Idempotent: mutating the result changes nothing.
		req := ingressRequest(admissionv1.Create, "ns", nil)
		req.Object.Raw = m.Patched
		again, err := set.Mutate(ctx, Input{Request: req}, 0)
		if err != nil || again.Changed() || string(again.Patched) != string(m.Patched) {
			t.Errorf("second mutation changed the object: %+v %v", again, err)
		}
	})
	t.Run("never overwrites a user value", func(t *testing.T) {
		set := load(t, map[string]string{"p.rego": `package p

patch contains {"op": "add", "path": "/metadata/name", "value": "renamed"} if true
`})
		m, err := set.Mutate(ctx, Input{Request: ingressRequest(admissionv1.Create, "ns", ingress("web", true))}, 0)
		if err != nil {
			t.Fatal(err)
		}
		if m.Changed() || len(m.Skipped) != 1 || string(m.Patched) != string(m.Original) {
			t.Errorf("mutation = %+v", m)
		}
	})
	t.Run("two policies adding the same map both land", func(t *testing.T) {
		set := load(t, map[string]string{
			"a.rego": "package a\n\npatch contains {\"op\": \"add\", \"path\": \"/metadata/labels\", \"value\": {\"a\": \"1\"}} if not input.request.object.metadata.labels\npatch contains {\"op\": \"add\", \"path\": \"/metadata/labels/a\", \"value\": \"1\"} if { input.request.object.metadata.labels; not input.request.object.metadata.labels.a }\n",
			"b.rego": "package b\n\npatch contains {\"op\": \"add\", \"path\": \"/metadata/labels\", \"value\": {\"b\": \"2\"}} if not input.request.object.metadata.labels\npatch contains {\"op\": \"add\", \"path\": \"/metadata/labels/b\", \"value\": \"2\"} if { input.request.object.metadata.labels; not input.request.object.metadata.labels.b }\n",
		})
		m, err := set.Mutate(ctx, Input{Request: ingressRequest(admissionv1.Create, "ns", ingress("web", true))}, 0)
		if err != nil {
			t.Fatal(err)
		}
		var obj map[string]any
		_ = json.Unmarshal(m.Patched, &obj)
		labels := obj["metadata"].(map[string]any)["labels"].(map[string]any)
		if labels["a"] != "1" || labels["b"] != "2" {
			t.Errorf("labels = %v", labels)
		}
	})
	t.Run("non-converging patches are an error", func(t *testing.T) {
		set := load(t, map[string]string{"p.rego": `package p

n := count(object.get(input.request.object.metadata, "labels", {}))

patch contains {"op": "add", "path": sprintf("/metadata/labels/l%d", [n]), "value": "x"} if true
`})
		_, err := set.Mutate(ctx, Input{Request: ingressRequest(admissionv1.Create, "ns", ingress("web", true))}, 3)
		if err == nil || !strings.Contains(err.Error(), "did not converge after 3 rounds") {
			t.Errorf("err = %v", err)
		}
	})
	t.Run("DELETE is never patched", func(t *testing.T) {
		set := load(t, map[string]string{"ingress/ssl.rego": sslRedirect})
		req := ingressRequest(admissionv1.Delete, "ns", nil)
		m, err := set.Mutate(ctx, Input{Request: req}, 0)
		if err != nil || m.Changed() || m.Rounds != 0 {
			t.Errorf("mutation = %+v err=%v", m, err)
		}
	})
	t.Run("dryrun patches are reported, not applied", func(t *testing.T) {
		set := load(t, map[string]string{"ingress/ssl.rego": sslRedirect, "data.json": `{"apiguard":{"config":{"enforcement":{"ingress.default_ssl_redirect":"dryrun"}}}}`})
		m, err := set.Mutate(ctx, Input{Request: ingressRequest(admissionv1.Create, "ns", ingress("web", true))}, 0)
		if err != nil || m.Changed() || len(m.DryRun) != 1 {
			t.Errorf("mutation = %+v err=%v", m, err)
		}
	})
}

func TestHolderSwapsAtomically(t *testing.T) {
	h := NewHolder()
	if h.Current() != nil {
		t.Fatal("new holder has an active set")
	}
	a := load(t, map[string]string{"ingress/require_tls.rego": requireTLS}, LoadOptions{Revision: "a"})
	b := load(t, map[string]string{"ingress/require_tls.rego": requireTLS}, LoadOptions{Revision: "b"})
	if prev := h.Swap(a); prev != nil {
		t.Error("first swap returned a previous set")
	}
	if prev := h.Swap(b); prev != a || h.Current() != b {
		t.Error("swap did not replace a with b")
	}
}

func TestShortRevision(t *testing.T) {
	for in, want := range map[string]string{"": "", "abc": "abc", "0123456789": "0123456", "sha256:fedcba987654": "fedcba9"} {
		if got := ShortRevision(in); got != want {
			t.Errorf("ShortRevision(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestRunTests(t *testing.T) {
	cases := map[string]struct {
		files      map[string]string
		wantPassed int
		wantFailed int
		wantErr    string
		wantNamed  string
	}{
		"passing tests": {
			files: map[string]string{
				"ingress/require_tls.rego":      requireTLS,
				"ingress/require_tls_test.rego": "package ingress.require_tls_test\n\nimport data.ingress.require_tls\n\ntest_denies if {\n\tcount(require_tls.deny) == 1 with input as {\"request\": {\"operation\": \"CREATE\", \"object\": {\"metadata\": {\"name\": \"x\"}}}}\n}\n",
			},
			wantPassed: 1,
		},
		"a failing test is reported with its location": {
			files: map[string]string{
				"ingress/require_tls.rego":      requireTLS,
				"ingress/require_tls_test.rego": "package ingress.require_tls_test\n\nimport data.ingress.require_tls\n\ntest_wrong if {\n\tcount(require_tls.deny) == 0 with input as {\"request\": {\"operation\": \"CREATE\", \"object\": {\"metadata\": {\"name\": \"x\"}}}}\n}\n",
			},
			wantFailed: 1,
			wantNamed:  "ingress/require_tls_test.rego:5 data.ingress.require_tls_test.test_wrong: failed",
		},
		"tests use the restricted builtins too": {
			files:   map[string]string{"p_test.rego": "package p_test\n\ntest_net if {\n\thttp.send({\"method\": \"get\", \"url\": \"http://x\"})\n}\n"},
			wantErr: "http.send is not allowed",
		},
		"no tests is not a failure": {
			files: map[string]string{"ingress/require_tls.rego": requireTLS},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			fsys := fstest.MapFS{}
			for p, src := range tc.files {
				fsys[p] = &fstest.MapFile{Data: []byte(src)}
			}
			report, err := RunTests(context.Background(), fsys, LoadOptions{})
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if report.Passed != tc.wantPassed || report.Failed != tc.wantFailed || report.OK() != (tc.wantFailed == 0) {
				t.Fatalf("report = %+v", report)
			}
			if tc.wantNamed != "" && (len(report.Failures) != 1 || report.Failures[0] != tc.wantNamed) {
				t.Errorf("failures = %q, want %q", report.Failures, tc.wantNamed)
			}
		})
	}
}

func TestRunTestsOnTheBundledLibrary(t *testing.T) {
	report, err := RunTests(context.Background(), os.DirFS("../../policies"), LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if !report.OK() || report.Passed < 50 {
		t.Fatalf("bundled library tests: %s %q", report, report.Failures)
	}
}

func TestClusterOverlay(t *testing.T) {
	files := map[string]string{
		"p.rego":                      "package p\n\ndeny contains data.apiguard.config.where if true\n",
		"data.yaml":                   "apiguard:\n  config:\n    where: repo\n",
		"clusters/prod/data.yaml":     "apiguard:\n  config:\n    where: prod\n",
		"clusters/staging/data.yaml":  "apiguard:\n  config:\n    where: staging\n",
		"clusters/staging/extra.rego": "package staging.only\n\ndeny contains \"staging policy\" if true\n",
	}
	for cluster, want := range map[string][]string{"": {"repo"}, "prod": {"prod"}, "staging": {"staging", "staging policy"}} {
		set := load(t, files, LoadOptions{Revision: "r", ClusterName: cluster})
		d, err := set.Evaluate(context.Background(), Input{Request: ingressRequest(admissionv1.Create, "ns", ingress("x", true))})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, v := range d.Violations {
			got = append(got, v.Message)
		}
		slices.Sort(got)
		if strings.Join(got, ",") != strings.Join(want, ",") {
			t.Errorf("cluster %q: messages %q, want %q", cluster, got, want)
		}
	}
	// --data-file documents override the cluster overlay.
	set := load(t, files, LoadOptions{Revision: "r", ClusterName: "prod", Data: []map[string]any{{"apiguard": map[string]any{"config": map[string]any{"where": "configmap"}}}}})
	d, _ := set.Evaluate(context.Background(), Input{Request: ingressRequest(admissionv1.Create, "ns", ingress("x", true))})
	if len(d.Violations) != 1 || d.Violations[0].Message != "configmap" {
		t.Errorf("--data-file did not win: %+v", d.Violations)
	}
}

func TestAuditAnnotations(t *testing.T) {
	set := load(t, map[string]string{
		"a.rego": `package a

warn contains {"msg": "break-glass used", "auditAnnotations": {"break-glass-reason": "outage INC-42", "Bad/Key": "x", "number": 3}} if true
`,
		"b.rego": `package b

warn contains {"msg": "second", "auditAnnotations": {"break-glass-reason": "ignored: a wins"}} if true
`,
		"c.rego": `package c

deny contains {"msg": "quiet", "auditAnnotations": {"dry": "hidden"}} if true
`,
		"data.json": `{"apiguard": {"config": {"enforcement": {"c": "dryrun"}}}}`,
	})
	d, err := set.Evaluate(context.Background(), Input{Request: ingressRequest(admissionv1.Create, "ns", ingress("x", true))})
	if err != nil {
		t.Fatal(err)
	}
	got, dropped := d.AuditAnnotations()
	if len(got) != 1 || got["break-glass-reason"] != "outage INC-42" {
		t.Errorf("annotations = %v", got)
	}
	if strings.Join(dropped, ",") != "a: Bad/Key,a: number" {
		t.Errorf("dropped = %q", dropped)
	}
}

func TestInventoryUpdatesReachEvaluation(t *testing.T) {
	set := load(t, map[string]string{"p.rego": `package p

deny contains sprintf("%s claimed by %s", [host, claim.namespace]) if {
	some host in ["a.example.com"]
	some claim in data.apiguard.inventory.ingressHosts[host]
}

warn contains "no inventory" if not data.apiguard.inventory
`})
	ctx := context.Background()
	eval := func() Decision {
		t.Helper()
		d, err := set.Evaluate(ctx, Input{Request: ingressRequest(admissionv1.Create, "ns", ingress("x", true))})
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	if d := eval(); len(d.Warnings) != 1 || len(d.Violations) != 0 {
		t.Fatalf("before seeding: %+v", d)
	}
	if err := set.SetInventory(ctx, "ingressHosts", "a.example.com", []any{}); err == nil {
		t.Error("writing into an unseeded inventory succeeded")
	}
	if err := set.SeedInventory(ctx, map[string]any{"ingressHosts": map[string]any{}}); err != nil {
		t.Fatal(err)
	}
	if d := eval(); len(d.Warnings) != 0 || len(d.Violations) != 0 {
		t.Fatalf("seeded, empty: %+v", d)
	}
	claim := []any{map[string]any{"namespace": "other", "name": "n", "paths": []any{"/"}}}
	if err := set.SetInventory(ctx, "ingressHosts", "a.example.com", claim); err != nil {
		t.Fatal(err)
	}
	if d := eval(); len(d.Violations) != 1 || d.Violations[0].Message != "a.example.com claimed by other" {
		t.Fatalf("after an update: %+v", d)
	}
	if err := set.SetInventory(ctx, "ingressHosts", "a.example.com", nil); err != nil {
		t.Fatal(err)
	}
	if err := set.SetInventory(ctx, "ingressHosts", "a.example.com", nil); err != nil {
		t.Errorf("removing an absent key: %v", err)
	}
	if d := eval(); len(d.Violations) != 0 {
		t.Fatalf("after removal: %+v", d)
	}
}

// TestInventoryWritesDuringEvaluation runs evaluations and inventory writes at once
// (under -race): every evaluation sees a whole value.
func TestInventoryWritesDuringEvaluation(t *testing.T) {
	set := load(t, map[string]string{"p.rego": `package p

deny contains "claimed" if count(data.apiguard.inventory.ingressHosts["a.example.com"]) == 2
`})
	ctx := context.Background()
	if err := set.SeedInventory(ctx, map[string]any{"ingressHosts": map[string]any{}}); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := range 200 {
			v := []any{map[string]any{"namespace": "a"}}
			if i%2 == 0 {
				v = append(v, map[string]any{"namespace": "b"})
			}
			if err := set.SetInventory(ctx, "ingressHosts", "a.example.com", v); err != nil {
				t.Error(err)
				return
			}
		}
	}()
	for {
		select {
		case <-done:
			return
		default:
		}
		if _, err := set.Evaluate(ctx, Input{Request: ingressRequest(admissionv1.Create, "ns", ingress("x", true))}); err != nil {
			t.Fatal(err)
		}
	}
}

func TestCapabilitiesHashIsStableAndTracksTheBuiltinSet(t *testing.T) {
	h := CapabilitiesHash()
	if !strings.HasPrefix(h, "sha256:") || len(h) != len("sha256:")+64 {
		t.Fatalf("CapabilitiesHash() = %q, want sha256:<64 hex>", h)
	}
	if again := CapabilitiesHash(); again != h {
		t.Fatalf("hash changed between calls: %s then %s", h, again)
	}
	if EngineVersion() == "" {
		t.Fatal("EngineVersion() is empty")
	}
	// Allowing one more builtin must change the fingerprint.
	caps := capabilities()
	caps.Builtins = append(caps.Builtins, ast.HTTPSend)
	if capabilitiesHash(caps) == h {
		t.Fatal("adding http.send to the capabilities did not change the hash")
	}
}

// TestLoadLeavesDataDocumentsAlone: Load merges the caller's data documents into a tree
// of its own. Before, an object of the first document was stored by reference and the
// second document merged into it, so the caller's first document changed and a second
// Load with the same documents saw the first Load's merges.
func TestLoadLeavesDataDocumentsAlone(t *testing.T) {
	first := map[string]any{"apiguard": map[string]any{"config": map[string]any{"a": "first"}}}
	second := map[string]any{"apiguard": map[string]any{"config": map[string]any{"b": "second"}}}
	files := map[string]string{"p.rego": "package p\n\ndeny contains data.apiguard.config.b if true\n"}
	for range 2 {
		load(t, files, LoadOptions{Revision: "r", Data: []map[string]any{first, second}})
		want := map[string]any{"apiguard": map[string]any{"config": map[string]any{"a": "first"}}}
		if !reflect.DeepEqual(first, want) {
			t.Fatalf("the first data document changed under Load: %v", first)
		}
	}
}
