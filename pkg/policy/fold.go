package policy

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/storage"
	"github.com/open-policy-agent/opa/v1/topdown"
)

// Folding data-only rules.
//
// Much of a decision used to be spent recomputing what the request cannot change: a
// policy's configured lists with their defaults (`sensitive_patterns`, `allowed_classes`),
// lowered and validated, the shared constant tables of lib.net, the config object
// itself. topdown caches a rule's value within one evaluation only, so every admission
// request paid for all of it again.
//
// A set's data is fixed from Load until the next revision or data change, except
// data.apiguard.inventory. So Fold evaluates once every rule whose value depends on
// neither input nor the inventory, compiles the modules again with that rule replaced by
// its value (`name := <value>`), or by a rule that is never defined (`name if false`)
// when it has none, and prepares the per-kind queries over them. The result of any query
// is unchanged: a folded rule is referentially transparent (the capabilities refuse every
// nondeterministic builtin) and its inputs are the set's own data. The webhook folds each
// revision once it serves it (policysync); with the examples' configuration an Ingress
// decision then takes 0.85x the time, for 0.8x of a Load once per revision.
//
// What is not folded, and stays evaluated per request: functions (their value depends on
// their arguments); partial object rules and rules with a ref head (`a.b := ...`), which
// other rules may extend; rules whose evaluation fails (the failure must surface at
// request time as before); and everything when a served module uses `with`, which could
// evaluate a folded rule under other data. Rego tests never see folded modules: they
// compile the tree themselves (RunTests), so `with data.apiguard.config as ...` in a
// test still reaches every rule.

// FoldStats says what folding did to a set (PolicySet.Folding).
type FoldStats struct {
	// Folded counts rule paths replaced by their value; Undefined those replaced by a
	// rule that is never defined.
	Folded, Undefined int
	// OverBudget counts rules left as they are because evaluating them took longer
	// than foldRuleBudget, or came after foldTotalBudget was spent.
	OverBudget int
	// Skipped says why nothing was folded, when nothing was.
	Skipped string
}

// A policy's data-only rule may be slow (by mistake or on purpose); folding must not hold
// up activation for it. Such a rule is left as it is, to run under each request's
// deadline as before. The library's 246 data-only rules take about 10 ms in all.
const (
	foldRuleBudget  = 50 * time.Millisecond
	foldTotalBudget = time.Second
)

// folding is a set's folding state. Fold runs at most once per set; until it has, source
// holds what it needs, and afterwards only what it did.
type folding struct {
	mu     sync.Mutex
	source *foldSource
	stats  FoldStats
}

// foldSource is what a set was compiled from: the parsed modules, their compilation and
// the data. Once Fold has run the set holds none of it, so only the folded compilation
// stays in memory.
type foldSource struct {
	modules  map[string]*ast.Module
	compiler *ast.Compiler
	store    storage.Store
}

// Fold replaces the set's queries with queries over its modules with every data-only rule
// folded to its value (see above). Decisions are unchanged; each costs less. It costs
// about one more compile of the tree, so a caller that evaluates a set many times
// (the webhook, once a revision is active) calls it, and one that evaluates a few
// objects does not. It runs once per set: later calls return what the first did. It is
// safe to call while the set evaluates requests: an evaluation runs on the queries it
// started with.
//
// An error means ctx ended first; the set is unchanged and Fold may be called again. A
// folding defect (the folded modules do not compile or prepare) is not an error: the
// set keeps its queries and FoldStats.Skipped says why.
func (s *PolicySet) Fold(ctx context.Context) (FoldStats, error) {
	s.fold.mu.Lock()
	defer s.fold.mu.Unlock()
	src := s.fold.source
	if src == nil {
		return s.fold.stats, nil
	}
	modules, stats, err := foldDataOnly(ctx, src.compiler, src.store, src.modules)
	if err != nil {
		return stats, err
	}
	if stats.Folded+stats.Undefined > 0 {
		parts, skipped, err := s.prepareFolded(ctx, modules, src.store)
		if err != nil {
			return stats, err
		}
		if skipped != "" {
			stats = FoldStats{Skipped: skipped}
		} else {
			s.parts.Store(parts)
		}
	}
	s.fold.source, s.fold.stats = nil, stats
	return stats, nil
}

// prepareFolded compiles the folded modules and prepares the set's queries over them.
// skipped says why not, when that fails for a reason other than ctx.
func (s *PolicySet) prepareFolded(ctx context.Context, modules map[string]*ast.Module, store storage.Store) (*partitions, string, error) {
	// The tree passed the type checker as written. Folded, a rule's type is its value's,
	// and a read of a key the value lacks (config.gitops when nothing is configured)
	// would be refused as an undefined ref, though it is merely undefined, as before.
	compiler, err := compile(ctx, modules, store, ast.StageCheckTypes)
	if err != nil {
		if ctx.Err() != nil {
			return nil, "", ctx.Err()
		}
		// The tree compiled as written, so this is a folding defect, not the author's.
		return nil, "the folded modules did not compile: " + err.Error(), nil
	}
	parts, err := s.buildPartitions(ctx, compiler)
	if err != nil {
		if ctx.Err() != nil {
			return nil, "", ctx.Err()
		}
		return nil, "the folded queries did not prepare: " + err.Error(), nil
	}
	return parts, "", nil
}

// Folding says what Fold did to the set; before it runs, Skipped says so.
func (s *PolicySet) Folding() FoldStats {
	s.fold.mu.Lock()
	defer s.fold.mu.Unlock()
	if s.fold.source != nil {
		return FoldStats{Skipped: "not folded (PolicySet.Fold has not run)"}
	}
	return s.fold.stats
}

// foldDataOnly returns a copy of parsed in which every data-only rule of compiled is
// replaced by its value under store's data. compiled must be the compilation of parsed.
func foldDataOnly(ctx context.Context, compiled *ast.Compiler, store storage.Store, parsed map[string]*ast.Module) (map[string]*ast.Module, FoldStats, error) {
	var stats FoldStats
	if usesWith(compiled) {
		stats.Skipped = "a policy module uses `with`"
		return parsed, stats, nil
	}
	deps := &dataOnlyRules{compiler: compiled, memo: map[*ast.Rule]bool{}}
	values := map[string]*ast.Term{} // rule path -> value; nil for undefined
	txn, err := store.NewTransaction(ctx)
	if err != nil {
		return nil, stats, fmt.Errorf("open data store: %w", err)
	}
	defer store.Abort(ctx, txn)
	spent := time.Duration(0)
	for _, path := range foldCandidates(compiled) {
		rules := compiled.GetRulesExact(path)
		if slices.ContainsFunc(rules, func(r *ast.Rule) bool { return !deps.dataOnly(r) }) {
			continue
		}
		if spent >= foldTotalBudget {
			stats.OverBudget++
			continue
		}
		start := time.Now()
		value, ok, err := evalRule(ctx, compiled, store, txn, path)
		spent += time.Since(start)
		if ctxErr := ctx.Err(); ctxErr != nil {
			return nil, stats, ctxErr
		}
		if err != nil {
			// It fails, or runs long, at request time as it did before, under the
			// request's own deadline.
			if topdown.IsCancel(err) {
				stats.OverBudget++
			}
			continue
		}
		if ok {
			stats.Folded++
		} else {
			value = nil
			stats.Undefined++
		}
		values[path.String()] = value
	}
	if len(values) == 0 {
		return parsed, stats, nil
	}
	out := make(map[string]*ast.Module, len(parsed))
	placed := map[string]bool{}
	for name, m := range parsed {
		if !slices.ContainsFunc(m.Rules, func(r *ast.Rule) bool { _, ok := values[parsedRulePath(m, r)]; return ok }) {
			out[name] = m
			continue
		}
		c := m.Copy()
		kept := c.Rules[:0]
		for _, r := range c.Rules {
			key := parsedRulePath(c, r)
			value, folded := values[key]
			if !folded {
				kept = append(kept, r)
				continue
			}
			if placed[key] {
				continue // the path's other rules: its value stands in for all of them
			}
			placed[key] = true
			kept = append(kept, constantRule(c, r, value))
		}
		c.Rules = kept
		out[name] = c
	}
	return out, stats, nil
}

// usesWith reports whether any rule of the compiled modules has an expression with a
// `with` modifier.
func usesWith(c *ast.Compiler) bool {
	found := false
	for _, m := range c.Modules {
		ast.WalkExprs(m, func(e *ast.Expr) bool {
			if len(e.With) > 0 {
				found = true
			}
			return found
		})
		if found {
			return true
		}
	}
	return false
}

// foldCandidates lists, sorted, the paths of the rules that could be folded by their
// shape: plain names, complete or partial-set, no arguments, and no other rule extending
// the path.
func foldCandidates(c *ast.Compiler) []ast.Ref {
	seen := map[string]bool{}
	var out []ast.Ref
	for _, name := range sortedKeys(c.Modules) {
		for _, r := range c.Modules[name].Rules {
			head := r.Head
			ref := head.Ref()
			if len(head.Args) > 0 || len(ref) != 1 || !ref.IsGround() {
				continue
			}
			if kind := head.DocKind(); kind != ast.CompleteDoc && kind != ast.PartialSetDoc {
				continue
			}
			path := r.Ref()
			key := path.String()
			if seen[key] {
				continue
			}
			seen[key] = true
			exact := c.GetRulesExact(path)
			if len(c.GetRulesWithPrefix(path)) != len(exact) || !sameShape(exact) {
				continue
			}
			out = append(out, path)
		}
	}
	return out
}

// sameShape reports whether all rules of a path are plain-named, argument-free rules of
// one document kind (a default rule counts as complete).
func sameShape(rules []*ast.Rule) bool {
	for _, r := range rules {
		if len(r.Head.Args) > 0 || len(r.Head.Ref()) != 1 || r.Head.DocKind() != rules[0].Head.DocKind() {
			return false
		}
	}
	return true
}

// dataOnlyRules decides, once per rule, whether a rule's value depends only on the set's
// data: nothing it or any rule or function it reaches reads input or the inventory.
type dataOnlyRules struct {
	compiler *ast.Compiler
	memo     map[*ast.Rule]bool
}

func (d *dataOnlyRules) dataOnly(r *ast.Rule) bool {
	if v, ok := d.memo[r]; ok {
		return v
	}
	d.memo[r] = false // Rego forbids recursion; a cycle here is refused, not folded
	ok := len(requestOrInventoryReads(r)) == 0
	if ok && r.Else != nil {
		ok = d.dataOnly(r.Else)
	}
	if ok {
		for dep := range d.compiler.Graph.Dependencies(r) {
			if dr, isRule := dep.(*ast.Rule); isRule && !d.dataOnly(dr) {
				ok = false
				break
			}
		}
	}
	d.memo[r] = ok
	return ok
}

// evalRule evaluates the document at path without input. ok is false when it is
// undefined.
func evalRule(ctx context.Context, c *ast.Compiler, store storage.Store, txn storage.Transaction, path ast.Ref) (*ast.Term, bool, error) {
	result := ast.VarTerm("__fold__")
	query, err := c.QueryCompiler().Compile(ast.NewBody(ast.Equality.Expr(result, ast.NewTerm(path))))
	if err != nil {
		return nil, false, err
	}
	ctx, done := context.WithTimeout(ctx, foldRuleBudget)
	defer done()
	cancel := topdown.NewCancel()
	defer context.AfterFunc(ctx, cancel.Cancel)()
	rs, err := topdown.NewQuery(query).
		WithCancel(cancel).
		WithCompiler(c).
		WithStore(store).
		WithTransaction(txn).
		WithStrictBuiltinErrors(true).
		Run(ctx)
	if err != nil {
		return nil, false, err
	}
	switch len(rs) {
	case 0:
		return nil, false, nil
	case 1:
		v, ok := rs[0][result.Value.(ast.Var)]
		if !ok || !v.IsGround() {
			return nil, false, fmt.Errorf("%s: no ground value", path)
		}
		return v, true, nil
	default:
		return nil, false, fmt.Errorf("%s: %d values", path, len(rs))
	}
}

// parsedRulePath is the path of rule r of parsed module m, as foldDataOnly keys it; ""
// for rules that are never folded.
func parsedRulePath(m *ast.Module, r *ast.Rule) string {
	ref := r.Head.Ref()
	if len(r.Head.Args) > 0 || len(ref) != 1 {
		return ""
	}
	return m.Package.Path.Extend(ref).String()
}

// constantRule is the rule standing in for the folded rules of orig's path: `name :=
// value`, or `name if false` when value is nil (undefined).
func constantRule(m *ast.Module, orig *ast.Rule, value *ast.Term) *ast.Rule {
	name := orig.Head.Ref()[0].Value.(ast.Var)
	body := ast.NewBody(ast.NewExpr(ast.BooleanTerm(true)))
	head := ast.NewHead(name, nil, value)
	if value == nil {
		body = ast.NewBody(ast.NewExpr(ast.BooleanTerm(false)))
		head = ast.NewHead(name, nil, ast.BooleanTerm(true))
	} else {
		head.Assign = true
	}
	head.Location = orig.Head.Location
	body[0].Location = orig.Location
	return &ast.Rule{Head: head, Body: body, Module: m, Location: orig.Location}
}
