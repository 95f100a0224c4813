package policy

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/open-policy-agent/opa/v1/ast"
)

// RuleEnabled names a policy's optional activation rule. A policy package that defines
// it declares a precondition on configuration alone: the engine evaluates
// data.<policy>.enabled once when it builds a set (every revision, every data change),
// without input, and a policy whose enabled is not true is inert: it is left out of
// every prepared query, so it costs nothing per request. The rule may read only data,
// and never data.apiguard.inventory, which changes in place between rebuilds. A policy
// without the rule is always evaluated.
const RuleEnabled = "enabled"

// inventoryKeys is the path under data that the webhook rewrites without rebuilding the set.
func inventoryKeys() []string { return []string{"apiguard", "inventory"} }

// applyEnabled evaluates the enabled rule of every policy that declares one and marks
// the policies whose rule is not true as inert. A rule that reads input or the
// inventory, that is not a single boolean, or whose evaluation fails
// refuses the set: silently dropping a policy would admit what it should deny.
func (s *PolicySet) applyEnabled(ctx context.Context, compiler *ast.Compiler) error {
	var problems []string
	for i := range s.policies {
		p := &s.policies[i]
		ref := p.path.Append(ast.StringTerm(RuleEnabled))
		rules := compiler.GetRulesExact(ref)
		if len(rules) == 0 {
			continue
		}
		if errs := checkDataOnly(compiler, p.ID, rules); len(errs) > 0 {
			problems = append(problems, errs...)
			continue
		}
		on, err := s.evalEnabled(ctx, compiler, ref)
		if err != nil {
			problems = append(problems, fmt.Sprintf("%s: %s.%s: %v", location(rules[0]), p.ID, RuleEnabled, err))
			continue
		}
		p.Inert = !on
	}
	if len(problems) > 0 {
		return &CompileError{Problems: problems}
	}
	return nil
}

func (s *PolicySet) evalEnabled(ctx context.Context, compiler *ast.Compiler, ref ast.Ref) (bool, error) {
	rs, err := s.query(compiler, ast.NewBody(ast.NewExpr(ast.NewTerm(ref)))).Eval(ctx)
	if err != nil {
		return false, err
	}
	if len(rs) == 0 {
		return false, nil // undefined: the precondition does not hold
	}
	if len(rs) != 1 || len(rs[0].Expressions) != 1 {
		return false, fmt.Errorf("returned %d results, want one boolean", len(rs))
	}
	switch v := rs[0].Expressions[0].Value.(type) {
	case bool:
		return v, nil
	default:
		return false, fmt.Errorf("must be a boolean, got %T", v)
	}
}

// checkDataOnly walks the enabled rules and every rule they depend on, and reports each
// read of input and of data.apiguard.inventory (or of a part of data that may hold it):
// the rule's value is computed once per set and must not depend on the request or on
// inventory updates. (The capabilities already refuse nondeterministic builtins.)
func checkDataOnly(c *ast.Compiler, id string, roots []*ast.Rule) []string {
	var problems []string
	seen := map[*ast.Rule]bool{}
	queue := slices.Clone(roots)
	for _, r := range roots {
		if len(r.Head.Args) > 0 || len(r.Head.Ref()) != 1 || r.Head.Key != nil {
			problems = append(problems, fmt.Sprintf("%s: %s.%s must be a boolean rule (`enabled if ...`), not a function or a partial rule", location(r), id, RuleEnabled))
		}
	}
	report := func(r *ast.Rule, node ast.Node, what string) {
		loc := location(r)
		if l := node.Loc(); l != nil {
			loc = fmt.Sprintf("%s:%d", l.File, l.Row)
		}
		problems = append(problems, fmt.Sprintf("%s: %s.%s may read only data (it is evaluated once per revision, without a request), but it depends on %s", loc, id, RuleEnabled, what))
	}
	for len(queue) > 0 {
		r := queue[0]
		queue = queue[1:]
		if seen[r] {
			continue
		}
		seen[r] = true
		if r.Else != nil {
			queue = append(queue, r.Else)
		}
		for dep := range c.Graph.Dependencies(r) {
			if d, ok := dep.(*ast.Rule); ok {
				queue = append(queue, d)
			}
		}
		for _, read := range requestOrInventoryReads(r) {
			report(r, read.node, read.what)
		}
	}
	slices.Sort(problems)
	return slices.Compact(problems)
}

// dataRead is a place in a rule that reads input or may read the inventory, and what.
type dataRead struct {
	node ast.Node
	what string
}

// requestOrInventoryReads lists where r itself (not what it calls) reads input, or a
// part of data that may hold the inventory: what makes a rule's value more than its
// data's (checkDataOnly for enabled rules, dataOnlyRules for folding).
func requestOrInventoryReads(r *ast.Rule) []dataRead {
	var reads []dataRead
	ast.WalkVars(r, func(v ast.Var) bool {
		if v.Equal(ast.InputRootDocument.Value) {
			reads = append(reads, dataRead{r, "input"})
		}
		return false
	})
	ast.WalkRefs(r, func(ref ast.Ref) bool {
		if ref.HasPrefix(ast.DefaultRootRef) && mayReadInventory(ref) {
			reads = append(reads, dataRead{ref[0], fmt.Sprintf("%s, which may read data.%s (the inventory changes between rebuilds)", ref, strings.Join(inventoryKeys(), "."))})
		}
		return false
	})
	return reads
}

// mayReadInventory reports whether a data ref may select data.apiguard.inventory or a
// part of it: each of its terms, up to the shorter of the two, is the inventory path's
// key or a variable that may stand for it.
func mayReadInventory(ref ast.Ref) bool {
	for i, key := range inventoryKeys() {
		if i+1 >= len(ref) {
			return true // data, data.apiguard: a prefix of the inventory
		}
		switch t := ref[i+1].Value.(type) {
		case ast.String:
			if string(t) != key {
				return false
			}
		case ast.Var:
			// a variable may be bound to the key
		default:
			if t.IsGround() {
				return false
			}
		}
	}
	return true
}

func location(r *ast.Rule) string {
	if r.Location == nil {
		return "<unknown>"
	}
	return fmt.Sprintf("%s:%d", r.Location.File, r.Location.Row)
}

// Inert lists the IDs of the policies whose enabled rule is not true under this set's
// data, sorted: they are never evaluated until a new revision or new data enables them.
func (s *PolicySet) Inert() []string {
	var ids []string
	for _, p := range s.policies {
		if p.Inert {
			ids = append(ids, p.ID)
		}
	}
	return ids
}
