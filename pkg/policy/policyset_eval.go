package policy

import (
	"context"
	"errors"
	"fmt"
	"path"

	"github.com/open-policy-agent/opa/v1/rego"
)

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
	if len(s.exceptions) > 0 && (len(d.Violations) > 0 || len(d.Warnings) > 0) {
		s.applyExceptions(&d, targetOf(in.Request), s.now())
	}
	d.sort()
	return d, nil
}
