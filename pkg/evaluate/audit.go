package evaluate

import (
	"context"

	admissionv1 "k8s.io/api/admission/v1"

	"github.com/apiguard/apiguard/pkg/policy"
	"github.com/apiguard/apiguard/pkg/references"
)

// Audit judges an object already stored in the cluster. The verdict is validation with
// operation AUDIT, of the object as stored. Patches are what the mutating webhook would
// add were the object created now ("would patch"): secure defaults it lacks because it
// bypassed mutation, created before the webhook or while the mutating webhook (which
// fails open) was down. They are asked of a CREATE, the path the object skipped: an
// UPDATE to itself changes nothing, and policies are never judged on those. Patched is
// the object with them applied. The webhook's audit loop and `apiguard audit` both call
// this, so they report the same findings.
func Audit(ctx context.Context, set *policy.PolicySet, obj []byte) (Result, error) {
	return AuditWithReferences(ctx, set, obj, nil)
}

// AuditWithReferences is Audit with the object's references (a Tyk OAS API's ConfigMap)
// read from the cluster by lookup, as admission reads them, so audit re-checks a Tyk OAS
// API with its ConfigMap and reports one whose ConfigMap is missing. A nil lookup
// resolves nothing (the policies then report the reference as unresolved).
func AuditWithReferences(ctx context.Context, set *policy.PolicySet, obj []byte, lookup references.Lookup) (Result, error) {
	req, err := policy.RequestFor(obj, policy.RequestOptions{Operation: policy.OperationAudit})
	if err != nil {
		return Result{Decision: policy.Decision{Revision: set.Revision()}}, err
	}
	res := Result{Request: req, Patched: obj, Decision: policy.Decision{Revision: set.Revision()}}
	var refs map[string]any
	if lookup != nil {
		if refs, err = references.ForRequest(ctx, req, references.SourceCluster, lookup); err != nil {
			return res, err
		}
	}
	d, err := set.Evaluate(ctx, policy.Input{Request: req, References: refs})
	if err != nil {
		return res, err
	}
	res.Decision = d
	if d.Exempt || d.NotJudged != "" {
		return res, nil
	}
	create := *req
	create.Operation = admissionv1.Create
	m, err := set.Mutate(ctx, policy.Input{Request: &create, References: refs}, policy.DefaultMaxMutationRounds)
	if err != nil {
		return res, err
	}
	res.Patched, res.Patches = m.Patched, m.Applied
	return res, nil
}
