package policy

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/rego"
)

// partition is the prepared query for one kind: only the policies that apply to it.
type partition struct {
	query rego.PreparedEvalQuery
	slots []slot
	// patches is the same partition restricted to patch rules, for mutation rounds that
	// only need to know what to add; nil when no member has a patch rule.
	patches *partition
	// verdict is the partition without patch rules, for the validating webhook, which
	// never uses patches: the library's patch rules are a sixth of the partition's cost.
	// It is the partition itself when no member has a patch rule.
	verdict *partition
	// judgesOwners is set when a slot's policy judges owner-reference-only UPDATEs.
	judgesOwners bool
}

// ruleSelection picks which rules of a partition one evaluation runs.
type ruleSelection int

const (
	allRules ruleSelection = iota
	patchRules
	verdictRules
)

// slot is one rule of one policy in a partition query, bound to a query variable.
type slot struct {
	policy  *Policy
	rule    string
	binding string
}

// Partition keys. A qualified key is used for a "group/Kind" entry; the plain kind name
// matches any group.
func qualifiedKey(group, kind string) string { return "gk:" + group + "/" + kind }
func kindKey(kind string) string             { return "k:" + kind }

// splitKind turns a custom.kinds entry into (group, kind, qualified). "core" names the
// core API group, whose name is empty.
func splitKind(entry string) (string, string, bool) {
	g, k, ok := strings.Cut(entry, "/")
	if !ok {
		return "", entry, false
	}
	if g == "core" {
		g = ""
	}
	return g, k, true
}

// partitions are a set's prepared queries, one per declared kind, all over one compiler.
// A set starts with those of its modules as written; Fold replaces them, whole and
// atomically, with those of the folded modules.
type partitions struct {
	byKey    map[string]*partition
	fallback *partition
}

// buildPartitions prepares one query per declared kind, over compiler, so a request
// evaluates only the policies that apply to it. Policies switched off, and inert ones
// (their enabled rule is not true under this set's data), are never evaluated.
func (s *PolicySet) buildPartitions(ctx context.Context, compiler *ast.Compiler) (*partitions, error) {
	var unscoped []*Policy
	byKind := map[string][]*Policy{}
	byGroupKind := map[string][]*Policy{}
	for i := range s.policies {
		p := &s.policies[i]
		if p.Enforcement == ActionOff || p.Inert {
			continue
		}
		if len(p.Kinds) == 0 {
			unscoped = append(unscoped, p)
			continue
		}
		for _, entry := range p.Kinds {
			g, k, qualified := splitKind(entry)
			if qualified {
				byGroupKind[g+"/"+k] = append(byGroupKind[g+"/"+k], p)
			} else {
				byKind[k] = append(byKind[k], p)
			}
		}
	}
	parts := &partitions{byKey: map[string]*partition{}}
	var err error
	if parts.fallback, err = s.prepare(ctx, compiler, unscoped); err != nil {
		return nil, err
	}
	for _, k := range sortedKeys(byKind) {
		if parts.byKey[kindKey(k)], err = s.prepare(ctx, compiler, unscoped, byKind[k]); err != nil {
			return nil, err
		}
	}
	for _, gk := range sortedKeys(byGroupKind) {
		g, k, _ := strings.Cut(gk, "/")
		if parts.byKey[qualifiedKey(g, k)], err = s.prepare(ctx, compiler, unscoped, byKind[k], byGroupKind[gk]); err != nil {
			return nil, err
		}
	}
	return parts, nil
}

func (s *PolicySet) prepare(ctx context.Context, compiler *ast.Compiler, groups ...[]*Policy) (*partition, error) {
	seen := map[string]bool{}
	var members []*Policy
	for _, g := range groups {
		for _, p := range g {
			if !seen[p.ID] {
				seen[p.ID] = true
				members = append(members, p)
			}
		}
	}
	slices.SortFunc(members, func(a, b *Policy) int { return strings.Compare(a.ID, b.ID) })
	part, err := s.prepareRules(ctx, compiler, members, func(string) bool { return true })
	if err != nil {
		return nil, err
	}
	part.verdict = part
	if !slices.ContainsFunc(part.slots, func(sl slot) bool { return sl.rule == RulePatch }) {
		return part, nil
	}
	if part.patches, err = s.prepareRules(ctx, compiler, members, func(rule string) bool { return rule == RulePatch }); err != nil {
		return nil, err
	}
	if part.verdict, err = s.prepareRules(ctx, compiler, members, func(rule string) bool { return rule != RulePatch }); err != nil {
		return nil, err
	}
	return part, nil
}

// prepareRules prepares one query over the given rules of members.
func (s *PolicySet) prepareRules(ctx context.Context, compiler *ast.Compiler, members []*Policy, include func(rule string) bool) (*partition, error) {
	part := &partition{}
	if len(members) == 0 {
		return part, nil
	}
	// Each rule is read through an array comprehension, so a rule that is undefined for
	// this input yields [] instead of making the whole query undefined, while runtime
	// errors (conflicting outputs, builtin errors) still fail the query.
	var exprs []string
	for _, p := range members {
		for _, r := range p.Rules {
			if !include(r) {
				continue
			}
			i := len(part.slots)
			binding := fmt.Sprintf("r%d", i)
			ref := p.path.Append(ast.StringTerm(r))
			exprs = append(exprs, fmt.Sprintf("%s = [x%d | x%d = %s]", binding, i, i, ref.String()))
			part.slots = append(part.slots, slot{policy: p, rule: r, binding: binding})
			part.judgesOwners = part.judgesOwners || p.JudgesOwnerReferences
		}
	}
	if len(exprs) == 0 {
		// Nothing selected (say, the verdict of a partition of patch rules only):
		// evaluate returns an empty decision for a partition without slots.
		return part, nil
	}
	body, err := ast.ParseBodyWithOpts(strings.Join(exprs, "; "), ast.ParserOptions{RegoVersion: ast.RegoV1})
	if err != nil {
		return nil, fmt.Errorf("build policy query: %w", err)
	}
	q, err := s.query(compiler, body).PrepareForEval(ctx)
	if err != nil {
		return nil, fmt.Errorf("prepare policy query: %w", err)
	}
	part.query = q
	return part, nil
}

// query is a query over compiled policies and the set's data, as every evaluation of the
// set runs it.
func (s *PolicySet) query(compiler *ast.Compiler, body ast.Body) *rego.Rego {
	return rego.New(
		rego.ParsedQuery(body),
		rego.Compiler(compiler),
		rego.Store(s.store),
		rego.Capabilities(capabilities()),
		// A builtin error (say, a type error on unexpected input) must fail the request,
		// not silently make a deny rule undefined and admit it.
		rego.StrictBuiltinErrors(true),
	)
}

func (s *PolicySet) partitionFor(group, kind string) *partition {
	parts := s.parts.Load()
	if p, ok := parts.byKey[qualifiedKey(group, kind)]; ok {
		return p
	}
	if p, ok := parts.byKey[kindKey(kind)]; ok {
		return p
	}
	return parts.fallback
}
