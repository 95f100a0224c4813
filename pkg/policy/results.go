package policy

import (
	"cmp"
	"encoding/json"
	"fmt"
	"slices"
)

// collect turns one rule output into violations, warnings or patches. Rules may produce
// strings, objects {"msg": ..., ...}, or (for complete rules such as `deny if ...`) true;
// anything else from a patch rule is a policy bug and fails the request.
func (d *Decision) collect(sl slot, v any) error {
	p := sl.policy
	switch sl.rule {
	case RuleDeny, RuleViolation:
		for _, m := range messages(p, v) {
			d.Violations = append(d.Violations, Violation{Policy: p.ID, Message: m.text, Action: p.Enforcement, Details: m.details})
		}
	case RuleWarn:
		for _, m := range messages(p, v) {
			d.Warnings = append(d.Warnings, Warning{Policy: p.ID, Message: m.text, DryRun: p.Enforcement == ActionDryRun, Details: m.details})
		}
	case RulePatch:
		ops, err := patchOps(p, v)
		if err != nil {
			return err
		}
		d.Patches = append(d.Patches, ops...)
	}
	return nil
}

type message struct {
	text    string
	details map[string]any
}

// messages flattens a rule value: a set or array of results, a single string or object,
// or a boolean from a complete rule.
func messages(p *Policy, v any) []message {
	switch t := v.(type) {
	case []any:
		out := make([]message, 0, len(t))
		for _, e := range t {
			out = append(out, oneMessage(p, e))
		}
		return out
	case bool:
		if !t {
			return nil
		}
		return []message{oneMessage(p, t)}
	default:
		return []message{oneMessage(p, t)}
	}
}

func oneMessage(p *Policy, v any) message {
	switch t := v.(type) {
	case string:
		return message{text: t}
	case bool:
		return message{text: fallbackMessage(p)}
	case map[string]any:
		details := make(map[string]any, len(t))
		for k, val := range t {
			if k != "msg" {
				details[k] = val
			}
		}
		if len(details) == 0 {
			details = nil
		}
		if msg, ok := t["msg"].(string); ok {
			return message{text: msg, details: details}
		}
		return message{text: renderJSON(t), details: details}
	default:
		return message{text: renderJSON(t)}
	}
}

func fallbackMessage(p *Policy) string {
	if p.Title != "" {
		return p.Title
	}
	return "denied by policy " + p.ID
}

func renderJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

// patchOps validates the operations a patch rule produced. Only "add" is accepted:
// secure defaults fill in what is missing and never remove or replace what a user set.
func patchOps(p *Policy, v any) ([]PatchOp, error) {
	var elems []any
	switch t := v.(type) {
	case []any:
		elems = t
	case map[string]any:
		elems = []any{t}
	default:
		return nil, fmt.Errorf("policy %s: patch must be a set of operations, got %T", p.ID, v)
	}
	out := make([]PatchOp, 0, len(elems))
	for _, e := range elems {
		m, ok := e.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("policy %s: patch operation must be an object {op, path, value}, got %s", p.ID, renderJSON(e))
		}
		op, _ := m["op"].(string)
		ptr, _ := m["path"].(string)
		if op != "add" {
			return nil, fmt.Errorf("policy %s: patch operation %q is not allowed; patches may only \"add\" what is missing", p.ID, op)
		}
		if ptr == "" || ptr[0] != '/' {
			return nil, fmt.Errorf("policy %s: patch path %q must be a JSON pointer below the object root", p.ID, ptr)
		}
		val, ok := m["value"]
		if !ok {
			return nil, fmt.Errorf("policy %s: add operation on %s has no value", p.ID, ptr)
		}
		out = append(out, PatchOp{Policy: p.ID, Op: op, Path: ptr, Value: val, DryRun: p.Enforcement == ActionDryRun})
	}
	return out, nil
}

func (d *Decision) sort() {
	slices.SortStableFunc(d.Violations, func(a, b Violation) int {
		return cmp.Or(cmp.Compare(a.Policy, b.Policy), cmp.Compare(a.Message, b.Message))
	})
	slices.SortStableFunc(d.Warnings, func(a, b Warning) int {
		return cmp.Or(cmp.Compare(a.Policy, b.Policy), cmp.Compare(a.Message, b.Message))
	})
	// Patches are ordered by policy ID, then path: OPA's set order depends on the query
	// that produced the set, and the same input must always yield the same mutation. A
	// parent path sorts before its children, so "add the map" precedes "add a key".
	slices.SortStableFunc(d.Patches, func(a, b PatchOp) int {
		return cmp.Or(cmp.Compare(a.Policy, b.Policy), cmp.Compare(a.Path, b.Path), cmp.Compare(a.Op, b.Op))
	})
}
