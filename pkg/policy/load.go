package policy

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path"
	"slices"
	"strings"
	"time"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/storage"
	"github.com/open-policy-agent/opa/v1/storage/inmem"
	"sigs.k8s.io/yaml"
)

// LoadOptions tune how a policy tree becomes a PolicySet.
type LoadOptions struct {
	// Revision identifies the snapshot (a Git SHA or a content hash). It is carried in
	// every Decision and every denial message.
	Revision string
	// ClusterName selects clusters/<name>/ in the tree: its data files are merged at the
	// data root over the rest of the tree's data, its modules load like any other, and
	// every other clusters/* directory is ignored. One repository serves many clusters.
	ClusterName string
	// Data documents are merged last, in order, over the tree's data and the cluster's
	// data (e.g. --data-file from a ConfigMap). Each is rooted at data.
	Data []map[string]any
	// Now is the set's clock: PolicyExceptions are validated against it at load and
	// applied at its time by every evaluation. Nil is time.Now; tests inject one.
	Now func() time.Time
}

// clustersDir holds per-cluster overlays in a policy tree.
const clustersDir = "clusters"

// CompileError is returned when a policy tree does not parse or compile. Each entry names
// file:row so a policy author can go straight to the problem.
type CompileError struct {
	Problems []string
}

func (e *CompileError) Error() string {
	if len(e.Problems) == 1 {
		return "compile policies: " + e.Problems[0]
	}
	return fmt.Sprintf("compile policies: %d problems:\n  %s", len(e.Problems), strings.Join(e.Problems, "\n  "))
}

// sourceFiles is what a policy tree holds, read once.
type sourceFiles struct {
	modules map[string]string // path -> Rego source, tests excluded
	tests   map[string]string // path -> Rego source of *_test.rego
	data    map[string]any    // merged data documents
	// exceptionFiles are the PolicyException documents (exceptions/*.yaml), read by Load.
	exceptionFiles []string
}

// IsTestFile reports whether a Rego file holds tests; tests are compiled only by the
// test runner, never into the evaluated set.
func IsTestFile(name string) bool { return strings.HasSuffix(name, "_test.rego") }

func readTree(fsys fs.FS, clusterName string) (*sourceFiles, error) {
	src := &sourceFiles{modules: map[string]string{}, tests: map[string]string{}, data: map[string]any{}}
	ownCluster := path.Join(clustersDir, clusterName)
	var clusterData []map[string]any
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return fmt.Errorf("walk %s: %w", p, err)
		}
		name := d.Name()
		if d.IsDir() {
			// Hidden directories (.git, .github) never hold policies.
			if p != "." && strings.HasPrefix(name, ".") {
				return fs.SkipDir
			}
			// Other clusters' overlays are not ours to load.
			if path.Dir(p) == clustersDir && (clusterName == "" || p != ownCluster) {
				return fs.SkipDir
			}
			return nil
		}
		if !d.Type().IsRegular() {
			return nil
		}
		exceptionsOwner := ""
		if clusterName != "" {
			exceptionsOwner = ownCluster
		}
		switch {
		case isExceptionFile(p, exceptionsOwner):
			src.exceptionFiles = append(src.exceptionFiles, p)
		case strings.HasSuffix(name, ".rego"):
			b, err := fs.ReadFile(fsys, p)
			if err != nil {
				return fmt.Errorf("read %s: %w", p, err)
			}
			if IsTestFile(name) {
				src.tests[p] = string(b)
			} else {
				src.modules[p] = string(b)
			}
		case name == "data.json" || name == "data.yaml" || name == "data.yml":
			doc, err := readDataFile(fsys, p)
			if err != nil {
				return err
			}
			if path.Dir(p) == ownCluster && clusterName != "" {
				clusterData = append(clusterData, doc)
				return nil
			}
			// OPA's bundle convention: a data file's directory is its path under data,
			// so a tree that passes `opa test` is loaded the same way here.
			dir := path.Dir(p)
			var prefix []string
			if dir != "." {
				prefix = strings.Split(dir, "/")
			}
			if err := mergeAt(src.data, prefix, doc, p); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	for _, doc := range clusterData {
		if err := mergeAt(src.data, nil, doc, ownCluster); err != nil {
			return nil, err
		}
	}
	return src, nil
}

func readDataFile(fsys fs.FS, p string) (map[string]any, error) {
	b, err := fs.ReadFile(fsys, p)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", p, err)
	}
	doc, err := DecodeData(b)
	if err != nil {
		return nil, fmt.Errorf("data file %s: %w", p, err)
	}
	return doc, nil
}

// DecodeData decodes a JSON or YAML data document whose top level must be an object.
// Numbers stay json.Number so large integers keep their exact value.
func DecodeData(b []byte) (map[string]any, error) {
	jsonBytes, err := yaml.YAMLToJSON(b)
	if err != nil {
		return nil, fmt.Errorf("parse: %w", err)
	}
	if len(bytes.TrimSpace(jsonBytes)) == 0 || string(bytes.TrimSpace(jsonBytes)) == "null" {
		return map[string]any{}, nil
	}
	dec := json.NewDecoder(bytes.NewReader(jsonBytes))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, fmt.Errorf("parse: %w", err)
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("top level must be an object, got %T", v)
	}
	return m, nil
}

// mergeAt merges doc into dst under prefix. Objects merge key by key; for any other value
// the later document wins, which is how per-cluster values override repository defaults.
func mergeAt(dst map[string]any, prefix []string, doc map[string]any, origin string) error {
	for _, k := range prefix {
		next, ok := dst[k]
		if !ok {
			m := map[string]any{}
			dst[k] = m
			dst = m
			continue
		}
		m, ok := next.(map[string]any)
		if !ok {
			return fmt.Errorf("data file %s: data.%s is already a %T, cannot nest an object under it", origin, strings.Join(prefix, "."), next)
		}
		dst = m
	}
	mergeObjects(dst, doc)
	return nil
}

// mergeObjects merges src into dst. An object of src is copied into a map of dst's own,
// never stored by reference: a later document merged under the same key would otherwise
// write into the caller's document (a --data document reused for a second Load would
// carry the first Load's merges).
func mergeObjects(dst, src map[string]any) {
	for k, v := range src {
		if sm, ok := v.(map[string]any); ok {
			dm, ok := dst[k].(map[string]any)
			if !ok {
				dm = map[string]any{}
				dst[k] = dm
			}
			mergeObjects(dm, sm)
			continue
		}
		dst[k] = v
	}
}

// Load reads every policy and data file in fsys and compiles them into a PolicySet, fixed
// from then on but for data.apiguard.inventory (see PolicySet). Any parse or compile
// problem is returned as a *CompileError naming file:row; a tree that does not compile
// never yields a set.
func Load(ctx context.Context, fsys fs.FS, opts LoadOptions) (*PolicySet, error) {
	src, err := readSources(fsys, opts)
	if err != nil {
		return nil, err
	}
	modules, err := parseModules(src.modules)
	if err != nil {
		return nil, err
	}
	store := inmem.NewFromObject(src.data)
	compiler, err := compile(ctx, modules, store)
	if err != nil {
		return nil, err
	}
	// Queries read through inventoryStore, so inventory writes never wait for them.
	served, err := newInventoryStore(ctx, store)
	if err != nil {
		return nil, err
	}
	set, err := newPolicySet(ctx, compiler, served, src.data, opts.Revision)
	if err != nil {
		return nil, err
	}
	set.fold.source = &foldSource{modules: modules, compiler: compiler, store: store}
	if err := set.loadExceptions(fsys, src, opts.Now); err != nil {
		return nil, err
	}
	return set, nil
}

// loadExceptions reads, validates and keeps the tree's PolicyExceptions. A malformed one
// fails the load like a policy that does not compile, naming file and line.
func (s *PolicySet) loadExceptions(fsys fs.FS, src *sourceFiles, now func() time.Time) error {
	if now != nil {
		s.now = now
	}
	if len(src.exceptionFiles) == 0 {
		return nil
	}
	cfg, err := readConfig(src.data)
	if err != nil {
		return fmt.Errorf("load config: %w", err)
	}
	at := s.now()
	exceptions, err := readExceptionFiles(fsys, src.exceptionFiles, cfg.exceptions, at)
	if err != nil {
		return err
	}
	problems, warnings := checkExceptions(exceptions, s.policies)
	if len(problems) > 0 {
		return &CompileError{Problems: problems}
	}
	for _, e := range exceptions {
		if !e.Active(at) {
			warnings = append(warnings, fmt.Sprintf("PolicyException %s (%s:%d) expired at %s and no longer applies; remove it", e.Name, e.File, e.Line, e.Expires.UTC().Format(time.RFC3339)))
		}
	}
	s.exceptions = exceptions
	s.warnings = append(s.warnings, warnings...)
	return nil
}

// readSources reads the tree and merges the caller's data documents over it, in order.
func readSources(fsys fs.FS, opts LoadOptions) (*sourceFiles, error) {
	src, err := readTree(fsys, opts.ClusterName)
	if err != nil {
		return nil, err
	}
	for i, d := range opts.Data {
		if err := mergeAt(src.data, nil, d, fmt.Sprintf("--data #%d", i+1)); err != nil {
			return nil, err
		}
	}
	return src, nil
}

// newCompiler is the one compiler configuration for evaluation and tests alike; only
// the builtin set differs (see testCapabilities).
func newCompiler(caps *ast.Capabilities) *ast.Compiler {
	return ast.NewCompiler().
		WithCapabilities(caps).
		WithEnablePrintStatements(false).
		WithDefaultRegoVersion(ast.RegoV1)
}

func parserOptions() ast.ParserOptions {
	return ast.ParserOptions{ProcessAnnotation: true, RegoVersion: ast.RegoV1, Capabilities: capabilities()}
}

func parseModules(sources map[string]string) (map[string]*ast.Module, error) {
	modules := make(map[string]*ast.Module, len(sources))
	var problems []string
	for _, name := range sortedKeys(sources) {
		m, err := ast.ParseModuleWithOpts(name, sources[name], parserOptions())
		if err != nil {
			problems = append(problems, describeASTError(err)...)
			continue
		}
		modules[name] = m
	}
	if len(problems) > 0 {
		return nil, &CompileError{Problems: problems}
	}
	return modules, nil
}

func compile(ctx context.Context, modules map[string]*ast.Module, store storage.Store, skip ...ast.StageID) (*ast.Compiler, error) {
	txn, err := store.NewTransaction(ctx)
	if err != nil {
		return nil, fmt.Errorf("open data store: %w", err)
	}
	defer store.Abort(ctx, txn)
	// A rule and a data document at the same path would shadow each other silently.
	compiler := newCompiler(capabilities()).WithPathConflictsCheck(storage.NonEmpty(ctx, store, txn)).WithSkipStages(skip...)
	compiler.Compile(modules)
	if compiler.Failed() {
		return nil, &CompileError{Problems: describeASTError(compiler.Errors)}
	}
	return compiler, nil
}

// describeASTError turns OPA's errors into "file:row: message" lines, and explains a call
// to a removed builtin instead of only calling it undefined.
func describeASTError(err error) []string {
	var errs ast.Errors
	if !errors.As(err, &errs) {
		return []string{err.Error()}
	}
	removed := removedBuiltins()
	out := make([]string, 0, len(errs))
	for _, e := range errs {
		msg := e.Message
		for name, why := range removed {
			if strings.Contains(msg, "undefined function "+name) {
				msg = fmt.Sprintf("%s: builtin %s is not allowed in apiguard policies (%s)", msg, name, why)
				break
			}
		}
		if e.Location != nil {
			out = append(out, fmt.Sprintf("%s:%d: %s", e.Location.File, e.Location.Row, msg))
		} else {
			out = append(out, msg)
		}
	}
	return out
}

func sortedKeys[V any](m map[string]V) []string { return slices.Sorted(maps.Keys(m)) }

// ReadDataFiles reads --data documents (JSON or YAML, top level an object) in order.
func ReadDataFiles(paths []string) ([]map[string]any, error) {
	docs := make([]map[string]any, 0, len(paths))
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			return nil, fmt.Errorf("data file: %w", err)
		}
		doc, err := DecodeData(b)
		if err != nil {
			return nil, fmt.Errorf("data file %s: %w", p, err)
		}
		docs = append(docs, doc)
	}
	return docs, nil
}
