package policy

import (
	"bytes"
	"encoding/json"
	"reflect"

	admissionv1 "k8s.io/api/admission/v1"
)

// Reasons a request is admitted without evaluating any policy (Decision.NotJudged).
const (
	NotJudgedSubresource = "subresource requests are not judged: policies judge an object's own content"
	NotJudgedBookkeeping = "the update changes only bookkeeping metadata (finalizers, owner references, status, ...), not what policies judge"
)

// notJudged says why no policy may judge req, or "" when policies run.
//
// Both cases change nothing a policy judges, and blocking them breaks the cluster rather
// than protecting it: an object that violates today's policies (created before the
// webhook, or before the policy) could never lose its finalizers, so it could never be
// deleted, and its controllers could never write status. The rule lives in the engine,
// not in the library's helpers, because it must hold for every policy a repository
// brings, including ones written for plain OPA that never heard of bookkeeping; and in
// the engine rather than the webhook so that `apiguard check --old` and fixtures judge
// an UPDATE exactly as admission does. The mutating webhook is covered too: a patch
// added to a finalizer-only UPDATE would turn it into a content change the validating
// webhook then denies.
func notJudged(req *admissionv1.AdmissionRequest) string {
	if req.SubResource != "" {
		return NotJudgedSubresource
	}
	if req.Operation == admissionv1.Update && bookkeepingOnly(req.Object.Raw, req.OldObject.Raw) {
		return NotJudgedBookkeeping
	}
	return ""
}

// bookkeepingOnly reports whether two versions of an object have the same content.
func bookkeepingOnly(object, old []byte) bool {
	a, ok := content(object)
	if !ok {
		return false
	}
	b, ok := content(old)
	return ok && reflect.DeepEqual(a, b)
}

// content is what policies judge in an object: everything but status and the metadata
// the API server and controllers maintain (finalizers, ownerReferences, managedFields,
// resourceVersion, generation, timestamps). Labels and annotations are content: they
// select and configure exposure. A missing or null labels or annotations map equals an
// empty one, as the API server treats them. Numbers keep their text, so 1 and 1.0
// differ and the update is judged: when unsure, judge.
func content(raw []byte) (map[string]any, bool) {
	if isNullJSON(raw) {
		return nil, false
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var obj map[string]any
	if err := dec.Decode(&obj); err != nil || obj == nil {
		return nil, false
	}
	delete(obj, "status")
	switch meta := obj["metadata"].(type) {
	case map[string]any, nil:
		m, _ := meta.(map[string]any)
		obj["metadata"] = map[string]any{"labels": orEmpty(m["labels"]), "annotations": orEmpty(m["annotations"])}
	}
	return obj, true
}

func orEmpty(v any) any {
	if v == nil {
		return map[string]any{}
	}
	return v
}
