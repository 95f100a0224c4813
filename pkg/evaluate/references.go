package evaluate

import (
	"context"
	"iter"

	admissionv1 "k8s.io/api/admission/v1"

	"github.com/apiguard/apiguard/pkg/references"
)

// OfflineReferences resolves the references of req's object among objects given
// offline (ix, see ReferenceIndex), marking them with source. apiguard check passes
// references.SourceInput: a reference its files do not hold is warned about ("judged at
// admission"), not denied. The admission fixtures pass references.SourceCluster: their
// inventory is what the cluster holds, so a ConfigMap missing from it is missing, as the
// webhook behind a real API server finds it. A DELETE, or an object that refers to
// nothing, has no references (nil).
func OfflineReferences(ctx context.Context, req *admissionv1.AdmissionRequest, ix *references.Index, source string) (map[string]any, error) {
	return references.ForRequest(ctx, req, source, ix.Lookup)
}

// ReferenceIndex indexes the objects references can name among objects (ConfigMaps, and
// the ApiDefinitions and TykOasApiDefinitions an Ingress of Tyk's class may name as its
// template); one without a namespace is in defaultNamespace, as InventoryOf records it.
func ReferenceIndex(objects iter.Seq[map[string]any], defaultNamespace string) *references.Index {
	return references.NewIndex(objects, defaultNamespace)
}
