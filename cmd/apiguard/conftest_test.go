package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

const conftestPolicy = `package main

deny contains msg if {
	input.kind == "Deployment"
	not input.metadata.labels.owner
	msg := sprintf("%s: owner label missing", [input.metadata.name])
}

deny_list contains "a List is one input" if input.kind == "List"

warn_file contains sprintf("read from %s", [data.conftest.file.name]) if input.kind == "ConfigMap"
`

const conftestManifests = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
---
apiVersion: v1
kind: List
items:
  - apiVersion: apps/v1
    kind: Deployment
    metadata:
      name: inner
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
`

type conftestJSON struct {
	File       string `json:"file"`
	Index      int    `json:"index"`
	Line       int    `json:"line"`
	Kind       string `json:"kind"`
	Name       string `json:"name"`
	Violations []struct {
		Policy  string `json:"policy"`
		Message string `json:"message"`
	} `json:"violations"`
	Warnings []struct {
		Policy  string `json:"policy"`
		Message string `json:"message"`
	} `json:"warnings"`
	Error string `json:"error"`
}

func decodeResults(t *testing.T, out string) []conftestJSON {
	t.Helper()
	var res []conftestJSON
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	return res
}

func TestConftestModeReportsEachDocument(t *testing.T) {
	dir := t.TempDir()
	pol := filepath.Join(dir, "rules")
	if err := os.Mkdir(pol, 0o755); err != nil {
		t.Fatal(err)
	}
	writeFile(t, pol, "main.rego", conftestPolicy)
	file := writeFile(t, dir, "all.yaml", conftestManifests)
	code, out, errOut := run(t, "", "check", "--conftest", "--policy", pol, "-o", "json", file)
	if code != 1 {
		t.Fatalf("exit %d, want 1\n%s%s", code, out, errOut)
	}
	res := decodeResults(t, out)
	type doc struct {
		index, line int
		kind        string
		findings    []string
	}
	var got []doc
	for _, r := range res {
		d := doc{index: r.Index, line: r.Line, kind: r.Kind}
		for _, v := range r.Violations {
			d.findings = append(d.findings, "deny "+v.Policy+": "+v.Message)
		}
		for _, w := range r.Warnings {
			d.findings = append(d.findings, "warn "+w.Policy+": "+w.Message)
		}
		got = append(got, d)
	}
	// The List stays one input (its item is not checked on its own), and each document
	// keeps its index and the line it starts on.
	want := []doc{
		{index: 0, line: 1, kind: "Deployment", findings: []string{"deny main: api: owner label missing"}},
		{index: 1, line: 6, kind: "List", findings: []string{"deny main: a List is one input"}},
		{index: 2, line: 14, kind: "ConfigMap", findings: []string{"warn main: read from all.yaml"}},
	}
	if len(got) != len(want) {
		t.Fatalf("got %+v, want %+v", got, want)
	}
	for i := range want {
		if got[i].index != want[i].index || got[i].line != want[i].line || got[i].kind != want[i].kind || !slices.Equal(got[i].findings, want[i].findings) {
			t.Errorf("document %d: got %+v, want %+v", i, got[i], want[i])
		}
	}
}

func TestConftestModeFlags(t *testing.T) {
	dir := t.TempDir()
	// conftest's default policy directory is ./policy, relative to the working directory.
	if err := os.Mkdir(filepath.Join(dir, "policy"), 0o755); err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(dir, "policy"), "main.rego", conftestPolicy)
	writeFile(t, filepath.Join(dir, "policy"), "other.rego", "package other\n\ndeny contains \"other\" if true\n")
	manifests := filepath.Join(dir, "manifests")
	if err := os.MkdirAll(filepath.Join(manifests, ".hidden"), 0o755); err != nil {
		t.Fatal(err)
	}
	writeFile(t, manifests, "a.yaml", "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: a}\n")
	writeFile(t, manifests, "b.JSON", `{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "b"}}`)
	writeFile(t, filepath.Join(manifests, ".hidden"), "c.yml", "kind: ConfigMap\n")
	writeFile(t, manifests, "notes.txt", "not a manifest")
	t.Chdir(dir)

	tests := map[string]struct {
		args     []string
		stdin    string
		wantCode int
		wantOut  []string
		wantErr  string
	}{
		"default policy dir, directory walk like conftest's": {
			args: []string{"manifests"}, wantCode: 1,
			// Hidden files are read and extensions compared case-insensitively, as in
			// conftest; other files are skipped.
			wantOut: []string{"manifests/a.yaml", "a: owner label missing", "read from b.JSON", "manifests/.hidden/c.yml", "read from c.yml", "3 objects"},
		},
		"stdin is YAML named -": {
			args: []string{"-"}, stdin: "kind: ConfigMap\n", wantCode: 0, wantOut: []string{"read from -"},
		},
		"namespace selects the package": {
			args: []string{"-n", "other", "manifests/a.yaml"}, wantCode: 1, wantOut: []string{"[other] other", "1 denied"},
		},
		"ignore glob": {
			args: []string{"--ignore", ".hidden", "--ignore", "*.JSON", "manifests"}, wantCode: 1, wantOut: []string{"1 object,"},
		},
		"fail on warn": {
			args: []string{"--fail-on-warn", "manifests/b.JSON"}, wantCode: 1, wantOut: []string{"WARN"},
		},
		"unsupported file": {
			args: []string{"manifests/notes.txt"}, wantCode: 2, wantErr: "YAML (.yaml, .yml) and JSON (.json) files only",
		},
		"admission flags are refused": {
			args: []string{"--user", "alice", "manifests"}, wantCode: 2, wantErr: "--user does not apply with --conftest",
		},
		"missing policy dir": {
			args: []string{"--policy", "nope", "manifests"}, wantCode: 2, wantErr: "nope",
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			code, out, errOut := run(t, tc.stdin, append([]string{"check", "--conftest"}, tc.args...)...)
			if code != tc.wantCode {
				t.Errorf("exit %d, want %d\n%s%s", code, tc.wantCode, out, errOut)
			}
			for _, w := range tc.wantOut {
				if !strings.Contains(out, w) {
					t.Errorf("output lacks %q:\n%s", w, out)
				}
			}
			if !strings.Contains(errOut, tc.wantErr) {
				t.Errorf("stderr lacks %q:\n%s", tc.wantErr, errOut)
			}
		})
	}
}

func TestConftestFlagsNeedConftest(t *testing.T) {
	for _, args := range [][]string{{"--all-namespaces"}, {"--rego-version", "v0"}} {
		code, _, errOut := run(t, "", append(append([]string{"check", "--policy", policies}, args...), "-")...)
		if code != 2 || !strings.Contains(errOut, "need --conftest") {
			t.Errorf("%v: exit %d, stderr %q", args, code, errOut)
		}
	}
}

func TestNamespaceFlagKeepsItsKubernetesMeaning(t *testing.T) {
	// Outside conftest mode -n is the namespace for objects without one; the last value
	// wins, as it did when it was a plain string flag.
	code, out, _ := run(t, badIngress, "check", "--policy", policies, "-n", "first", "--namespace", "prod", "-")
	if code != 1 || !strings.Contains(out, "prod/blog") || strings.Contains(out, "first/blog") {
		t.Errorf("exit %d:\n%s", code, out)
	}
	code, out, _ = run(t, badIngress, "check", "--policy", policies, "-")
	if code != 1 || !strings.Contains(out, "default/blog") {
		t.Errorf("default namespace: exit %d:\n%s", code, out)
	}
}
