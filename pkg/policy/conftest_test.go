package policy

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
)

const conftestMain = `package main

deny contains msg if {
	input.kind == "Deployment"
	not input.spec.template.spec.securityContext.runAsNonRoot
	msg := sprintf("%s runs as root", [input.metadata.name])
}

violation contains {"msg": "latest tag", "container": c.name, "_loc": {"line": 3}} if {
	some c in input.spec.template.spec.containers
	endswith(c.image, ":latest")
}

deny_missing_owner contains "owner label missing" if not input.metadata.labels.owner

warn contains "one replica" if input.spec.replicas == 1

warn_file contains sprintf("file %s in %s", [data.conftest.file.name, data.conftest.file.dir]) if input.kind == "Secret"

# Not conftest rules: a boolean rule, an empty message, a number, a dotted head, a name
# that only starts like one.
deny_boolean if input.kind == "Deployment"

warn_empty contains "" if true

deny_number contains 42 if true

denied contains "not a rule name" if true

exception contains rules if {
	input.metadata.name == "legacy"
	rules := ["missing_owner"]
}
`

const conftestOther = `package k8s.ingress

deny contains "ingress without tls" if {
	input.kind == "Ingress"
	not input.spec.tls
}
`

func loadConftest(t *testing.T, files map[string]string, opts ConftestOptions) *ConftestSet {
	t.Helper()
	set, err := loadConftestErr(files, opts)
	if err != nil {
		t.Fatal(err)
	}
	return set
}

func loadConftestErr(files map[string]string, opts ConftestOptions) (*ConftestSet, error) {
	fsys := fstest.MapFS{}
	for name, src := range files {
		fsys[name] = &fstest.MapFile{Data: []byte(src)}
	}
	return LoadConftest(context.Background(), []ConftestTree{{Name: "policy", FS: fsys}}, opts)
}

func deployment(name string, root bool, image string, labels map[string]any) map[string]any {
	sc := map[string]any{"runAsNonRoot": !root}
	return map[string]any{
		"apiVersion": "apps/v1", "kind": "Deployment",
		"metadata": map[string]any{"name": name, "labels": labels},
		"spec": map[string]any{
			"replicas": 1,
			"template": map[string]any{"spec": map[string]any{
				"securityContext": sc,
				"containers":      []any{map[string]any{"name": "app", "image": image}},
			}},
		},
	}
}

// findings renders a decision as sorted "deny <policy>: <msg>" and "warn ..." lines.
func findings(d Decision) []string {
	var out []string
	for _, v := range d.Violations {
		out = append(out, fmt.Sprintf("%s %s: %s", v.Action, v.Policy, v.Message))
	}
	for _, w := range d.Warnings {
		out = append(out, fmt.Sprintf("warn %s: %s", w.Policy, w.Message))
	}
	slices.Sort(out)
	return out
}

func TestConftestEvaluate(t *testing.T) {
	set := loadConftest(t, map[string]string{"main.rego": conftestMain, "k8s/ingress.rego": conftestOther}, ConftestOptions{Revision: "rev1"})
	file := ConftestFile{Name: "app.yaml", Dir: "/src"}
	tests := map[string]struct {
		input any
		want  []string
	}{
		"string, object and suffix rules": {
			input: deployment("api", true, "api:latest", nil),
			want: []string{
				"deny main: api runs as root",
				"deny main: latest tag",
				"deny main: owner label missing",
				"warn main: one replica",
			},
		},
		"passing": {
			input: map[string]any{"kind": "Deployment", "metadata": map[string]any{"name": "ok", "labels": map[string]any{"owner": "me"}}, "spec": map[string]any{"template": map[string]any{"spec": map[string]any{"securityContext": map[string]any{"runAsNonRoot": true}}}}},
		},
		"exception silences the named rule only": {
			input: deployment("legacy", true, "legacy:1", nil),
			want:  []string{"deny main: legacy runs as root", "warn main: one replica"},
		},
		"data.conftest.file": {
			input: map[string]any{"kind": "Secret", "metadata": map[string]any{"labels": map[string]any{"owner": "me"}}},
			want:  []string{"warn main: file app.yaml in /src"},
		},
		"null document": {
			input: nil,
			want:  []string{"deny main: owner label missing"},
		},
		"other namespaces are not evaluated by default": {
			input: map[string]any{"kind": "Ingress", "metadata": map[string]any{"labels": map[string]any{"owner": "me"}}},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			d, err := set.Evaluate(context.Background(), tc.input, file)
			if err != nil {
				t.Fatal(err)
			}
			if d.Revision != "rev1" {
				t.Errorf("revision %q", d.Revision)
			}
			if got := findings(d); !slices.Equal(got, tc.want) {
				t.Errorf("got %q\nwant %q", got, tc.want)
			}
		})
	}
}

func TestConftestObjectDetails(t *testing.T) {
	set := loadConftest(t, map[string]string{"main.rego": conftestMain}, ConftestOptions{})
	d, err := set.Evaluate(context.Background(), deployment("api", false, "api:latest", map[string]any{"owner": "me"}), ConftestFile{})
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Violations) != 1 || d.Violations[0].Message != "latest tag" {
		t.Fatalf("violations %+v", d.Violations)
	}
	// Extra fields are details; msg and conftest's reserved _loc are not.
	if got := d.Violations[0].Details; len(got) != 1 || got["container"] != "app" {
		t.Errorf("details %v, want only container", got)
	}
	if !slices.Equal(set.Namespaces(), []string{"main"}) {
		t.Errorf("namespaces %v", set.Namespaces())
	}
}

func TestConftestNamespaces(t *testing.T) {
	files := map[string]string{
		"main.rego":        conftestMain,
		"k8s/ingress.rego": conftestOther,
		"k8s/service.rego": "package k8s.service\n\nwarn contains \"service\" if input.kind == \"Service\"\n",
		"lib.rego":         "package lib\n\nhelper := true\n",
	}
	tests := map[string]struct {
		opts ConftestOptions
		want []string
	}{
		"default is main":       {want: []string{"main"}},
		"literal":               {opts: ConftestOptions{Namespaces: []string{"k8s.ingress"}}, want: []string{"k8s.ingress"}},
		"literal without rules": {opts: ConftestOptions{Namespaces: []string{"nothing", "main", "main"}}, want: []string{"main", "nothing"}},
		"glob":                  {opts: ConftestOptions{Namespaces: []string{"k8s.*"}}, want: []string{"k8s.ingress", "k8s.service"}},
		"glob and literal":      {opts: ConftestOptions{Namespaces: []string{"k8s.s*", "main"}}, want: []string{"k8s.service", "main"}},
		"all":                   {opts: ConftestOptions{AllNamespaces: true}, want: []string{"k8s.ingress", "k8s.service", "lib", "main"}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			set := loadConftest(t, files, tc.opts)
			if got := set.Namespaces(); !slices.Equal(got, tc.want) {
				t.Errorf("namespaces %v, want %v", got, tc.want)
			}
		})
	}
	set := loadConftest(t, files, ConftestOptions{AllNamespaces: true})
	d, err := set.Evaluate(context.Background(), map[string]any{"kind": "Ingress", "metadata": map[string]any{"labels": map[string]any{"owner": "x"}}}, ConftestFile{})
	if err != nil {
		t.Fatal(err)
	}
	if got := findings(d); !slices.Equal(got, []string{"deny k8s.ingress: ingress without tls"}) {
		t.Errorf("all namespaces: %q", got)
	}
	if _, err := loadConftestErr(files, ConftestOptions{Namespaces: []string{"[bad"}}); err == nil || !strings.Contains(err.Error(), "[bad") {
		t.Errorf("bad pattern: %v", err)
	}
}

func TestConftestRegoVersions(t *testing.T) {
	v0 := "package main\n\ndeny[msg] {\n\tinput.kind == \"Service\"\n\tmsg := \"v0 rule\"\n}\n"
	set := loadConftest(t, map[string]string{"main.rego": v0}, ConftestOptions{RegoVersion: "v0"})
	d, err := set.Evaluate(context.Background(), map[string]any{"kind": "Service"}, ConftestFile{})
	if err != nil {
		t.Fatal(err)
	}
	if got := findings(d); !slices.Equal(got, []string{"deny main: v0 rule"}) {
		t.Errorf("v0: %q", got)
	}
	// v1 is the default, as in conftest, so v0 syntax does not parse without the option.
	var ce *CompileError
	if _, err := loadConftestErr(map[string]string{"main.rego": v0}, ConftestOptions{}); !errors.As(err, &ce) || !strings.Contains(err.Error(), "policy/main.rego:3") {
		t.Errorf("v0 syntax under v1: %v", err)
	}
	if _, err := loadConftestErr(map[string]string{"main.rego": conftestMain}, ConftestOptions{RegoVersion: "v2"}); err == nil || !strings.Contains(err.Error(), `"v2"`) {
		t.Errorf("unknown version: %v", err)
	}
}

func TestLoadConftestRefuses(t *testing.T) {
	tests := map[string]struct {
		files map[string]string
		want  string
	}{
		"no policies":          {files: map[string]string{"README.md": "x"}, want: "no policies found in policy"},
		"if without contains":  {files: map[string]string{"main.rego": "package main\n\ndeny[msg] if {\n\tmsg := \"x\"\n}\n"}, want: "policy/main.rego:3: rule deny uses 'if' without 'contains'"},
		"removed builtin":      {files: map[string]string{"main.rego": "package main\n\ndeny contains x if {\n\tx := http.send({\"method\": \"get\", \"url\": \"http://x\"})\n}\n"}, want: "http.send is not allowed"},
		"parse error":          {files: map[string]string{"main.rego": "package main\n\ndeny contains x if {\n"}, want: "policy/main.rego:"},
		"broken test file too": {files: map[string]string{"main.rego": conftestOther, "main_test.rego": "package main\n\ntest_x if {\n"}, want: "main_test.rego"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			_, err := loadConftestErr(tc.files, ConftestOptions{})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want it to contain %q", err, tc.want)
			}
		})
	}
}

func TestConftestEvaluateErrors(t *testing.T) {
	set := loadConftest(t, map[string]string{"main.rego": "package main\n\ndeny contains {\"message\": \"no msg\"} if true\n"}, ConftestOptions{Revision: "r"})
	d, err := set.Evaluate(context.Background(), map[string]any{}, ConftestFile{})
	var ee *EvalError
	if !errors.As(err, &ee) || !strings.Contains(err.Error(), `data.main.deny: "msg" field must be present and a string`) {
		t.Errorf("object without msg: %v", err)
	}
	if len(d.Violations) != 0 || d.Revision != "r" {
		t.Errorf("a failed evaluation must carry no findings: %+v", d)
	}

	// Builtin errors make the expression undefined, as conftest does by default.
	set = loadConftest(t, map[string]string{"main.rego": "package main\n\ndeny contains \"too many\" if to_number(input.replicas) > 3\n"}, ConftestOptions{})
	d, err = set.Evaluate(context.Background(), map[string]any{"replicas": "lots"}, ConftestFile{})
	if err != nil || len(d.Violations) != 0 {
		t.Errorf("builtin error: %v %+v", err, d)
	}
	d, err = set.Evaluate(context.Background(), map[string]any{"replicas": "5"}, ConftestFile{})
	if err != nil || len(d.Violations) != 1 {
		t.Errorf("to_number: %v %+v", err, d)
	}

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := set.Evaluate(ctx, map[string]any{}, ConftestFile{}); err == nil {
		t.Error("a cancelled evaluation must fail")
	}
}

func TestConftestData(t *testing.T) {
	dir := t.TempDir()
	for name, content := range map[string]string{
		"registries/allowed.yaml": "allowed: [registry.example.com/]\n",
		"limits.json":             `{"maxReplicas": 3}`,
		"notes.txt":               "not data",
	} {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	policy := `package main

deny contains msg if {
	not startswith(input.image, data.registries.allowed[0])
	msg := "registry"
}

deny contains "replicas" if input.replicas > data.maxReplicas

deny contains "prefixed" if data.extra.maxReplicas == 3
`
	// A file's content lands at its directory's path below the given directory, not
	// under its own name (limits.json is data.maxReplicas, registries/allowed.yaml is
	// data.registries.allowed); "a.b:path" roots a path under data.a.b. Both are OPA's
	// loader rules, which conftest uses.
	set := loadConftest(t, map[string]string{"main.rego": policy}, ConftestOptions{DataPaths: []string{dir, "extra:" + filepath.Join(dir, "limits.json")}})
	d, err := set.Evaluate(context.Background(), map[string]any{"image": "docker.io/x", "replicas": 5}, ConftestFile{})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"deny main: prefixed", "deny main: registry", "deny main: replicas"}
	if got := findings(d); !slices.Equal(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
	if _, err := loadConftestErr(map[string]string{"main.rego": policy}, ConftestOptions{DataPaths: []string{filepath.Join(dir, "missing")}}); err == nil {
		t.Error("a missing data path must fail")
	}
}

func TestConftestTreesKeepTheirNames(t *testing.T) {
	trees := []ConftestTree{
		{Name: "a", FS: fstest.MapFS{"main.rego": {Data: []byte("package main\n\ndeny contains \"from a\" if true\n")}}},
		{Name: "b", FS: fstest.MapFS{"main.rego": {Data: []byte("package main\n\ndeny_b contains \"from b\" if true\n")}}},
	}
	set, err := LoadConftest(context.Background(), trees, ConftestOptions{})
	if err != nil {
		t.Fatal(err)
	}
	d, err := set.Evaluate(context.Background(), map[string]any{}, ConftestFile{})
	if err != nil {
		t.Fatal(err)
	}
	if got := findings(d); !slices.Equal(got, []string{"deny main: from a", "deny main: from b"}) {
		t.Errorf("got %q", got)
	}
}

func TestConftestEvaluateConcurrently(t *testing.T) {
	set := loadConftest(t, map[string]string{"main.rego": conftestMain}, ConftestOptions{})
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for i := range 16 {
		wg.Go(func() {
			name := fmt.Sprintf("d%d", i)
			d, err := set.Evaluate(context.Background(), deployment(name, true, "x:1", map[string]any{"owner": "o"}), ConftestFile{Name: name})
			if err != nil {
				errs <- err
				return
			}
			if got := findings(d); !slices.Equal(got, []string{"deny main: " + name + " runs as root", "warn main: one replica"}) {
				errs <- fmt.Errorf("%s: %q", name, got)
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

func TestExceptionName(t *testing.T) {
	for rule, want := range map[string]string{
		"deny": "", "violation": "", "warn": "",
		"deny_missing_owner": "missing_owner", "violation_x": "x", "warn_a_b": "a_b",
	} {
		if got := exceptionName(rule); got != want {
			t.Errorf("exceptionName(%q) = %q, want %q", rule, got, want)
		}
	}
}
