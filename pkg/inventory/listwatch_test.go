package inventory

import (
	"fmt"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/watch"
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
			"spec":     map[string]any{"rules": []any{map[string]any{"host": fmt.Sprintf("h%d.example.com", i)}}},
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

func TestProjectingListWatchPages(t *testing.T) {
	inner := &pagedLister{n: 2*listPageSize + 7}
	lw := projectingListWatch{inner: inner}
	if !lw.IsWatchListSemanticsUnSupported() {
		t.Error("watch-list must be off so the paged list is used")
	}
	obj, err := lw.List(metav1.ListOptions{ResourceVersion: "0"})
	if err != nil {
		t.Fatal(err)
	}
	list := obj.(*trackedList)
	if len(list.Items) != inner.n || len(inner.calls) != 3 {
		t.Fatalf("%d items in %d calls", len(list.Items), len(inner.calls))
	}
	for i, c := range inner.calls {
		if c.Limit != listPageSize || c.ResourceVersion != "" {
			t.Errorf("call %d: limit %d, resourceVersion %q (want a paged consistent read)", i, c.Limit, c.ResourceVersion)
		}
	}
	if inner.calls[1].Continue != fmt.Sprintf("from-%d", listPageSize) || list.ResourceVersion != "rv-3" {
		t.Errorf("continue %q, resourceVersion %q", inner.calls[1].Continue, list.ResourceVersion)
	}
	first, ok := list.Items[0].(*tracked)
	if !ok || first.Name != "i0" || len(first.contribs) != 1 || first.contribs[0].key != (Key{IngressHosts, "h0.example.com"}) {
		t.Fatalf("first item = %#v", list.Items[0])
	}
}
