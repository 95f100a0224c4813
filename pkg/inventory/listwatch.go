package inventory

import (
	"fmt"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/watch"
	toolscache "k8s.io/client-go/tools/cache"
)

// listPageSize bounds how many full objects are decoded at once during the initial list:
// 2,000 Ingresses are a few MiB transient, and 50,000 sync in about 25 round trips.
const listPageSize = 2000

// projectingListWatch lists in pages and projects each page before fetching the next.
// An informer otherwise holds every full object of the initial list at once before its
// transform runs: with 50,000 Ingresses that peak, not the projected steady state,
// decided the process's memory.
type projectingListWatch struct {
	inner toolscache.ListerWatcher
}

// IsWatchListSemanticsUnSupported makes the reflector use List, the path whose memory
// this type bounds, instead of a watch-list stream.
func (p projectingListWatch) IsWatchListSemanticsUnSupported() bool { return true }

func (p projectingListWatch) List(opts metav1.ListOptions) (runtime.Object, error) {
	out := &trackedList{}
	opts.Limit = listPageSize
	// "0" asks for the watch cache, which ignores limit and returns everything in one
	// response; a consistent read pages.
	if opts.ResourceVersion == "0" {
		opts.ResourceVersion = ""
	}
	for {
		page, err := p.inner.List(opts)
		if err != nil {
			return nil, err
		}
		items, err := meta.ExtractList(page)
		if err != nil {
			return nil, fmt.Errorf("inventory list: %w", err)
		}
		for _, item := range items {
			t, err := strip(item)
			if err != nil {
				return nil, err
			}
			out.Items = append(out.Items, t.(runtime.Object))
		}
		lm, err := meta.ListAccessor(page)
		if err != nil {
			return nil, fmt.Errorf("inventory list: %w", err)
		}
		out.ResourceVersion = lm.GetResourceVersion()
		if lm.GetContinue() == "" {
			return out, nil
		}
		opts.Continue, opts.ResourceVersion = lm.GetContinue(), ""
	}
}

func (p projectingListWatch) Watch(opts metav1.ListOptions) (watch.Interface, error) {
	return p.inner.Watch(opts)
}

// trackedList is the list the reflector receives: projected entries only.
type trackedList struct {
	metav1.TypeMeta
	metav1.ListMeta
	Items []runtime.Object
}

// DeepCopyObject satisfies runtime.Object; the reflector only reads the list.
func (l *trackedList) DeepCopyObject() runtime.Object {
	c := *l
	c.Items = append([]runtime.Object(nil), l.Items...)
	return &c
}

// newInformer is the cache's informer constructor with the projecting list.
func newInformer(lw toolscache.ListerWatcher, obj runtime.Object, resync time.Duration, indexers toolscache.Indexers) toolscache.SharedIndexInformer {
	return toolscache.NewSharedIndexInformer(projectingListWatch{inner: lw}, obj, resync, indexers)
}
