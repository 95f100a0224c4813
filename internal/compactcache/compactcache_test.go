package compactcache

import (
	"fmt"
	"reflect"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/watch"
	fakediscovery "k8s.io/client-go/discovery/fake"
	clienttesting "k8s.io/client-go/testing"
)

// pagedLister serves n Ingresses in pages, as the API server does for a limited list.
type pagedLister struct {
	n     int
	calls []metav1.ListOptions
}

func (p *pagedLister) List(opts metav1.ListOptions) (runtime.Object, error) {
	p.calls = append(p.calls, opts)
	start := 0
	if opts.Continue != "" {
		fmt.Sscanf(opts.Continue, "from-%d", &start)
	}
	list := &unstructured.UnstructuredList{}
	end := min(start+int(opts.Limit), p.n)
	for i := start; i < end; i++ {
		list.Items = append(list.Items, unstructured.Unstructured{Object: map[string]any{
			"apiVersion": "networking.k8s.io/v1", "kind": "Ingress",
			"metadata": map[string]any{"name": fmt.Sprintf("i%d", i), "namespace": "ns"},
		}})
	}
	list.SetResourceVersion(fmt.Sprintf("rv-%d", len(p.calls)))
	if end < p.n {
		list.SetContinue(fmt.Sprintf("from-%d", end))
	}
	return list, nil
}

func (p *pagedLister) Watch(metav1.ListOptions) (watch.Interface, error) {
	return watch.NewEmptyWatch(), nil
}

// named is what the test transform keeps of an object: its name.
type named struct {
	metav1.TypeMeta
	metav1.ObjectMeta
}

func (n *named) DeepCopyObject() runtime.Object { c := *n; return &c }

func TestListWatchPagesAndTransforms(t *testing.T) {
	inner := &pagedLister{n: 2*PageSize + 7}
	transformed := 0
	lw := ListWatch{Inner: inner, Transform: func(obj any) (any, error) {
		transformed++
		return &named{ObjectMeta: metav1.ObjectMeta{Name: obj.(*unstructured.Unstructured).GetName()}}, nil
	}}
	if !lw.IsWatchListSemanticsUnSupported() {
		t.Error("watch-list must be off so the paged list is used")
	}
	obj, err := lw.List(metav1.ListOptions{ResourceVersion: "0"})
	if err != nil {
		t.Fatal(err)
	}
	list := obj.(*List)
	if len(list.Items) != inner.n || len(inner.calls) != 3 || transformed != inner.n {
		t.Fatalf("%d items in %d calls, %d transformed", len(list.Items), len(inner.calls), transformed)
	}
	for i, c := range inner.calls {
		if c.Limit != PageSize || c.ResourceVersion != "" {
			t.Errorf("call %d: limit %d, resourceVersion %q (want a paged consistent read)", i, c.Limit, c.ResourceVersion)
		}
	}
	if inner.calls[1].Continue != fmt.Sprintf("from-%d", PageSize) || list.ResourceVersion != "rv-3" {
		t.Errorf("continue %q, resourceVersion %q", inner.calls[1].Continue, list.ResourceVersion)
	}
	if first, ok := list.Items[0].(*named); !ok || first.Name != "i0" {
		t.Fatalf("first item = %#v", list.Items[0])
	}
}

// TestListWatchRelistIsConsistent: the reflector relists at its last resourceVersion
// after a watch expires (410). A paged list at that exact version would return the same
// stale version and the watch would expire again, forever; every page must be a
// consistent read instead.
func TestListWatchRelistIsConsistent(t *testing.T) {
	inner := &pagedLister{n: PageSize + 1}
	lw := ListWatch{Inner: inner, Transform: func(obj any) (any, error) { return obj, nil }}
	obj, err := lw.List(metav1.ListOptions{ResourceVersion: "199"})
	if err != nil {
		t.Fatal(err)
	}
	for i, c := range inner.calls {
		if c.ResourceVersion != "" {
			t.Errorf("call %d: resourceVersion %q, want a consistent read", i, c.ResourceVersion)
		}
	}
	if rv := obj.(*List).ResourceVersion; rv != "rv-2" {
		t.Errorf("list resourceVersion %q, want the newest page's", rv)
	}
}

func TestListWatchRefusesANonObject(t *testing.T) {
	lw := ListWatch{Inner: &pagedLister{n: 1}, Transform: func(any) (any, error) { return "not an object", nil }}
	if _, err := lw.List(metav1.ListOptions{}); err == nil {
		t.Error("a transform returning a non-object was accepted")
	}
}

func TestServed(t *testing.T) {
	dc := &fakediscovery.FakeDiscovery{Fake: &clienttesting.Fake{Resources: []*metav1.APIResourceList{
		{GroupVersion: "networking.k8s.io/v1", APIResources: []metav1.APIResource{{Name: "ingresses"}, {Name: "ingresses/status"}}},
		{GroupVersion: "v1", APIResources: []metav1.APIResource{{Name: "services"}}},
	}}}
	kinds := []Kind{
		{"gateway.networking.k8s.io", "v1", "Gateway", "gateways"},
		{"networking.k8s.io", "v1", "NetworkPolicy", "networkpolicies"},
		{"", "v1", "Service", "services"},
		{"networking.k8s.io", "v1", "Ingress", "ingresses"},
	}
	got, err := Served(dc, kinds)
	if err != nil {
		t.Fatal(err)
	}
	want := []Kind{kinds[2], kinds[3]}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("served = %v, want %v", got, want)
	}
	if gvk := kinds[3].GVK(); gvk.String() != "networking.k8s.io/v1, Kind=Ingress" {
		t.Errorf("GVK = %s", gvk)
	}
}
