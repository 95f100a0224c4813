package policy

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	jsonpatch "github.com/evanphx/json-patch/v5"
	admissionv1 "k8s.io/api/admission/v1"
)

// DefaultMaxMutationRounds bounds the fixed-point loop. Two policies that keep undoing
// each other would otherwise loop forever.
const DefaultMaxMutationRounds = 5

// Mutation is the result of applying a set's patch rules until nothing changes.
type Mutation struct {
	Revision string
	// Original and Patched are the object before and after; they are equal when no patch
	// applied.
	Original []byte
	Patched  []byte
	// Applied are the operations that changed the object, in order.
	Applied []PatchOp
	// Skipped are operations that targeted a value already set (by the user or an earlier
	// patch). Secure defaults never overwrite, so they are dropped and reported.
	Skipped []PatchOp
	// DryRun are operations from dryrun policies: reported, never applied.
	DryRun []PatchOp
	Rounds int
	Exempt bool
	// NotJudged is Decision.NotJudged: the request changes nothing policies judge, so
	// nothing is added to it either.
	NotJudged string
	// Final is the decision on Patched: what the validating webhook will decide. Only
	// MutateAndEvaluate sets it; nil for DELETE or no object.
	Final *Decision
}

// Changed reports whether any patch was applied.
func (m Mutation) Changed() bool { return len(m.Applied) > 0 }

// Mutate evaluates the patch rules against the request's object, applies their "add"
// operations to a copy, and re-evaluates on the result until no operation changes it.
// Applying the result a second time therefore changes nothing. DELETE requests and
// requests without an object are never patched. Only patch rules are evaluated.
func (s *PolicySet) Mutate(ctx context.Context, in Input, maxRounds int) (Mutation, error) {
	return s.mutate(ctx, in, maxRounds, false)
}

// MutateAndEvaluate is Mutate followed by Evaluate on the patched object, as the API
// server calls the mutating and then the validating webhook; the verdict is in Final.
// The round that confirms nothing is left to add evaluates every rule, so its verdict
// is the validation and the object is not evaluated again.
func (s *PolicySet) MutateAndEvaluate(ctx context.Context, in Input, maxRounds int) (Mutation, error) {
	m, err := s.mutate(ctx, in, maxRounds, true)
	if err != nil || m.Final != nil || in.Request == nil {
		return m, err
	}
	// DELETE or no object: nothing was mutated, the request is judged as it is.
	d, err := s.Evaluate(ctx, in)
	if err != nil {
		return m, err
	}
	m.Final = &d
	return m, nil
}

func (s *PolicySet) mutate(ctx context.Context, in Input, maxRounds int, wantFinal bool) (Mutation, error) {
	if maxRounds <= 0 {
		maxRounds = DefaultMaxMutationRounds
	}
	m := Mutation{Revision: s.revision}
	if in.Request == nil {
		return m, &EvalError{Revision: s.revision, Err: fmt.Errorf("input has no request")}
	}
	m.Original = in.Request.Object.Raw
	m.Patched = m.Original
	if in.Request.Operation == admissionv1.Delete || isNullJSON(m.Original) {
		return m, nil
	}
	req := *in.Request
	for round := 1; round <= maxRounds; round++ {
		m.Rounds = round
		req.Object.Raw = m.Patched
		// The first round only asks what to add. A later round, which confirms the
		// fixed point, evaluates every rule when the caller wants the verdict too.
		rules := patchRules
		if wantFinal && round > 1 {
			rules = allRules
		}
		d, err := s.evaluate(ctx, Input{Request: &req, References: in.References}, rules)
		if err != nil {
			return m, err
		}
		if d.Exempt || d.NotJudged != "" {
			m.Exempt, m.NotJudged = d.Exempt, d.NotJudged
			if wantFinal {
				m.Final = &d
			}
			return m, nil
		}
		var ops []PatchOp
		for _, op := range d.Patches {
			if op.DryRun {
				if round == 1 {
					m.DryRun = append(m.DryRun, op)
				}
				continue
			}
			ops = append(ops, op)
		}
		next, applied, skipped, err := applyAdds(m.Patched, ops)
		if err != nil {
			return m, &EvalError{Revision: s.revision, Err: err}
		}
		m.Skipped = appendNew(m.Skipped, skipped)
		if len(applied) == 0 {
			switch {
			case rules == allRules:
				m.Final = &d
			case wantFinal:
				// Nothing to add on the first round: judge the unchanged object. The
				// patch rules just ran on this very object, so only the rest run again.
				final, err := s.evaluate(ctx, Input{Request: &req, References: in.References}, verdictRules)
				if err != nil {
					return m, err
				}
				final.Patches = d.Patches
				m.Final = &final
			}
			return m, nil
		}
		m.Applied = append(m.Applied, applied...)
		m.Patched = next
	}
	return m, &EvalError{Revision: s.revision, Err: fmt.Errorf("patches did not converge after %d rounds: policies keep changing the object (last applied: %s %s from %s)",
		maxRounds, m.Applied[len(m.Applied)-1].Op, m.Applied[len(m.Applied)-1].Path, m.Applied[len(m.Applied)-1].Policy)}
}

// appendNew adds ops not already present, so an op skipped in every round is reported once.
func appendNew(dst, ops []PatchOp) []PatchOp {
	for _, op := range ops {
		dup := false
		for _, have := range dst {
			if have.Policy == op.Policy && have.Path == op.Path {
				dup = true
				break
			}
		}
		if !dup {
			dst = append(dst, op)
		}
	}
	return dst
}

func isNullJSON(b []byte) bool {
	t := bytes.TrimSpace(b)
	return len(t) == 0 || string(t) == "null"
}

// applyAdds applies add operations one at a time, skipping any whose target already holds
// a value: a later policy in the same round sees what an earlier one added.
func applyAdds(doc []byte, ops []PatchOp) ([]byte, []PatchOp, []PatchOp, error) {
	if len(ops) > 1 && independentAdds(ops) {
		if next, applied, skipped, err := applyIndependentAdds(doc, ops); err == nil {
			return next, applied, skipped, nil
		}
		// One of them failed: the one-at-a-time path names the policy whose add it was.
	}
	return applyAddsOneByOne(doc, ops)
}

// applyAddsOneByOne applies each add to the result of the previous one.
func applyAddsOneByOne(doc []byte, ops []PatchOp) ([]byte, []PatchOp, []PatchOp, error) {
	var applied, skipped []PatchOp
	opts := addOptions()
	for _, op := range ops {
		var tree any
		if err := json.Unmarshal(doc, &tree); err != nil {
			return nil, nil, nil, fmt.Errorf("decode object: %w", err)
		}
		exists, err := pointerHasValue(tree, op.Path)
		if err != nil {
			return nil, nil, nil, fmt.Errorf("policy %s: %w", op.Policy, err)
		}
		if exists {
			skipped = append(skipped, op)
			continue
		}
		if err := checkArrayIndices(tree, op.Path); err != nil {
			return nil, nil, nil, fmt.Errorf("policy %s: %w", op.Policy, err)
		}
		raw, err := json.Marshal([]map[string]any{{"op": "add", "path": op.Path, "value": op.Value}})
		if err != nil {
			return nil, nil, nil, fmt.Errorf("policy %s: encode patch: %w", op.Policy, err)
		}
		patch, err := jsonpatch.DecodePatch(raw)
		if err != nil {
			return nil, nil, nil, fmt.Errorf("policy %s: decode patch: %w", op.Policy, err)
		}
		next, err := patch.ApplyWithOptions(doc, opts)
		if err != nil {
			return nil, nil, nil, fmt.Errorf("policy %s: apply add %s: %w", op.Policy, op.Path, err)
		}
		doc = next
		applied = append(applied, op)
	}
	return doc, applied, skipped, nil
}

// addOptions are the JSON patch options of every add: policies may add
// /metadata/annotations/x without first creating the map.
func addOptions() *jsonpatch.ApplyOptions {
	opts := jsonpatch.NewApplyOptions()
	opts.EnsurePathExistsOnAdd = true
	return opts
}

// independentAdds reports whether no add can change what another sees: no path equals or
// contains another, and none has an array index or "-", whose meaning shifts with every
// insert. Such adds give the same result in one patch as one at a time, and the common
// case (several annotations) then decodes and encodes the object once, not per add.
func independentAdds(ops []PatchOp) bool {
	for i, op := range ops {
		for _, tok := range strings.Split(op.Path, "/")[1:] {
			if tok == "-" || isArrayIndex(tok) {
				return false
			}
		}
		for _, other := range ops[:i] {
			if op.Path == other.Path || strings.HasPrefix(op.Path, other.Path+"/") || strings.HasPrefix(other.Path, op.Path+"/") {
				return false
			}
		}
	}
	return true
}

func isArrayIndex(tok string) bool {
	if tok == "" {
		return false
	}
	for _, c := range tok {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// applyIndependentAdds is applyAdds for independentAdds: each add is judged against the
// object as it was, and the ones that apply go in one patch.
func applyIndependentAdds(doc []byte, ops []PatchOp) ([]byte, []PatchOp, []PatchOp, error) {
	var tree any
	if err := json.Unmarshal(doc, &tree); err != nil {
		return nil, nil, nil, fmt.Errorf("decode object: %w", err)
	}
	var applied, skipped []PatchOp
	var patch []map[string]any
	for _, op := range ops {
		exists, err := pointerHasValue(tree, op.Path)
		if err != nil {
			return nil, nil, nil, err
		}
		if exists {
			skipped = append(skipped, op)
			continue
		}
		if err := checkArrayIndices(tree, op.Path); err != nil {
			return nil, nil, nil, err
		}
		applied = append(applied, op)
		patch = append(patch, map[string]any{"op": "add", "path": op.Path, "value": op.Value})
	}
	if len(applied) == 0 {
		return doc, nil, skipped, nil
	}
	raw, err := json.Marshal(patch)
	if err != nil {
		return nil, nil, nil, err
	}
	decoded, err := jsonpatch.DecodePatch(raw)
	if err != nil {
		return nil, nil, nil, err
	}
	next, err := decoded.ApplyWithOptions(doc, addOptions())
	if err != nil {
		return nil, nil, nil, err
	}
	return next, applied, skipped, nil
}

// pointerHasValue reports whether the RFC 6901 pointer names an existing, non-null member
// of an object. Adding into an array inserts and never overwrites, so array targets
// report false.
func pointerHasValue(tree any, pointer string) (bool, error) {
	if !strings.HasPrefix(pointer, "/") {
		return false, fmt.Errorf("bad JSON pointer %q", pointer)
	}
	tokens := strings.Split(pointer[1:], "/")
	cur := tree
	for i, tok := range tokens {
		tok = strings.NewReplacer("~1", "/", "~0", "~").Replace(tok)
		last := i == len(tokens)-1
		switch node := cur.(type) {
		case map[string]any:
			v, ok := node[tok]
			if !ok {
				return false, nil
			}
			if last {
				return v != nil, nil
			}
			cur = v
		case []any:
			if last {
				return false, nil
			}
			idx, err := strconv.Atoi(tok)
			if err != nil || idx < 0 || idx >= len(node) {
				return false, nil
			}
			cur = node[idx]
		default:
			return false, nil
		}
	}
	return false, nil
}
