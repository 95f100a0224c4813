package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"github.com/spf13/pflag"
	"sigs.k8s.io/yaml"

	"github.com/apiguard/apiguard/pkg/policy"
	"github.com/apiguard/apiguard/pkg/report"
	"github.com/apiguard/apiguard/pkg/source"
)

// conftestOptions hold the flags of `apiguard check --conftest`, which runs existing
// conftest policies unchanged on the raw manifests, as `conftest test` does.
type conftestOptions struct {
	enabled       bool
	allNamespaces bool
	regoVersion   string
	// namespaces holds every -n/--namespace value in order; in conftest mode they are
	// Rego packages, in normal mode only the last one counts (a Kubernetes namespace).
	namespaces []string
	// flags tells given flags from defaults: --policy defaults to ./policy in conftest
	// mode, and flags that only make sense for AdmissionRequests are refused.
	flags *pflag.FlagSet
}

// conftestDefaultPolicy is conftest's default policy directory.
const conftestDefaultPolicy = "policy"

// addConftestFlags registers the conftest-only flags on check's flag set.
func addConftestFlags(f *pflag.FlagSet, o *conftestOptions) {
	o.flags = f
	f.BoolVar(&o.enabled, "conftest", false, "run conftest policies unchanged: input is each raw YAML/JSON document, rules deny*, violation* and warn* in --namespace packages (default main); --policy defaults to ./policy and --data loads like conftest's")
	f.BoolVar(&o.allNamespaces, "all-namespaces", false, "with --conftest: evaluate every Rego package")
	f.StringVar(&o.regoVersion, "rego-version", "v1", "with --conftest: Rego syntax of the policies, v1 or v0")
}

// namespaceValue backs -n/--namespace, which means two things: the Kubernetes namespace
// for objects without one (the last value wins, as for any string flag), and with
// --conftest the Rego packages to evaluate (every value counts).
type namespaceValue struct {
	last *string
	all  *[]string
}

func newNamespaceValue(last *string, all *[]string, def string) *namespaceValue {
	*last = def
	return &namespaceValue{last: last, all: all}
}

func (v *namespaceValue) String() string { return *v.last }
func (v *namespaceValue) Type() string   { return "string" }

func (v *namespaceValue) Set(s string) error {
	*v.last = s
	*v.all = append(*v.all, s)
	return nil
}

// namespaceHelp documents both meanings of -n/--namespace.
const namespaceHelp = "namespace for objects that do not set one; with --conftest it means conftest's --namespace instead: a Rego package to evaluate (repeatable, comma-separated, globs; main when not given)"

// requested reports whether the user asked for conftest mode or used one of its flags,
// so a conftest flag without --conftest is refused instead of ignored.
func (o conftestOptions) requested() bool {
	if o.enabled {
		return true
	}
	return o.flags != nil && (o.flags.Changed("all-namespaces") || o.flags.Changed("rego-version"))
}

func runConftest(ctx context.Context, o checkOptions, args []string, stdin io.Reader, out io.Writer) error {
	usage := func(err error) error { return &exitError{code: report.ExitError, err: err} }
	if !o.conftest.enabled {
		return usage(errors.New("--all-namespaces and --rego-version need --conftest"))
	}
	// These describe the AdmissionRequest, which conftest mode does not build.
	for _, name := range []string{"cluster-name", "user", "group", "old"} {
		if o.conftest.flags.Changed(name) {
			return usage(fmt.Errorf("--%s does not apply with --conftest: conftest policies see the raw manifest, not an AdmissionRequest", name))
		}
	}
	if !slices.Contains(report.Formats(), o.output) {
		return usage(fmt.Errorf("unknown output format %q (want %s)", o.output, strings.Join(report.Formats(), ", ")))
	}
	policies := splitCommas(o.policies)
	if !o.conftest.flags.Changed("policy") {
		policies = []string{conftestDefaultPolicy}
	}
	trees, revision, err := conftestTrees(ctx, policies, o.gitAuth)
	if err != nil {
		return usage(err)
	}
	set, err := policy.LoadConftest(ctx, trees, policy.ConftestOptions{
		Revision:      revision,
		Namespaces:    splitCommas(o.conftest.namespaces),
		AllNamespaces: o.conftest.allNamespaces,
		RegoVersion:   o.conftest.regoVersion,
		DataPaths:     splitCommas(o.data),
	})
	if err != nil {
		return usage(fmt.Errorf("policies %s: %w", strings.Join(policies, ", "), err))
	}
	docs, err := readConftestInputs(args, stdin, o.ignore)
	if err != nil {
		return usage(err)
	}
	results := make([]report.Result, 0, len(docs))
	for _, d := range docs {
		results = append(results, evaluateConftest(ctx, set, d))
	}
	if err := report.Write(out, o.output, results, reportOptions(nil, out)); err != nil {
		return usage(err)
	}
	if code := report.Summarize(results).ExitCode(o.failOnWarn); code != report.ExitAllowed {
		return &exitError{code: code}
	}
	return nil
}

// splitCommas reads list flags the way conftest's comma-separated flags are read, so
// `--namespace a,b` means what it means there.
func splitCommas(values []string) []string {
	var out []string
	for _, v := range values {
		for _, part := range strings.Split(v, ",") {
			if part != "" {
				out = append(out, part)
			}
		}
	}
	return out
}

// conftestTrees reads every --policy: a directory or Git URL through the same sources as
// normal mode, or a single .rego file, which conftest also accepts. Trees are kept apart
// rather than merged, since two conftest policy directories may both hold main.rego.
func conftestTrees(ctx context.Context, specs []string, auth source.GitAuth) ([]policy.ConftestTree, string, error) {
	resolved, err := source.Resolver{Auth: auth, Files: true}.ResolveAll(ctx, specs)
	if err != nil {
		return nil, "", err
	}
	trees := make([]policy.ConftestTree, 0, len(resolved))
	for _, t := range resolved {
		trees = append(trees, policy.ConftestTree{Name: t.Name(), FS: t.FS})
	}
	return trees, source.CombinedRevision(resolved), nil
}

// conftestDoc is one input as conftest sees it: a YAML document, or an element of a
// file whose content is a top-level array.
type conftestDoc struct {
	file  string
	index int
	line  int
	value any
}

// readConftestInputs reads files, directories and "-" (stdin, parsed as YAML) the way
// conftest does for YAML and JSON. Unlike normal mode, a List stays one input.
func readConftestInputs(args []string, stdin io.Reader, ignore []string) ([]conftestDoc, error) {
	for _, p := range ignore {
		if _, err := path.Match(p, ""); err != nil {
			return nil, fmt.Errorf("ignore pattern %q: %w", p, err)
		}
	}
	var docs []conftestDoc
	for _, arg := range args {
		files, err := conftestFiles(arg, ignore)
		if err != nil {
			return nil, err
		}
		for _, f := range files {
			var b []byte
			if f == "-" {
				b, err = io.ReadAll(stdin)
			} else {
				b, err = os.ReadFile(f)
			}
			if err != nil {
				return nil, fmt.Errorf("read %s: %w", f, err)
			}
			parsed, err := parseConftestFile(f, b)
			if err != nil {
				return nil, fmt.Errorf("parse %s: %w", f, err)
			}
			docs = append(docs, parsed...)
		}
	}
	if len(docs) == 0 {
		return nil, errors.New("no files found")
	}
	return docs, nil
}

// conftestFiles expands one argument. Directories are walked in lexical order for
// .yaml, .yml and .json files, hidden ones included as in conftest; --ignore globs
// match the path relative to the directory or the base name, as in normal mode.
func conftestFiles(arg string, ignore []string) ([]string, error) {
	if arg == "-" {
		return []string{"-"}, nil
	}
	info, err := os.Stat(arg)
	if err != nil {
		return nil, err
	}
	if !info.IsDir() {
		if conftestFormat(arg) == "" {
			return nil, fmt.Errorf("%s: --conftest reads YAML (.yaml, .yml) and JSON (.json) files only", arg)
		}
		return []string{arg}, nil
	}
	var files []string
	err = filepath.WalkDir(arg, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(arg, p)
		if rel != "." && ignored(filepath.ToSlash(rel), d.Name(), ignore) {
			if d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		if !d.IsDir() && conftestFormat(p) != "" {
			files = append(files, p)
		}
		return nil
	})
	return files, err
}

func ignored(rel, name string, patterns []string) bool {
	for _, p := range patterns {
		if ok, _ := path.Match(p, rel); ok {
			return true
		}
		if ok, _ := path.Match(p, name); ok {
			return true
		}
	}
	return false
}

// conftestFormat picks the parser by extension, case-insensitively, as conftest does.
func conftestFormat(name string) string {
	switch strings.ToLower(filepath.Ext(name)) {
	case ".yaml", ".yml":
		return "yaml"
	case ".json":
		return "json"
	}
	return ""
}

// parseConftestFile decodes a file into conftest's inputs. YAML is split on "---" lines
// exactly as conftest splits it, so an empty document (say, after a trailing "---") is
// an input too, with the value null. A file whose value is an array is one input per
// element: conftest treats it like a multi-document file.
func parseConftestFile(name string, b []byte) ([]conftestDoc, error) {
	var values []any
	var lines []int
	if name != "-" && conftestFormat(name) == "json" {
		var v any
		if err := json.Unmarshal(bytes.TrimPrefix(b, []byte("\xef\xbb\xbf")), &v); err != nil {
			return nil, err
		}
		values, lines = []any{v}, []int{1}
	} else {
		parts, starts := splitConftestYAML(b)
		for i, part := range parts {
			var v any
			if err := yaml.Unmarshal(part, &v); err != nil {
				return nil, fmt.Errorf("document %d (line %d): %w", i, starts[i], err)
			}
			values = append(values, v)
		}
		lines = starts
	}
	if len(values) == 1 {
		if elems, ok := values[0].([]any); ok {
			values = elems
			// Elements of one array share its position; their own lines are unknown.
			lines = make([]int, len(elems))
		}
	}
	docs := make([]conftestDoc, 0, len(values))
	for i, v := range values {
		docs = append(docs, conftestDoc{file: name, index: i, line: lines[i], value: v})
	}
	return docs, nil
}

// splitConftestYAML splits on lines that are exactly "---", with the file's line ending
// (CRLF when it holds any). A leading "%" directive belongs to the first document. It
// returns the parts and the 1-based line each starts on.
func splitConftestYAML(b []byte) ([][]byte, []int) {
	nl := []byte("\n")
	if bytes.Contains(b, []byte("\r\n")) {
		nl = []byte("\r\n")
	}
	sep := slices.Concat(nl, []byte("---"), nl)
	parts := bytes.Split(b, sep)
	starts := make([]int, len(parts))
	offset := 0
	for i, p := range parts {
		starts[i] = 1 + bytes.Count(b[:offset], []byte("\n"))
		offset += len(p) + len(sep)
	}
	if bytes.HasPrefix(b, []byte("%")) && len(parts) > 1 {
		first := slices.Concat(parts[0], sep, parts[1])
		parts = append([][]byte{first}, parts[2:]...)
		starts = append([]int{1}, starts[2:]...)
	}
	if len(parts) == 1 {
		return [][]byte{b}, []int{1}
	}
	return parts, starts
}

func evaluateConftest(ctx context.Context, set *policy.ConftestSet, d conftestDoc) report.Result {
	res := report.Result{File: d.file, Index: d.index, Item: -1, Line: d.line}
	if obj, ok := d.value.(map[string]any); ok {
		res.APIVersion, _ = obj["apiVersion"].(string)
		res.Kind, _ = obj["kind"].(string)
		if meta, ok := obj["metadata"].(map[string]any); ok {
			res.Namespace, _ = meta["namespace"].(string)
			res.Name, _ = meta["name"].(string)
		}
	}
	res.Decision.Revision = set.Revision()
	file, err := policy.ConftestFileFor(d.file)
	if err != nil {
		res.Err = err
		return res
	}
	res.Decision, res.Err = set.Evaluate(ctx, d.value, file)
	return res
}
