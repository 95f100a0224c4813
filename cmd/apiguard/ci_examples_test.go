package main

import (
	"os"
	"regexp"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"
)

// TestPreCommitHooks checks the shipped hook definitions the way pre-commit uses them:
// the file filters pick manifests, and the entry plus the changed files is a valid check.
func TestPreCommitHooks(t *testing.T) {
	raw, err := os.ReadFile("../../.pre-commit-hooks.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var hooks []struct {
		ID, Name, Language, Entry, Files, Exclude string
	}
	if err := yaml.Unmarshal(raw, &hooks); err != nil {
		t.Fatal(err)
	}
	if len(hooks) == 0 {
		t.Fatal("no hooks defined")
	}
	dir := t.TempDir()
	good := writeFile(t, dir, "good.yaml", goodIngress)
	bad := writeFile(t, dir, "bad.yaml", badIngress)
	for _, h := range hooks {
		t.Run(h.ID, func(t *testing.T) {
			if h.ID == "" || h.Name == "" || (h.Language != "golang" && h.Language != "system") {
				t.Fatalf("hook %+v: want id, name and language golang or system", h)
			}
			files, err := regexp.Compile(h.Files)
			if err != nil {
				t.Fatalf("files: %v", err)
			}
			exclude, err := regexp.Compile(h.Exclude)
			if err != nil {
				t.Fatalf("exclude: %v", err)
			}
			picked := func(p string) bool { return files.MatchString(p) && !(h.Exclude != "" && exclude.MatchString(p)) }
			for _, p := range []string{"deploy/ingress.yaml", "a.yml", "list.json"} {
				if !picked(p) {
					t.Errorf("%s is not passed to the hook", p)
				}
			}
			for _, p := range []string{"README.md", "main.go", ".github/workflows/ci.yaml", ".gitlab-ci.yml", ".pre-commit-config.yaml"} {
				if picked(p) {
					t.Errorf("%s is passed to the hook", p)
				}
			}
			entry := strings.Fields(h.Entry)
			if len(entry) < 2 || entry[0] != "apiguard" {
				t.Fatalf("entry %q does not run apiguard", h.Entry)
			}
			args := append(entry[1:], "--policy", policies)
			if code, out, errOut := run(t, "", append(args, good)...); code != 0 {
				t.Errorf("hook on a good manifest: exit %d\n%s%s", code, out, errOut)
			}
			if code, out, _ := run(t, "", append(args, good, bad)...); code != 1 || !strings.Contains(out, "ingress.require_tls") {
				t.Errorf("hook on a bad manifest: exit %d, want 1 naming the policy\n%s", code, out)
			}
		})
	}
}

// TestCIExamples parses the documented CI examples and every apiguard check command in
// them with the real flag set, so the docs cannot drift from the CLI.
func TestCIExamples(t *testing.T) {
	cases := map[string]string{
		"../../docs/github-actions-apiguard.yaml": "sarif",
		"../../docs/gitlab-ci-apiguard.yaml":      "junit",
	}
	for file, format := range cases {
		t.Run(file, func(t *testing.T) {
			raw, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			var doc any
			if err := yaml.Unmarshal(raw, &doc); err != nil {
				t.Fatalf("not valid YAML: %v", err)
			}
			commands := apiguardCommands(doc)
			if len(commands) == 0 {
				t.Fatal("no apiguard check command found")
			}
			for _, c := range commands {
				cmd := newCheckCommand(nil)
				if err := cmd.ParseFlags(c); err != nil {
					t.Fatalf("%q: %v", c, err)
				}
				if got, _ := cmd.Flags().GetString("output"); got != format {
					t.Errorf("%q: output %q, want %q", c, got, format)
				}
				if len(cmd.Flags().Args()) == 0 {
					t.Errorf("%q: no manifests to check", c)
				}
			}
		})
	}
}

// apiguardCommands finds the arguments of every "apiguard check" in the shell scripts of
// a CI document, joining backslash continuations and dropping redirections.
func apiguardCommands(doc any) [][]string {
	var out [][]string
	var walk func(v any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			for _, x := range v {
				walk(x)
			}
		case []any:
			for _, x := range v {
				walk(x)
			}
		case string:
			script := strings.ReplaceAll(v, "\\\n", " ")
			for _, line := range strings.Split(script, "\n") {
				_, rest, ok := strings.Cut(line, "apiguard check ")
				if !ok {
					continue
				}
				rest, _, _ = strings.Cut(rest, ">")
				out = append(out, shellWords(rest))
			}
		}
	}
	walk(doc)
	return out
}

// shellWords splits a command line on blanks, honouring double quotes; enough for docs.
func shellWords(s string) []string {
	var words []string
	var cur strings.Builder
	quoted, inWord := false, false
	for _, r := range s {
		switch {
		case r == '"':
			quoted, inWord = !quoted, true
		case (r == ' ' || r == '\t') && !quoted:
			if inWord {
				words = append(words, cur.String())
				cur.Reset()
				inWord = false
			}
		default:
			cur.WriteRune(r)
			inWord = true
		}
	}
	if inWord {
		words = append(words, cur.String())
	}
	return words
}
