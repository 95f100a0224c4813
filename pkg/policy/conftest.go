package policy

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/loader"
	"github.com/open-policy-agent/opa/v1/rego"
	"github.com/open-policy-agent/opa/v1/storage"
	"github.com/open-policy-agent/opa/v1/storage/inmem"
)

// This file runs conftest policies unchanged (`apiguard check --conftest`), following
// the semantics of `conftest test` v0.71: the input is the raw document, rules named
// deny, violation and warn (and their _suffix forms) in the selected packages produce
// failures and warnings, and exception rules silence them. It is a migration path: the
// same policies can later move to the admission input and gain enforcement overrides,
// mutation and inventory data, which only PolicySet offers.

// Rule names conftest treats as failures and warnings: the base name and any number of
// "_suffix" parts, e.g. deny_missing_label.
var (
	conftestFailure = regexp.MustCompile(`^(deny|violation)(_[a-zA-Z0-9]+)*$`)
	conftestWarning = regexp.MustCompile(`^warn(_[a-zA-Z0-9]+)*$`)
)

// ConftestDefaultNamespace is the package conftest evaluates when none is named.
const ConftestDefaultNamespace = "main"

// ConftestTree is one --policy tree. Name prefixes its files in module names and
// compile errors, so two trees may both hold main.rego, as they may with conftest.
type ConftestTree struct {
	Name string
	FS   fs.FS
}

// ConftestOptions tune LoadConftest.
type ConftestOptions struct {
	// Revision identifies the policy trees; it is carried in every Decision.
	Revision string
	// Namespaces are the Rego packages to evaluate, without "data."; empty means
	// "main". When any entry holds a glob character (*, ? or [), every entry is a
	// path.Match pattern over the loaded packages, as conftest's --namespace is.
	Namespaces []string
	// AllNamespaces evaluates every loaded package.
	AllNamespaces bool
	// RegoVersion is the policies' syntax, "v1" (conftest's default) or "v0".
	RegoVersion string
	// DataPaths are JSON and YAML files or directories, loaded as conftest's --data
	// loads them: with OPA's file loader, so a file in a subdirectory lands under that
	// directory's path in data, and "a.b:path" roots a path under data.a.b.
	DataPaths []string
}

// ConftestFile names the file an input came from; policies read it as
// data.conftest.file.{name,dir}, as under conftest.
type ConftestFile struct {
	Name string
	Dir  string
}

// ConftestFileFor returns the ConftestFile conftest would give a path: the base name and
// the absolute directory ("-" for stdin resolves against the working directory, as in
// conftest).
func ConftestFileFor(p string) (ConftestFile, error) {
	abs, err := filepath.Abs(p)
	if err != nil {
		return ConftestFile{}, fmt.Errorf("absolute path of %s: %w", p, err)
	}
	return ConftestFile{Name: filepath.Base(abs), Dir: filepath.Dir(abs)}, nil
}

// ConftestSet is a compiled set of conftest policies with one prepared query for every
// selected rule. It is immutable and safe for concurrent use.
type ConftestSet struct {
	revision   string
	namespaces []string
	query      rego.PreparedEvalQuery
	slots      []conftestSlot
}

// conftestSlot is one rule of one namespace, with the query variables holding its value
// and whether an exception names it.
type conftestSlot struct {
	namespace string
	rule      string
	failure   bool
	value     string
	exception string
}

// Namespaces lists the packages evaluated, sorted.
func (s *ConftestSet) Namespaces() []string { return slices.Clone(s.namespaces) }

// Revision identifies the policy trees the set was compiled from.
func (s *ConftestSet) Revision() string { return s.revision }

// LoadConftest parses and compiles every .rego file of the trees (tests included, as
// conftest loads them) with the engine's restricted builtins, and prepares the rules of
// the selected namespaces.
func LoadConftest(ctx context.Context, trees []ConftestTree, opts ConftestOptions) (*ConftestSet, error) {
	version, err := conftestRegoVersion(opts.RegoVersion)
	if err != nil {
		return nil, err
	}
	modules, err := readConftestModules(trees, version)
	if err != nil {
		return nil, err
	}
	if err := checkIfWithoutContains(modules); err != nil {
		return nil, err
	}
	data, err := loadConftestData(opts.DataPaths)
	if err != nil {
		return nil, err
	}
	store := inmem.NewFromObject(data)
	// conftest compiles without the data/rule path-conflict check Load uses, so a
	// --data document may share a path with a rule here as it may there.
	compiler := newCompiler(capabilities())
	compiler.Compile(modules)
	if compiler.Failed() {
		return nil, &CompileError{Problems: describeASTError(compiler.Errors)}
	}
	namespaces, err := selectNamespaces(conftestNamespaces(compiler.Modules), opts)
	if err != nil {
		return nil, err
	}
	set := &ConftestSet{revision: opts.Revision, namespaces: namespaces}
	if err := set.prepare(ctx, compiler, store); err != nil {
		return nil, err
	}
	return set, nil
}

func conftestRegoVersion(v string) (ast.RegoVersion, error) {
	switch v {
	case "", "v1", "V1":
		return ast.RegoV1, nil
	case "v0", "V0":
		return ast.RegoV0, nil
	}
	return ast.RegoUndefined, fmt.Errorf("invalid Rego version %q (want v0 or v1)", v)
}

func readConftestModules(trees []ConftestTree, version ast.RegoVersion) (map[string]*ast.Module, error) {
	opts := parserOptions()
	opts.RegoVersion = version
	modules := map[string]*ast.Module{}
	var problems []string
	for _, t := range trees {
		err := fs.WalkDir(t.FS, ".", func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return fmt.Errorf("walk %s: %w", path.Join(t.Name, p), err)
			}
			if d.IsDir() || !d.Type().IsRegular() || !strings.HasSuffix(d.Name(), ".rego") {
				return nil
			}
			name := path.Join(t.Name, p)
			b, err := fs.ReadFile(t.FS, p)
			if err != nil {
				return fmt.Errorf("read %s: %w", name, err)
			}
			m, err := ast.ParseModuleWithOpts(name, string(b), opts)
			if err != nil {
				problems = append(problems, describeASTError(err)...)
				return nil
			}
			modules[name] = m
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	if len(problems) > 0 {
		return nil, &CompileError{Problems: problems}
	}
	if len(modules) == 0 {
		names := make([]string, 0, len(trees))
		for _, t := range trees {
			names = append(names, t.Name)
		}
		return nil, fmt.Errorf("no policies found in %s", strings.Join(names, ", "))
	}
	return modules, nil
}

// checkIfWithoutContains refuses `deny[msg] if {...}` in Rego v1: it defines an object
// whose values are true, not a set of messages, so the rule would never fail anything.
// conftest refuses it the same way (OPA issue 6509).
func checkIfWithoutContains(modules map[string]*ast.Module) error {
	for _, name := range sortedKeys(modules) {
		for _, r := range modules[name].Rules {
			h := r.Head
			if h == nil || h.Name != "" || h.Value == nil || len(h.Reference) == 0 {
				continue
			}
			head := h.Reference[0].Value.String()
			if (conftestFailure.MatchString(head) || conftestWarning.MatchString(head)) && h.Value.String() == "true" {
				return fmt.Errorf("%s:%d: rule %s uses 'if' without 'contains'; write `%s contains msg if {...}`", name, h.Location.Row, head, head)
			}
		}
	}
	return nil
}

// loadConftestData reads --data paths with OPA's loader, as conftest does: only .json,
// .yaml and .yml files, directories recursively.
func loadConftestData(paths []string) (map[string]any, error) {
	if len(paths) == 0 {
		return map[string]any{}, nil
	}
	skip := func(_ string, info os.FileInfo, _ int) bool {
		if info.IsDir() {
			return false
		}
		return !slices.Contains([]string{".json", ".yaml", ".yml"}, filepath.Ext(info.Name()))
	}
	res, err := loader.NewFileLoader().Filtered(paths, skip)
	if err != nil {
		return nil, fmt.Errorf("load data: %w", err)
	}
	return res.Documents, nil
}

// conftestNamespaces lists every package, without "data.", sorted and unique.
func conftestNamespaces(modules map[string]*ast.Module) []string {
	var out []string
	for _, m := range modules {
		ns := strings.TrimPrefix(m.Package.Path.String(), "data.")
		if !slices.Contains(out, ns) {
			out = append(out, ns)
		}
	}
	slices.Sort(out)
	return out
}

// selectNamespaces applies --namespace and --all-namespaces. Literal names are kept even
// when no package has them: conftest then simply finds no rules.
func selectNamespaces(all []string, opts ConftestOptions) ([]string, error) {
	if opts.AllNamespaces {
		return all, nil
	}
	wanted := opts.Namespaces
	if len(wanted) == 0 {
		wanted = []string{ConftestDefaultNamespace}
	}
	if !slices.ContainsFunc(wanted, func(p string) bool { return strings.ContainsAny(p, "*?[") }) {
		out := slices.Clone(wanted)
		slices.Sort(out)
		return slices.Compact(out), nil
	}
	var out []string
	for _, ns := range all {
		for _, p := range wanted {
			ok, err := path.Match(p, ns)
			if err != nil {
				return nil, fmt.Errorf("namespace pattern %q: %w", p, err)
			}
			if ok {
				out = append(out, ns)
				break
			}
		}
	}
	return out, nil
}

// prepare builds one query over every failure and warning rule of the selected
// namespaces. Each rule is read through a comprehension so an undefined rule does not
// make the whole query undefined. The input is wrapped as {"doc", "file"} and unwrapped
// with `with`, which is how one prepared query serves every file's data.conftest.file.
func (s *ConftestSet) prepare(ctx context.Context, compiler *ast.Compiler, store storage.Store) error {
	var exprs []string
	for _, ns := range s.namespaces {
		pkg, rules := conftestRules(compiler, ns)
		for _, rule := range rules {
			i := len(s.slots)
			sl := conftestSlot{namespace: ns, rule: rule, failure: conftestFailure.MatchString(rule), value: fmt.Sprintf("v%d", i), exception: fmt.Sprintf("e%d", i)}
			with := " with input as input.doc with data.conftest.file as input.file"
			exprs = append(exprs,
				fmt.Sprintf("%s = [x%d | x%d = %s]%s", sl.value, i, i, pkg.Append(ast.StringTerm(rule)), with),
				fmt.Sprintf("%s = [true | %s[_][_] == %q]%s", sl.exception, pkg.Append(ast.StringTerm("exception")), exceptionName(rule), with))
			s.slots = append(s.slots, sl)
		}
	}
	if len(exprs) == 0 {
		return nil
	}
	body, err := ast.ParseBodyWithOpts(strings.Join(exprs, "; "), ast.ParserOptions{RegoVersion: ast.RegoV1})
	if err != nil {
		return fmt.Errorf("build conftest query: %w", err)
	}
	// Builtin errors make an expression undefined, not the query fail: that is
	// conftest's default (without --show-builtin-errors), and policies written for it
	// rely on it, e.g. to_number on a value that may not be numeric.
	q, err := rego.New(
		rego.ParsedQuery(body),
		rego.Compiler(compiler),
		rego.Store(store),
		rego.Capabilities(capabilities()),
	).PrepareForEval(ctx)
	if err != nil {
		return fmt.Errorf("prepare conftest query: %w", err)
	}
	s.query = q
	return nil
}

// conftestRules returns the package path of ns and its failure and warning rule names,
// in source order. Rules with a dotted head (deny.x) are not conftest rules.
func conftestRules(compiler *ast.Compiler, ns string) (ast.Ref, []string) {
	var pkg ast.Ref
	var rules []string
	for _, name := range sortedKeys(compiler.Modules) {
		m := compiler.Modules[name]
		if strings.TrimPrefix(m.Package.Path.String(), "data.") != ns {
			continue
		}
		pkg = m.Package.Path
		for _, r := range m.Rules {
			rule := r.Head.Name.String()
			if r.Head.Name == "" || !(conftestFailure.MatchString(rule) || conftestWarning.MatchString(rule)) {
				continue
			}
			if !slices.Contains(rules, rule) {
				rules = append(rules, rule)
			}
		}
	}
	return pkg, rules
}

// exceptionName is the name an exception uses for a rule: the rule without its deny_,
// violation_ or warn_ prefix, and "" for the bare deny, violation and warn.
func exceptionName(rule string) string {
	for _, prefix := range []string{"deny", "violation", "warn"} {
		if rule == prefix {
			return ""
		}
		if rest, ok := strings.CutPrefix(rule, prefix+"_"); ok {
			return rest
		}
	}
	return rule
}

// Evaluate runs the prepared rules on one input document (the raw manifest) read from
// file, and returns failures as deny violations and warnings as warnings, each under its
// namespace as the policy ID.
func (s *ConftestSet) Evaluate(ctx context.Context, input any, file ConftestFile) (Decision, error) {
	d := Decision{Revision: s.revision}
	if len(s.slots) == 0 {
		return d, nil
	}
	wrapped, err := ast.InterfaceToValue(map[string]any{
		"doc":  input,
		"file": map[string]any{"name": file.Name, "dir": file.Dir},
	})
	if err != nil {
		return d, &EvalError{Revision: s.revision, Err: fmt.Errorf("convert input: %w", err)}
	}
	rs, err := s.query.Eval(ctx, rego.EvalParsedInput(wrapped))
	if ctxErr := ctx.Err(); ctxErr != nil {
		return d, &EvalError{Revision: s.revision, Err: fmt.Errorf("evaluation stopped: %w", ctxErr)}
	}
	if err != nil {
		return d, &EvalError{Revision: s.revision, Err: err}
	}
	if len(rs) != 1 {
		return d, &EvalError{Revision: s.revision, Err: fmt.Errorf("conftest query returned %d results, want 1", len(rs))}
	}
	b := rs[0].Bindings
	for _, sl := range s.slots {
		// An exception for the rule drops all its results, passing or not.
		if exc, _ := b[sl.exception].([]any); len(exc) > 0 {
			continue
		}
		if err := d.collectConftest(sl, b[sl.value]); err != nil {
			return Decision{Revision: s.revision}, &EvalError{Revision: s.revision, Err: err}
		}
	}
	d.sort()
	return d, nil
}

// collectConftest reads one rule's value as conftest does: only a set or array counts;
// its strings are messages, its objects need a string "msg", anything else is ignored,
// and an empty message is a pass. A boolean rule (`deny if ...`) never fails.
func (d *Decision) collectConftest(sl conftestSlot, bound any) error {
	wrapped, _ := bound.([]any)
	if len(wrapped) != 1 {
		return nil
	}
	elems, ok := wrapped[0].([]any)
	if !ok {
		return nil
	}
	for _, e := range elems {
		var msg string
		var details map[string]any
		switch t := e.(type) {
		case string:
			msg = t
		case map[string]any:
			m, ok := t["msg"].(string)
			if !ok {
				return fmt.Errorf("data.%s.%s: %q field must be present and a string", sl.namespace, sl.rule, "msg")
			}
			msg = m
			for k, v := range t {
				if k == "msg" || k == "_loc" {
					continue
				}
				if details == nil {
					details = map[string]any{}
				}
				details[k] = v
			}
		default:
			continue
		}
		if msg == "" {
			continue
		}
		if sl.failure {
			d.Violations = append(d.Violations, Violation{Policy: sl.namespace, Message: msg, Action: ActionDeny, Details: details})
		} else {
			d.Warnings = append(d.Warnings, Warning{Policy: sl.namespace, Message: msg, Details: details})
		}
	}
	return nil
}
