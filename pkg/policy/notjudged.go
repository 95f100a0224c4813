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

// judgement says which policies may judge req: none (reason says why), only the policies
// that judge owner references (ownersOnly), or all of them.
//
// Both "none" cases change nothing a policy judges, and blocking them breaks the cluster
// rather than protecting it: an object that violates today's policies (created before the
// webhook, or before the policy) could never lose its finalizers, so it could never be
// deleted, and its controllers could never write status. The rule lives in the engine,
// not in the library's helpers, because it must hold for every policy a repository
// brings, including ones written for plain OPA that never heard of bookkeeping; and in
// the engine rather than the webhook so that `apiguard check --old` and fixtures judge
// an UPDATE exactly as admission does. The mutating webhook is covered too: a patch
// added to a finalizer-only UPDATE would turn it into a content change the validating
// webhook then denies.
//
// metadata.ownerReferences sits in between. A content policy has nothing to say about
// it, and the garbage collector edits it when it orphans dependents, so judging it with
// every policy would block an owner's deletion on any dependent that violates today's
// policies. But it decides an object's lifetime: an owner reference to an object that
// does not exist makes the garbage collector delete the dependent, a deletion no review
// saw. So an UPDATE that changes owner references and nothing else content-wise is
// judged only by the policies that declare custom.judgesOwnerReferences (the GitOps
// review policy); for every other policy it stays bookkeeping.
func judgement(req *admissionv1.AdmissionRequest) (reason string, ownersOnly bool) {
	if req.SubResource != "" {
		return NotJudgedSubresource, false
	}
	if req.Operation == admissionv1.Update {
		sameContent, sameOwners := compareVersions(req.Object.Raw, req.OldObject.Raw)
		switch {
		case sameContent && sameOwners:
			return NotJudgedBookkeeping, false
		case sameContent:
			return "", true
		}
	}
	return "", false
}

// compareVersions reports whether two versions of an object have the same content, and
// the same owner references. Either version unreadable: neither is the same.
func compareVersions(object, old []byte) (sameContent, sameOwners bool) {
	a, aOwners, ok := content(object)
	if !ok {
		return false, false
	}
	b, bOwners, ok := content(old)
	if !ok {
		return false, false
	}
	return reflect.DeepEqual(a, b), reflect.DeepEqual(aOwners, bOwners)
}

// content is what policies judge in an object: everything but status and the metadata
// the API server and controllers maintain (finalizers, ownerReferences, managedFields,
// resourceVersion, generation, timestamps). Labels and annotations are content: they
// select and configure exposure. A missing or null labels or annotations map equals an
// empty one, as the API server treats them. Numbers keep their text, so 1 and 1.0
// differ and the update is judged: when unsure, judge. owners is the object's
// ownerReferences as written (a missing or null list is an empty one), kept apart for
// the policies that judge them.
func content(raw []byte) (obj map[string]any, owners any, ok bool) {
	if isNullJSON(raw) {
		return nil, nil, false
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&obj); err != nil || obj == nil {
		return nil, nil, false
	}
	delete(obj, "status")
	owners = []any{}
	switch meta := obj["metadata"].(type) {
	case map[string]any, nil:
		m, _ := meta.(map[string]any)
		if o := m["ownerReferences"]; o != nil {
			owners = o
		}
		obj["metadata"] = map[string]any{"labels": orEmpty(m["labels"]), "annotations": orEmpty(m["annotations"])}
	}
	return obj, owners, true
}

func orEmpty(v any) any {
	if v == nil {
		return map[string]any{}
	}
	return v
}
