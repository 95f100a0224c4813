package policy

import (
	"fmt"
	"slices"
	"strings"

	"github.com/open-policy-agent/opa/v1/ast"
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
	// Inert is set when the policy defines an enabled rule (RuleEnabled) that is not true
	// under the set's data: the policy is in no prepared query and decides nothing.
	Inert bool

	path ast.Ref
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
