package references

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"

	admissionv1 "k8s.io/api/admission/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/validation/path"
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

// tykResources are the REST resources of the Tyk Operator kinds a template can be
// (tyk.tyk.io/v1alpha1, the only version the v1.4.2 CRDs serve).
func tykResources() map[string]string {
	return map[string]string{
		KindApiDefinition:       "apidefinitions",
		KindTykOasApiDefinition: "tykoasapidefinitions",
	}
}

// ClusterLookup reads one object with one GET (RBAC: get on configmaps, and on
// tyk.tyk.io apidefinitions and tykoasapidefinitions for Ingress templates; no list or
// watch). NotFound is found: false; any other error fails the lookup, so the request is
// undecided and the webhook's failurePolicy applies. A name no object can have (one
// holding "/", say, as an Ingress's tyk.io/template may) is found: false without a
// request. The Tyk kinds are read through the clientset's own REST transport (its
// discovery client, the one untyped client a kubernetes.Interface carries) as JSON, so
// every caller that has a clientset resolves templates too.
func ClusterLookup(client kubernetes.Interface) Lookup {
	return func(ctx context.Context, kind, namespace, name string) (map[string]any, bool, error) {
		if len(path.IsValidPathSegmentName(name)) > 0 || len(path.IsValidPathSegmentName(namespace)) > 0 || name == "" || namespace == "" {
			return nil, false, nil
		}
		if kind == KindConfigMap {
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
			return map[string]any{"data": data}, true, nil
		}
		resource, ok := tykResources()[kind]
		if !ok {
			return nil, false, fmt.Errorf("references: no lookup for kind %q", kind)
		}
		rc := client.Discovery().RESTClient()
		if rc == nil {
			return nil, false, fmt.Errorf("references: the client cannot read %s %s/%s (no REST client)", kind, namespace, name)
		}
		res := rc.Get().AbsPath("/apis/tyk.tyk.io/v1alpha1/namespaces", namespace, resource, name).
			SetHeader("Accept", "application/json").Do(ctx)
		var code int
		res.StatusCode(&code)
		// 404: no such object, or no such resource (the Tyk CRDs are not installed):
		// either way the controller finds no template.
		if code == http.StatusNotFound {
			return nil, false, nil
		}
		raw, err := res.Raw()
		if err != nil {
			return nil, false, fmt.Errorf("get %s %s/%s: %w", kind, namespace, name, err)
		}
		var obj map[string]any
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.UseNumber()
		if err := dec.Decode(&obj); err != nil {
			return nil, false, fmt.Errorf("decode %s %s/%s: %w", kind, namespace, name, err)
		}
		return obj, true, nil
	}
}
