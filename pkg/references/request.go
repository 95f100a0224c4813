package references

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"

	admissionv1 "k8s.io/api/admission/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
)

// ForRequest resolves the references of req's object (see Resolve): nil for a DELETE,
// a request without an object, or an object that refers to nothing.
func ForRequest(ctx context.Context, req *admissionv1.AdmissionRequest, source string, lookup Lookup) (map[string]any, error) {
	if req == nil || req.Operation == admissionv1.Delete || len(req.Object.Raw) == 0 {
		return nil, nil
	}
	var obj map[string]any
	dec := json.NewDecoder(bytes.NewReader(req.Object.Raw))
	dec.UseNumber()
	if err := dec.Decode(&obj); err != nil {
		return nil, fmt.Errorf("references: decode object: %w", err)
	}
	return Resolve(ctx, obj, req.Namespace, source, lookup)
}

// ClusterLookup reads one ConfigMap with a GET (RBAC: get on configmaps; no list or
// watch of every ConfigMap). NotFound is found: false; any other error fails the
// lookup, so the request is undecided and the webhook's failurePolicy applies.
func ClusterLookup(client kubernetes.Interface) Lookup {
	return func(ctx context.Context, namespace, name string) (map[string]any, bool, error) {
		cm, err := client.CoreV1().ConfigMaps(namespace).Get(ctx, name, metav1.GetOptions{})
		if apierrors.IsNotFound(err) {
			return nil, false, nil
		}
		if err != nil {
			return nil, false, err
		}
		data := make(map[string]any, len(cm.Data))
		for k, v := range cm.Data {
			data[k] = v
		}
		return data, true, nil
	}
}
