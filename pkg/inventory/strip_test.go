package inventory

import (
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// TestStripProjects checks the cache transform: an Ingress becomes its identity and
// projection, an entry already stripped (the informer transforms again what the paged
// list transformed) and an untracked object pass through.
func TestStripProjects(t *testing.T) {
	u := &unstructured.Unstructured{Object: obj(t, `{"apiVersion":"networking.k8s.io/v1","kind":"Ingress",
		"metadata":{"name":"i0","namespace":"ns","resourceVersion":"7","annotations":{"big":"xxxxxxxx"}},
		"spec":{"rules":[{"host":"H0.example.com"}]}}`)}
	out, err := strip(u)
	if err != nil {
		t.Fatal(err)
	}
	tr, ok := out.(*tracked)
	if !ok || tr.Name != "i0" || tr.Namespace != "ns" || tr.ResourceVersion != "7" || len(tr.Annotations) != 0 ||
		len(tr.contribs) != 1 || tr.contribs[0].key != (Key{Hosts, "h0.example.com"}) {
		t.Fatalf("strip = %#v", out)
	}
	if again, _ := strip(tr); again != tr {
		t.Error("a stripped entry was not passed through")
	}
	cm := &unstructured.Unstructured{Object: obj(t, `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"x"}}`)}
	if same, _ := strip(cm); same != cm {
		t.Error("an untracked object was changed")
	}
}
