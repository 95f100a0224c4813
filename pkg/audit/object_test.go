package audit

import (
	"encoding/json"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

func decoded(t *testing.T, s string) *unstructured.Unstructured {
	t.Helper()
	u := &unstructured.Unstructured{}
	if err := json.Unmarshal([]byte(s), &u.Object); err != nil {
		t.Fatal(err)
	}
	return u
}

func TestCompact(t *testing.T) {
	u := decoded(t, `{"apiVersion":"networking.k8s.io/v1","kind":"Ingress","metadata":{"name":"i","namespace":"n","uid":"u1","resourceVersion":"9",
		"labels":{"a":"b"},"managedFields":[{"manager":"kubectl"}]},"spec":{"rules":[]},"status":{"loadBalancer":{}}}`)
	out, err := transform(u)
	if err != nil {
		t.Fatal(err)
	}
	o := out.(*Object)
	if o.Name != "i" || o.Namespace != "n" || o.UID != "u1" || o.ResourceVersion != "9" || o.Kind != "Ingress" || o.Labels != nil {
		t.Errorf("meta %+v", o.ObjectMeta)
	}
	want := `{"apiVersion":"networking.k8s.io/v1","kind":"Ingress","metadata":{"labels":{"a":"b"},"name":"i","namespace":"n","resourceVersion":"9","uid":"u1"},"spec":{"rules":[]},"status":{"loadBalancer":{}}}`
	if string(o.Raw) != want {
		t.Errorf("raw\n got %s\nwant %s", o.Raw, want)
	}
	if again, _ := transform(o); again != o {
		t.Error("an Object was not passed through")
	}
	if c := o.DeepCopyObject().(*Object); c == o || string(c.Raw) != want {
		t.Error("copy")
	}
	ns, err := Compact(decoded(t, `{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"x","labels":{"apiguard.io/ignore":"true"}}}`))
	if err != nil || ns.Raw != nil || ns.Labels["apiguard.io/ignore"] != "true" {
		t.Errorf("namespace %+v %v", ns, err)
	}
}
