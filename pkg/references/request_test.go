package references

import (
	"context"
	"errors"
	"reflect"
	"testing"

	admissionv1 "k8s.io/api/admission/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"
)

func TestClusterLookup(t *testing.T) {
	ctx := context.Background()
	client := fake.NewClientset(&corev1.ConfigMap{
		ObjectMeta: metav1.ObjectMeta{Name: "oas", Namespace: "demo"},
		Data:       map[string]string{"oas.json": "{}"},
	})
	lookup := ClusterLookup(client)
	data, found, err := lookup(ctx, KindConfigMap, "demo", "oas")
	if err != nil || !found || !reflect.DeepEqual(data, map[string]any{"data": map[string]any{"oas.json": "{}"}}) {
		t.Errorf("existing ConfigMap: %v %v %v", data, found, err)
	}
	if _, found, err := lookup(ctx, KindConfigMap, "other", "oas"); err != nil || found {
		t.Errorf("missing ConfigMap: found %v, err %v (want found false, no error)", found, err)
	}
	for _, a := range client.Actions() {
		if a.GetVerb() != "get" || a.GetResource().Resource != "configmaps" {
			t.Errorf("lookup did %s %s; only get on configmaps is granted", a.GetVerb(), a.GetResource().Resource)
		}
	}
	boom := errors.New("forbidden")
	client.PrependReactor("get", "configmaps", func(k8stesting.Action) (bool, runtime.Object, error) { return true, nil, boom })
	if _, _, err := lookup(ctx, KindConfigMap, "demo", "oas"); !errors.Is(err, boom) {
		t.Errorf("a failed GET must fail the lookup, got %v", err)
	}
}

func TestForRequest(t *testing.T) {
	ctx := context.Background()
	api := []byte(`{"apiVersion":"tyk.tyk.io/v1alpha1","kind":"TykOasApiDefinition","metadata":{"name":"h"},"spec":{"tykOAS":{"configmapRef":{"name":"oas","keyName":"k"}}}}`)
	none := func(context.Context, string, string, string) (map[string]any, bool, error) { return nil, false, nil }
	req := &admissionv1.AdmissionRequest{Namespace: "demo", Operation: admissionv1.Create}
	req.Object.Raw = api
	got, err := ForRequest(ctx, req, SourceCluster, none)
	want := map[string]any{"configmaps": map[string]any{"demo/oas": map[string]any{"namespace": "demo", "name": "oas", "found": false, "source": SourceCluster}}}
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("ForRequest = %v, %v; want %v", got, err, want)
	}
	del := &admissionv1.AdmissionRequest{Namespace: "demo", Operation: admissionv1.Delete}
	del.OldObject.Raw = api
	if got, err := ForRequest(ctx, del, SourceCluster, none); got != nil || err != nil {
		t.Errorf("a DELETE resolves nothing, got %v, %v", got, err)
	}
	bad := &admissionv1.AdmissionRequest{Namespace: "demo", Operation: admissionv1.Create}
	bad.Object.Raw = []byte("{")
	if _, err := ForRequest(ctx, bad, SourceCluster, none); err == nil {
		t.Error("an undecodable object must be an error")
	}
}
