package policy

import (
	"context"
	"errors"
	"fmt"
	"path"
	"slices"
	"strings"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/rego"
	"github.com/open-policy-agent/opa/v1/storage"
)

// Rule names that make a package a policy.
const (
	RuleDeny      = "deny"
	RuleViolation = "violation"
	RuleWarn      = "warn"
	RulePatch     = "patch"
)

func policyRuleNames() []string { return []string{RuleDeny, RulePatch, RuleViolation, RuleWarn} }

// Policy describes one discovered policy: a package that defines deny, violation, warn or
// patch. Its ID is the package path without "data.".
type Policy struct {
	ID          string
	Title       string
	Description string
	Severity    string
	Remediation string
	// Field is the object field the policy judges (custom.field, a dotted path such as
	// "spec.tls"), so offline reports can point at its line. Empty when not declared.
	Field string
	// Kinds limits the policy to these kinds ("Ingress", or "networking.k8s.io/Ingress"
	// for one group). Empty means every kind.
	Kinds       []string
	Rules       []string
	Enforcement Action
	Files       []string
	// JudgesOwnerReferences (custom.judgesOwnerReferences) opts the policy in to UPDATEs
	// that change metadata.ownerReferences and no content; other policies never see them.
	JudgesOwnerReferences bool

	path ast.Ref
}

// PolicySet is an immutable, compiled snapshot of a policy tree. It is safe for concurrent
// use; a request reads one set from start to end.
type PolicySet struct {
	revision   string
	policies   []Policy
	exempt     []string
	partitions map[string]*partition
	fallback   *partition
	warnings   []string
	compiler   *ast.Compiler
	store      storage.Store
}

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

// Revision identifies the snapshot this set was compiled from.
func (s *PolicySet) Revision() string { return s.revision }

// Policies lists the discovered policies, sorted by ID.
func (s *PolicySet) Policies() []Policy { return slices.Clone(s.policies) }

// Warnings lists non-fatal problems found while loading, such as an enforcement override
// for a policy ID that does not exist.
func (s *PolicySet) Warnings() []string { return slices.Clone(s.warnings) }

// ExemptNamespaces returns the configured exempt namespace patterns.
func (s *PolicySet) ExemptNamespaces() []string { return slices.Clone(s.exempt) }

// allPolicies, as a key of data.apiguard.config.enforcement, sets the action of every
// policy that has no override of its own: the rollout stage ("warn" while a first
// install shows what it would deny, then "deny"), with per-policy overrides on top.
const allPolicies = "*"

type setConfig struct {
	enforcement map[string]Action
	exempt      []string
}

// readConfig reads the parts of data.apiguard.config the engine itself enforces. Policies
// read the rest (host suffixes, mutation defaults) directly from data.
func readConfig(data map[string]any) (setConfig, error) {
	cfg := setConfig{enforcement: map[string]Action{}}
	apiguard, _ := data["apiguard"].(map[string]any)
	raw, _ := apiguard["config"].(map[string]any)
	if raw == nil {
		return cfg, nil
	}
	if e, ok := raw["enforcement"]; ok && e != nil {
		m, ok := e.(map[string]any)
		if !ok {
			return cfg, fmt.Errorf("data.apiguard.config.enforcement must be an object of policy ID to action, got %T", e)
		}
		for id, v := range m {
			s, ok := v.(string)
			if !ok {
				return cfg, fmt.Errorf("data.apiguard.config.enforcement[%q] must be a string", id)
			}
			a, err := parseAction(s)
			if err != nil {
				return cfg, fmt.Errorf("data.apiguard.config.enforcement[%q]: %w", id, err)
			}
			cfg.enforcement[id] = a
		}
	}
	if e, ok := raw["exemptNamespaces"]; ok && e != nil {
		list, ok := e.([]any)
		if !ok {
			return cfg, fmt.Errorf("data.apiguard.config.exemptNamespaces must be a list of strings, got %T", e)
		}
		for _, v := range list {
			s, ok := v.(string)
			if !ok {
				return cfg, fmt.Errorf("data.apiguard.config.exemptNamespaces: %v is not a string", v)
			}
			if _, err := path.Match(s, ""); err != nil {
				return cfg, fmt.Errorf("data.apiguard.config.exemptNamespaces: bad pattern %q: %w", s, err)
			}
			cfg.exempt = append(cfg.exempt, s)
		}
	}
	return cfg, nil
}

func newPolicySet(ctx context.Context, compiler *ast.Compiler, store storage.Store, data map[string]any, revision string) (*PolicySet, error) {
	cfg, err := readConfig(data)
	if err != nil {
		return nil, fmt.Errorf("load config: %w", err)
	}
	policies, err := discover(compiler)
	if err != nil {
		return nil, err
	}
	set := &PolicySet{revision: revision, exempt: cfg.exempt, compiler: compiler, store: store}
	known := map[string]bool{allPolicies: true}
	for i := range policies {
		p := &policies[i]
		known[p.ID] = true
		if a, ok := cfg.enforcement[p.ID]; ok {
			p.Enforcement = a
		} else if a, ok := cfg.enforcement[allPolicies]; ok {
			p.Enforcement = a
		}
	}
	for _, id := range sortedKeys(cfg.enforcement) {
		if !known[id] {
			set.warnings = append(set.warnings, fmt.Sprintf("enforcement override for unknown policy %q has no effect", id))
		}
	}
	set.policies = policies
	if err := set.buildPartitions(ctx); err != nil {
		return nil, err
	}
	return set, nil
}

// discover finds every package that defines a policy rule and reads its METADATA.
func discover(compiler *ast.Compiler) ([]Policy, error) {
	byPath := map[string]*Policy{}
	var problems []string
	for _, name := range sortedKeys(compiler.Modules) {
		mod := compiler.Modules[name]
		rules := map[string]bool{}
		for _, r := range mod.Rules {
			ref := r.Head.Ref()
			if len(ref) == 0 {
				continue
			}
			if v, ok := ref[0].Value.(ast.Var); ok && slices.Contains(policyRuleNames(), string(v)) {
				rules[string(v)] = true
			}
		}
		key := mod.Package.Path.String()
		p, seen := byPath[key]
		if !seen {
			if len(rules) == 0 && !hasPackageAnnotation(mod) {
				continue
			}
			p = &Policy{ID: strings.TrimPrefix(key, "data."), Enforcement: ActionDeny, path: mod.Package.Path.Copy()}
			byPath[key] = p
		}
		p.Files = append(p.Files, name)
		for r := range rules {
			if !slices.Contains(p.Rules, r) {
				p.Rules = append(p.Rules, r)
			}
		}
		if err := applyAnnotations(p, mod); err != nil {
			problems = append(problems, fmt.Sprintf("%s: %v", name, err))
		}
	}
	if len(problems) > 0 {
		return nil, &CompileError{Problems: problems}
	}
	out := make([]Policy, 0, len(byPath))
	for _, key := range sortedKeys(byPath) {
		p := byPath[key]
		if len(p.Rules) == 0 {
			continue // annotated package without policy rules: a library, not a policy
		}
		slices.Sort(p.Rules)
		out = append(out, *p)
	}
	return out, nil
}

func hasPackageAnnotation(mod *ast.Module) bool {
	for _, a := range mod.Annotations {
		if a.Scope == "package" || a.Scope == "subpackages" {
			return true
		}
	}
	return false
}

// applyAnnotations fills p from the module's package METADATA. When a package spans files,
// the first file that sets a field wins.
func applyAnnotations(p *Policy, mod *ast.Module) error {
	for _, a := range mod.Annotations {
		if a.Scope != "package" && a.Scope != "subpackages" {
			continue
		}
		setIfEmpty(&p.Title, a.Title)
		setIfEmpty(&p.Description, a.Description)
		if a.Custom == nil {
			continue
		}
		for field, dst := range map[string]*string{"severity": &p.Severity, "remediation": &p.Remediation, "field": &p.Field} {
			if v, ok := a.Custom[field]; ok {
				s, ok := v.(string)
				if !ok {
					return fmt.Errorf("package %s: custom.%s must be a string", p.ID, field)
				}
				setIfEmpty(dst, s)
			}
		}
		if v, ok := a.Custom["judgesOwnerReferences"]; ok {
			b, ok := v.(bool)
			if !ok {
				return fmt.Errorf("package %s: custom.judgesOwnerReferences must be a boolean", p.ID)
			}
			p.JudgesOwnerReferences = p.JudgesOwnerReferences || b
		}
		if v, ok := a.Custom["kinds"]; ok && len(p.Kinds) == 0 {
			kinds, err := parseKinds(v)
			if err != nil {
				return fmt.Errorf("package %s: %w", p.ID, err)
			}
			p.Kinds = kinds
		}
	}
	return nil
}

func setIfEmpty(dst *string, v string) {
	if *dst == "" {
		*dst = v
	}
}

func parseKinds(v any) ([]string, error) {
	var raw []any
	switch t := v.(type) {
	case string:
		raw = []any{t}
	case []any:
		raw = t
	default:
		return nil, fmt.Errorf("custom.kinds must be a list of kind names, got %T", v)
	}
	kinds := make([]string, 0, len(raw))
	for _, k := range raw {
		s, ok := k.(string)
		if !ok || strings.TrimSpace(s) == "" || strings.Count(s, "/") > 1 {
			return nil, fmt.Errorf("custom.kinds: %v is not a kind (want \"Kind\" or \"group/Kind\")", k)
		}
		kinds = append(kinds, s)
	}
	return kinds, nil
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

// buildPartitions prepares one query per declared kind so a request evaluates only the
// policies that apply to it. Policies switched off are never evaluated.
func (s *PolicySet) buildPartitions(ctx context.Context) error {
	var unscoped []*Policy
	byKind := map[string][]*Policy{}
	byGroupKind := map[string][]*Policy{}
	for i := range s.policies {
		p := &s.policies[i]
		if p.Enforcement == ActionOff {
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
	s.partitions = map[string]*partition{}
	var err error
	if s.fallback, err = s.prepare(ctx, unscoped); err != nil {
		return err
	}
	for _, k := range sortedKeys(byKind) {
		if s.partitions[kindKey(k)], err = s.prepare(ctx, unscoped, byKind[k]); err != nil {
			return err
		}
	}
	for _, gk := range sortedKeys(byGroupKind) {
		g, k, _ := strings.Cut(gk, "/")
		if s.partitions[qualifiedKey(g, k)], err = s.prepare(ctx, unscoped, byKind[k], byGroupKind[gk]); err != nil {
			return err
		}
	}
	return nil
}

func (s *PolicySet) prepare(ctx context.Context, groups ...[]*Policy) (*partition, error) {
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
	part, err := s.prepareRules(ctx, members, func(string) bool { return true })
	if err != nil {
		return nil, err
	}
	part.verdict = part
	if !slices.ContainsFunc(part.slots, func(sl slot) bool { return sl.rule == RulePatch }) {
		return part, nil
	}
	if part.patches, err = s.prepareRules(ctx, members, func(rule string) bool { return rule == RulePatch }); err != nil {
		return nil, err
	}
	if part.verdict, err = s.prepareRules(ctx, members, func(rule string) bool { return rule != RulePatch }); err != nil {
		return nil, err
	}
	return part, nil
}

// prepareRules prepares one query over the given rules of members.
func (s *PolicySet) prepareRules(ctx context.Context, members []*Policy, include func(rule string) bool) (*partition, error) {
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
	q, err := rego.New(
		rego.ParsedQuery(body),
		rego.Compiler(s.compiler),
		rego.Store(s.store),
		rego.Capabilities(capabilities()),
		// A builtin error (say, a type error on unexpected input) must fail the request,
		// not silently make a deny rule undefined and admit it.
		rego.StrictBuiltinErrors(true),
	).PrepareForEval(ctx)
	if err != nil {
		return nil, fmt.Errorf("prepare policy query: %w", err)
	}
	part.query = q
	return part, nil
}

func (s *PolicySet) partitionFor(group, kind string) *partition {
	if p, ok := s.partitions[qualifiedKey(group, kind)]; ok {
		return p
	}
	if p, ok := s.partitions[kindKey(kind)]; ok {
		return p
	}
	return s.fallback
}

// IsExempt reports whether a namespace matches the configured exempt patterns.
func (s *PolicySet) IsExempt(namespace string) bool {
	if namespace == "" {
		return false
	}
	for _, pattern := range s.exempt {
		if ok, _ := path.Match(pattern, namespace); ok {
			return true
		}
	}
	return false
}

// EvalError is returned when policies could not decide a request: a runtime error in a
// policy, a cancelled or expired context, or a malformed rule result. Callers must not
// treat it as "allowed".
type EvalError struct {
	Revision string
	Err      error
}

func (e *EvalError) Error() string {
	return fmt.Sprintf("evaluate policies (revision %s): %v", ShortRevision(e.Revision), e.Err)
}

func (e *EvalError) Unwrap() error { return e.Err }

// Evaluate runs the policies that apply to the request's kind and returns their verdict.
// It honours ctx: when the deadline passes, evaluation is cancelled and an error returned.
func (s *PolicySet) Evaluate(ctx context.Context, in Input) (Decision, error) {
	return s.evaluate(ctx, in, allRules)
}

// Validate is Evaluate without patch rules: the verdict (violations and warnings) and
// no Patches. The validating webhook answers with it; the mutating webhook has already
// added what patches propose.
func (s *PolicySet) Validate(ctx context.Context, in Input) (Decision, error) {
	return s.evaluate(ctx, in, verdictRules)
}

// evaluate runs the request's partition, or the selected rules of it: a mutation round
// needs only patch rules, and a validation only the others; each skips a share of the
// cost.
func (s *PolicySet) evaluate(ctx context.Context, in Input, rules ruleSelection) (Decision, error) {
	d := Decision{Revision: s.revision}
	if in.Request == nil {
		return d, &EvalError{Revision: s.revision, Err: errors.New("input has no request")}
	}
	if s.IsExempt(in.Request.Namespace) {
		d.Exempt = true
		return d, nil
	}
	reason, ownersOnly := judgement(in.Request)
	if d.NotJudged = reason; reason != "" {
		return d, nil
	}
	part := s.partitionFor(in.Request.Kind.Group, in.Request.Kind.Kind)
	if ownersOnly && !part.judgesOwners {
		// The request is bookkeeping for every policy of its kind. Decided on the whole
		// partition, so a mutation round (patch rules only) and the verdict agree.
		d.NotJudged = NotJudgedBookkeeping
		return d, nil
	}
	switch rules {
	case patchRules:
		part = part.patches
	case verdictRules:
		part = part.verdict
	}
	if part == nil || len(part.slots) == 0 {
		return d, nil
	}
	input, err := inputValue(in)
	if err != nil {
		return d, &EvalError{Revision: s.revision, Err: err}
	}
	rs, err := part.query.Eval(ctx, rego.EvalParsedInput(input))
	if ctxErr := ctx.Err(); ctxErr != nil {
		return d, &EvalError{Revision: s.revision, Err: fmt.Errorf("evaluation stopped: %w", ctxErr)}
	}
	if err != nil {
		return d, &EvalError{Revision: s.revision, Err: err}
	}
	if len(rs) != 1 {
		return d, &EvalError{Revision: s.revision, Err: fmt.Errorf("policy query returned %d results, want 1", len(rs))}
	}
	bindings := rs[0].Bindings
	for _, sl := range part.slots {
		if ownersOnly && !sl.policy.JudgesOwnerReferences {
			continue
		}
		vals, _ := bindings[sl.binding].([]any)
		for _, v := range vals {
			if err := d.collect(sl, v); err != nil {
				return Decision{Revision: s.revision}, &EvalError{Revision: s.revision, Err: err}
			}
		}
	}
	d.sort()
	return d, nil
}
