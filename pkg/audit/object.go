package audit

import (
	"encoding/json"
	"fmt"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
)

// Object is what audit keeps of a cluster object: its identity and its JSON. The JSON is
// what policies see as input.request.object, and a few hundred bytes for an Ingress
// against kilobytes for the decoded map tree an unstructured cache would hold.
type Object struct {
	metav1.TypeMeta
	// ObjectMeta holds only name, namespace, UID and resourceVersion (what the informer
	// and the report need) and, for Namespaces, labels.
	metav1.ObjectMeta
	// Raw is the object without metadata.managedFields; nil for Namespaces, which are
	// only read for their labels.
	Raw []byte
}

// DeepCopyObject satisfies runtime.Object. An Object is never mutated after Compact
// creates it, so a shallow copy is a faithful one.
func (o *Object) DeepCopyObject() runtime.Object {
	c := *o
	return &c
}

// Compact turns a decoded object into an Object. metadata.managedFields is dropped: it
// is the server's field-ownership bookkeeping, often larger than the object, and no
// exposure policy judges it. Everything else, status included, is kept as stored.
func Compact(u *unstructured.Unstructured) (*Object, error) {
	o := &Object{
		TypeMeta:   metav1.TypeMeta{APIVersion: u.GetAPIVersion(), Kind: u.GetKind()},
		ObjectMeta: metav1.ObjectMeta{Name: u.GetName(), Namespace: u.GetNamespace(), UID: u.GetUID(), ResourceVersion: u.GetResourceVersion()},
	}
	if u.GetAPIVersion() == "v1" && u.GetKind() == "Namespace" {
		o.Labels = u.GetLabels()
		return o, nil
	}
	if meta, ok := u.Object["metadata"].(map[string]any); ok {
		if _, has := meta["managedFields"]; has {
			// The informer hands the transform its own decoded object, which nothing
			// else holds; dropping the field in place saves a copy.
			delete(meta, "managedFields")
		}
	}
	raw, err := json.Marshal(u.Object)
	if err != nil {
		return nil, fmt.Errorf("encode %s %s/%s: %w", u.GetKind(), u.GetNamespace(), u.GetName(), err)
	}
	o.Raw = raw
	return o, nil
}

// transform is the cache transform: it compacts each object once, on arrival. An
// Object (from the paged list, transformed already) passes through.
func transform(obj any) (any, error) {
	u, ok := obj.(*unstructured.Unstructured)
	if !ok {
		return obj, nil
	}
	return Compact(u)
}
