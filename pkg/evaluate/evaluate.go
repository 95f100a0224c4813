// Package evaluate judges one object offline the way a cluster would: it builds the
// AdmissionRequest, runs the mutating policies, then validates the mutated object, the
// order in which the API server calls the two webhooks. apiguard check and the
// admission fixtures of apiguard test both go through it, so a fixture that passes
// predicts what check (and the cluster) says.
package evaluate

import (
	"context"
	"iter"
	"slices"

	admissionv1 "k8s.io/api/admission/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/apiguard/apiguard/pkg/inventory"
	"github.com/apiguard/apiguard/pkg/policy"
)

// Result is what the two webhooks would do with one request.
type Result struct {
	// Request is the request policies saw first; its Object is the unmutated object.
	Request *admissionv1.AdmissionRequest
	// Patched is the object after mutation: what the validating webhook sees and what
	// the API server stores. It equals the original when no patch applied.
	Patched []byte
	// Patches are the operations the mutating webhook would apply, in order.
	Patches []policy.PatchOp
	// Decision is the validating webhook's verdict on Patched. Its Revision is always set.
	Decision policy.Decision
}

// Object builds the request for a manifest (see policy.RequestFor) and evaluates it.
// When the request cannot be built, the returned Result has no Request.
func Object(ctx context.Context, set *policy.PolicySet, obj []byte, opts policy.RequestOptions) (Result, error) {
	req, err := policy.RequestFor(obj, opts)
	if err != nil {
		return Result{Decision: policy.Decision{Revision: set.Revision()}}, err
	}
	return Request(ctx, set, req)
}

// Request mutates then validates req. The caller's request is not modified. On an
// error the Result still carries the request, and the patches applied before a
// validation error.
func Request(ctx context.Context, set *policy.PolicySet, req *admissionv1.AdmissionRequest) (Result, error) {
	return RequestWithReferences(ctx, set, req, nil)
}

// RequestWithReferences is Request with the object's resolved references, which
// policies read as input.references (pkg/references).
func RequestWithReferences(ctx context.Context, set *policy.PolicySet, req *admissionv1.AdmissionRequest, refs map[string]any) (Result, error) {
	res := Result{Request: req, Patched: req.Object.Raw, Decision: policy.Decision{Revision: set.Revision()}}
	m, err := set.MutateAndEvaluate(ctx, policy.Input{Request: req, References: refs}, policy.DefaultMaxMutationRounds)
	if err != nil {
		return res, err
	}
	res.Patched, res.Patches = m.Patched, m.Applied
	if m.Final != nil {
		// The last mutation round evaluated every rule on the final object: the
		// validating webhook's verdict.
		res.Decision = *m.Final
		return res, nil
	}
	validated := *req
	validated.Object.Raw = m.Patched
	res.Decision, err = set.Evaluate(ctx, policy.Input{Request: &validated, References: refs})
	return res, err
}

// Inventory projects objects into the document policies read as data.apiguard.inventory,
// as the webhook does from the cluster. It is InventoryOf without a base.
func Inventory(objects []map[string]any, defaultNamespace string) map[string]any {
	return InventoryOf(nil, slices.Values(objects), defaultNamespace)
}

// InventoryOf is the offline inventory: the objects (one at a time, so a caller need not
// hold them all) projected as the webhook projects the cluster, merged into base, the
// inventory --data supplies, by inventory.Merge: per key the union of claims, with an
// input object's version replacing its cluster version. An object without a namespace
// is recorded in defaultNamespace, where its request puts it, or it would conflict with
// itself. ReferenceGrants of the input count; unless base holds the cluster's grants
// they are marked partial, so a reference no grant in the input allows is warned about,
// not denied.
func InventoryOf(base map[string]any, objects iter.Seq[map[string]any], defaultNamespace string) map[string]any {
	idx := inventory.New()
	var inputs []inventory.Identity
	for obj := range objects {
		if namespaceOf(obj) == "" {
			apiVersion, _ := obj["apiVersion"].(string)
			kind, _ := obj["kind"].(string)
			gv, _ := schema.ParseGroupVersion(apiVersion)
			if !policy.IsClusterScoped(gv.Group, kind) {
				obj = withNamespace(obj, defaultNamespace)
			}
		}
		if id, ok := inventory.IdentityOf(obj); ok {
			inputs = append(inputs, id)
		}
		idx.Upsert(obj)
	}
	return inventory.Merge(base, idx.Document(), inputs)
}

func namespaceOf(obj map[string]any) string {
	meta, _ := obj["metadata"].(map[string]any)
	ns, _ := meta["namespace"].(string)
	return ns
}

// withNamespace returns obj with metadata.namespace set, copying only the maps it changes.
func withNamespace(obj map[string]any, namespace string) map[string]any {
	out := make(map[string]any, len(obj))
	for k, v := range obj {
		out[k] = v
	}
	meta := map[string]any{}
	if m, ok := obj["metadata"].(map[string]any); ok {
		for k, v := range m {
			meta[k] = v
		}
	}
	meta["namespace"] = namespace
	out["metadata"] = meta
	return out
}
